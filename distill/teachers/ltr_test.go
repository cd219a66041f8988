package teachers

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
)

// A non-monotonic relevance rule no linear model can rank: relevant iff x0
// is in the middle band. LambdaMART trees must learn it.
func TestLambdaMARTLearnsNonLinearRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	d := &RankData{Groups: []int{0}}
	for q := 0; q < 60; q++ {
		for i := 0; i < 20; i++ {
			x0, x1 := rng.Float64(), rng.Float64()
			l := 0.0
			if x0 > 0.4 && x0 < 0.6 {
				l = 1
			}
			d.X = append(d.X, []float64{x0, x1})
			d.Labels = append(d.Labels, l)
		}
		d.Groups = append(d.Groups, len(d.X))
	}
	g := TrainLambdaMART(d, GBDTOptions{Trees: 50, MinLeaf: 5})
	if len(g.Trees) != 50 {
		t.Fatalf("%d trees", len(g.Trees))
	}
	mid, lo, hi := g.Predict([]float64{0.5, 0.5}), g.Predict([]float64{0.1, 0.5}), g.Predict([]float64{0.9, 0.5})
	if !(mid > lo && mid > hi) {
		t.Errorf("predictions mid %v lo %v hi %v: middle band should win", mid, lo, hi)
	}
	// Mean NDCG@10 of training groups should be near perfect.
	var sum float64
	for q := 0; q+1 < len(d.Groups); q++ {
		var cands []int
		var s []float64
		judged := map[string]int{}
		var corpus []dataset.Doc
		for i := d.Groups[q]; i < d.Groups[q+1]; i++ {
			k := i - d.Groups[q]
			cands = append(cands, k)
			s = append(s, g.Predict(d.X[i]))
			corpus = append(corpus, dataset.Doc{ID: fmt.Sprint(k)})
			if d.Labels[i] > 0 {
				judged[fmt.Sprint(k)] = 1
			}
		}
		if len(judged) == 0 {
			sum++
			continue
		}
		sum += NDCG10(Rank(cands, s, 10), judged, corpus)
	}
	if m := sum / 60; m < 0.95 {
		t.Errorf("training NDCG@10 %.3f, want >= 0.95", m)
	}
	again := TrainLambdaMART(d, GBDTOptions{Trees: 50, MinLeaf: 5})
	if again.Predict([]float64{0.45, 0.3}) != g.Predict([]float64{0.45, 0.3}) {
		t.Error("training not deterministic")
	}
}

func synthCorpus(nTopics int) ([]dataset.Doc, []dataset.Query, dataset.Qrels) {
	var docs []dataset.Doc
	var qs []dataset.Query
	qrels := dataset.Qrels{}
	for i := 0; i < nTopics; i++ {
		docs = append(docs,
			dataset.Doc{ID: fmt.Sprintf("a%d", i), Title: fmt.Sprintf("topic%d overview", i), Text: fmt.Sprintf("about topic%d and theme%d in depth", i, i%3)},
			dataset.Doc{ID: fmt.Sprintf("b%d", i), Title: "unrelated", Text: fmt.Sprintf("mentions topic%d topic%d topic%d theme%d briefly", i, i, i, (i+1)%3)})
		q := dataset.Query{ID: fmt.Sprintf("q%d", i), Text: fmt.Sprintf("topic%d overview theme%d", i, i%3)}
		qs = append(qs, q)
		qrels[q.ID] = map[string]int{fmt.Sprintf("a%d", i): 1}
	}
	return docs, qs, qrels
}

func TestLTRCrossFitted(t *testing.T) {
	docs, qs, qrels := synthCorpus(40)
	feat, err := NewFeatures(docs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(feat.Names()), 6*3+2; got != want {
		t.Errorf("%d features, want %d", got, want)
	}
	l, err := NewLTR(feat, qs, qrels, docs, LTROptions{Folds: 4, GBDT: GBDTOptions{Trees: 10, MinLeaf: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if l.OOF < 0.5 {
		t.Errorf("out-of-fold NDCG %.3f", l.OOF)
	}
	cands := []int{0, 1, 2, 3}
	x, _ := feat.Compute(qs[0], cands)
	got, err := l.Score(qs[0], cands)
	if err != nil {
		t.Fatal(err)
	}
	fold := l.folds[foldOf(qs[0].ID, 4)]
	for i := range cands {
		if got[i] != fold.Predict(x[i]) {
			t.Fatalf("training query not scored by its held-out fold model")
		}
	}
	// An unseen query id with the same text is scored by the full model.
	unseen := dataset.Query{ID: "new", Text: qs[0].Text}
	got2, _ := l.Score(unseen, cands)
	for i := range cands {
		if got2[i] != l.full.Predict(x[i]) {
			t.Fatalf("unseen query not scored by the full model")
		}
	}
	hits, err := l.Retrieve(qs[5], 3)
	if err != nil || len(hits) == 0 {
		t.Fatalf("Retrieve: %v %v", hits, err)
	}
	if _, err := NewLTR(feat, qs[:2], qrels, docs, LTROptions{Folds: 4}); err == nil {
		t.Error("too few training queries accepted")
	}
}

func TestRM3Expansion(t *testing.T) {
	docs, _, _ := synthCorpus(10)
	base, err := NewBM25(docs, BM25Options{Analyzer: AnalyzerWord})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRM3(base, RM3Options{FbDocs: 2, FbTerms: 3})
	if err != nil {
		t.Fatal(err)
	}
	e := r.Expand("topic3")
	var sum float64
	for _, w := range e {
		sum += w
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("expanded weights sum to %v, want 1", sum)
	}
	id := base.terms["topic3"]
	if e[id] < 0.5 {
		t.Errorf("original term weight %v, want >= 0.5", e[id])
	}
	if len(e) < 2 || len(e) > 4 {
		t.Errorf("%d expanded terms, want 2..4", len(e))
	}
	hits, _ := r.Retrieve(dataset.Query{Text: "topic3"}, 5)
	if len(hits) == 0 || (docs[hits[0].Doc].ID != "a3" && docs[hits[0].Doc].ID != "b3") {
		t.Errorf("hits %v", hits)
	}
	if len(r.Expand("zzz")) != 0 {
		t.Error("unknown query expanded")
	}
	if _, err := NewRM3(base, RM3Options{OrigWeight: 2}); err == nil {
		t.Error("weight 2 accepted")
	}
}

func TestLTRCache(t *testing.T) {
	docs, qs, qrels := synthCorpus(20)
	feat, err := NewFeaturesRM3(docs, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var log strings.Builder
	opts := LTROptions{Folds: 3, CacheDir: dir, Progress: &log, GBDT: GBDTOptions{Trees: 5, MinLeaf: 2}}
	a, err := NewLTR(feat, qs, qrels, docs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "cached") {
		t.Fatal("first training read a cache")
	}
	log.Reset()
	b, err := NewLTR(feat, qs, qrels, docs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "cached") {
		t.Fatalf("second training did not use the cache: %q", log.String())
	}
	for _, q := range []dataset.Query{qs[3], {ID: "new", Text: qs[3].Text}} {
		sa, _ := a.Score(q, []int{0, 1, 2, 7})
		sb, _ := b.Score(q, []int{0, 1, 2, 7})
		if !reflect.DeepEqual(sa, sb) || a.OOF != b.OOF {
			t.Errorf("cached model differs: %v vs %v", sa, sb)
		}
	}
	// A damaged cache file (a node pointing outside its tree) is retrained, not used.
	files, _ := filepath.Glob(filepath.Join(dir, "ltr-*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var cf ltrCacheFile
	if err := json.Unmarshal(raw, &cf); err != nil {
		t.Fatal(err)
	}
	cf.Full.Trees[0].Nodes = []TreeNode{{Feature: 0, Left: 7, Right: 7}}
	if raw, err = json.Marshal(cf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files[0], raw, 0o644); err != nil {
		t.Fatal(err)
	}
	log.Reset()
	c, err := NewLTR(feat, qs, qrels, docs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "cached") {
		t.Error("damaged cache used")
	}
	if sc, err := c.Score(dataset.Query{ID: "new", Text: qs[3].Text}, []int{0, 1}); err != nil || len(sc) != 2 {
		t.Errorf("retrained model: %v %v", sc, err)
	}
	// Different judgments: a different key, so no reuse.
	qrels2 := dataset.Qrels{}
	for k, v := range qrels {
		qrels2[k] = v
	}
	qrels2[qs[0].ID] = map[string]int{"b0": 1}
	log.Reset()
	if _, err := NewLTR(feat, qs, qrels2, docs, opts); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "cached") {
		t.Error("cache reused for different qrels")
	}
}

func TestLTRCacheKeyUsesEffectiveDefaults(t *testing.T) {
	docs, qs, qrels := synthCorpus(6)
	feat, err := NewFeatures(docs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var d GBDTOptions
	d.defaults()
	a := ltrCacheKey(feat, qs, qrels, docs, LTROptions{})
	b := ltrCacheKey(feat, qs, qrels, docs, LTROptions{GBDT: d})
	c := ltrCacheKey(feat, qs, qrels, docs, LTROptions{GBDT: GBDTOptions{Depth: d.Depth + 1}})
	if a != b || a == c {
		t.Errorf("keys: zero options %s, explicit defaults %s, other depth %s", a[:8], b[:8], c[:8])
	}
}
