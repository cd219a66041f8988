package teachers

import (
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"sync"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/eval/metrics"
	"github.com/sparrow-search/sparrow/fusion"
	"github.com/sparrow-search/sparrow/internal/progress"
)

// Features computes learning-to-rank features of (query, candidate) pairs:
// several BM25 variants (Porter, bleve-en-style, WordPiece, unstemmed words,
// title-only, abstract-only), each raw, per-query min-max and per-query
// z-score over the candidate list, the query-term coverage, log document
// length, and optionally dense similarity.
type Features struct {
	bm25  []*BM25
	cover *BM25 // analyzer for coverage (Porter)
	dense *Dense
	rm3   *RM3
	dlen  []float64
}

// NewFeatures builds the BM25 indexes over corpus. dense may be nil.
func NewFeatures(corpus []dataset.Doc, dense *Dense) (*Features, error) {
	return NewFeaturesRM3(corpus, dense, false)
}

// NewFeaturesRM3 is NewFeatures, optionally with RM3 (over Porter BM25)
// feedback scores as features too.
func NewFeaturesRM3(corpus []dataset.Doc, dense *Dense, rm3 bool) (*Features, error) {
	f := &Features{dense: dense}
	for _, o := range []BM25Options{
		{Analyzer: AnalyzerPorter},
		{Analyzer: AnalyzerEn},
		{Analyzer: AnalyzerWordPiece},
		{Analyzer: AnalyzerWord},
		{Analyzer: AnalyzerPorter, Field: FieldTitle},
		{Analyzer: AnalyzerPorter, Field: FieldText},
	} {
		m, err := NewBM25(corpus, o)
		if err != nil {
			return nil, err
		}
		f.bm25 = append(f.bm25, m)
	}
	f.cover = f.bm25[0]
	if rm3 {
		r, err := NewRM3(f.bm25[0], RM3Options{})
		if err != nil {
			return nil, err
		}
		f.rm3 = r
	}
	f.dlen = make([]float64, len(corpus))
	for i, dl := range f.cover.dl {
		f.dlen[i] = math.Log1p(dl)
	}
	return f, nil
}

// BM25 returns the Porter-stemmed BM25 index (a good first-stage retriever).
func (f *Features) BM25(i int) *BM25 { return f.bm25[i] }

// Names lists the feature names in vector order.
func (f *Features) Names() []string {
	var n []string
	add := func(base string) { n = append(n, base, base+"/minmax", base+"/z") }
	for _, m := range f.bm25 {
		add(m.Name())
	}
	if f.dense != nil {
		add(f.dense.Name())
	}
	if f.rm3 != nil {
		add(f.rm3.Name())
	}
	return append(n, "coverage", "log-doclen")
}

// Compute returns one feature vector per candidate.
func (f *Features) Compute(q dataset.Query, cands []int) ([][]float64, error) {
	width := len(f.Names())
	out := make([][]float64, len(cands))
	for i := range out {
		out[i] = make([]float64, 0, width)
	}
	add := func(s []float64) error {
		mm, err := Normalize(s)
		if err != nil {
			return err
		}
		z := fusion.NormalizeScores(s, fusion.ZScore)
		for i := range out {
			out[i] = append(out[i], s[i], mm[i], z[i])
		}
		return nil
	}
	for _, m := range f.bm25 {
		s, err := m.Score(q, cands)
		if err != nil {
			return nil, err
		}
		if err := add(s); err != nil {
			return nil, err
		}
	}
	if f.dense != nil {
		s, err := f.dense.Score(q, cands)
		if err != nil {
			return nil, err
		}
		if err := add(s); err != nil {
			return nil, err
		}
	}
	if f.rm3 != nil {
		s, err := f.rm3.Score(q, cands)
		if err != nil {
			return nil, err
		}
		if err := add(s); err != nil {
			return nil, err
		}
	}
	qt := f.cover.QueryTerms(q.Text)
	for i, c := range cands {
		matched := 0
		for t := range qt {
			if f.cover.hasTerm(c, t) {
				matched++
			}
		}
		cov := 0.0
		if len(qt) > 0 {
			cov = float64(matched) / float64(len(qt))
		}
		out[i] = append(out[i], cov, f.dlen[c])
	}
	return out, nil
}

// LTROptions configure NewLTR. Zero values mean the defaults.
type LTROptions struct {
	Name string // default "ltr"
	// Folds for cross-fitting (default 5): a training query is scored by the
	// model trained on the other folds, so distillation targets never encode
	// its own labels.
	Folds int
	// CandK: candidates per query are the union of the Porter and WordPiece
	// BM25 (and, with RM3 features, RM3) top CandK and the dense top DenseK
	// (defaults 100 and 20).
	CandK, DenseK int
	GBDT          GBDTOptions
	// MaxQueries caps the training queries (a deterministic subset by id
	// hash; 0 = all). Every query still gets a fold for cross-fitting.
	MaxQueries int
	Progress   io.Writer
	// CacheDir, when set, stores trained models keyed by a hash of the
	// features, options, corpus, queries and qrels, and reuses them.
	CacheDir string
}

// LTR is a supervised learning-to-rank teacher (LambdaMART over Features),
// trained on train-split qrels only and cross-fitted. Teacher and Retriever.
type LTR struct {
	name   string
	feat   *Features
	opts   LTROptions
	full   *GBDT
	folds  []*GBDT
	foldOf map[string]int
	// OOF is the out-of-fold NDCG@10 over the training queries (an honest
	// estimate from train data alone).
	OOF float64
}

func fnvHash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

func foldOf(qid string, k int) int { return int(fnvHash(qid) % uint32(k)) }

// NewLTR trains on queries with qrels (the train split; never pass test).
func NewLTR(feat *Features, queries []dataset.Query, qrels dataset.Qrels, corpus []dataset.Doc, opts LTROptions) (*LTR, error) {
	if opts.Name == "" {
		opts.Name = "ltr"
	}
	if opts.Folds <= 1 {
		opts.Folds = 5
	}
	if opts.CandK <= 0 {
		opts.CandK = 100
	}
	if opts.DenseK <= 0 {
		opts.DenseK = 20
	}
	if len(queries) < opts.Folds {
		return nil, fmt.Errorf("teachers: ltr needs at least %d training queries, got %d", opts.Folds, len(queries))
	}
	l := &LTR{name: opts.Name, feat: feat, opts: opts, foldOf: make(map[string]int, len(queries))}
	for _, q := range queries {
		l.foldOf[q.ID] = foldOf(q.ID, opts.Folds)
	}
	var key string
	if opts.CacheDir != "" {
		key = ltrCacheKey(feat, queries, qrels, corpus, opts)
		if l.loadCache(opts.CacheDir, key) {
			if opts.Progress != nil {
				fmt.Fprintf(opts.Progress, "ltr: cached models from %s (out-of-fold NDCG@10 %.4f)\n", opts.CacheDir, l.OOF)
			}
			return l, nil
		}
	}
	groups, err := l.groups(queries, qrels, corpus)
	if err != nil {
		return nil, err
	}
	l.fit(groups, queries, qrels, corpus)
	if opts.CacheDir != "" {
		if err := l.saveCache(opts.CacheDir, key); err != nil && opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "ltr: cache not written: %v\n", err)
		}
	}
	return l, nil
}

// NDCG10 is NDCG@10 of a ranked list of corpus documents with exponential
// gains (metrics.NDCGExp, the LambdaMART objective): the measure of the
// LambdaMART out-of-fold score and of distill.TuneWeights.
func NDCG10(ranked []Scored, judged map[string]int, corpus []dataset.Doc) float64 {
	ids := make([]string, 0, min(len(ranked), 10))
	for _, h := range ranked[:min(len(ranked), 10)] {
		ids = append(ids, corpus[h.Doc].ID)
	}
	return metrics.NDCGExp(ids, judged, 10)
}

func (l *LTR) candidates(q dataset.Query) ([]int, error) {
	rs := []Retriever{l.feat.bm25[0], l.feat.bm25[2]}
	if l.feat.rm3 != nil {
		rs = append(rs, l.feat.rm3) // feedback finds what the query words miss
	}
	c, err := Candidates(q, rs, l.opts.CandK)
	if err != nil || l.feat.dense == nil {
		return c, err
	}
	d, err := Candidates(q, []Retriever{l.feat.dense}, l.opts.DenseK)
	if err != nil {
		return nil, err
	}
	return MergeCandidates(c, d), nil
}

// Name implements Teacher.
func (l *LTR) Name() string { return l.name }

// Score implements Teacher, cross-fitted: a training query is scored by the
// model that did not see it.
func (l *LTR) Score(q dataset.Query, cands []int) ([]float64, error) {
	x, err := l.feat.Compute(q, cands)
	if err != nil {
		return nil, err
	}
	m := l.full
	if f, ok := l.foldOf[q.ID]; ok {
		m = l.folds[f]
	}
	out := make([]float64, len(cands))
	for i, v := range x {
		out[i] = m.Predict(v)
	}
	return out, nil
}

// Retrieve implements Retriever: rerank the LTR candidate pool.
func (l *LTR) Retrieve(q dataset.Query, k int) ([]Scored, error) {
	cands, err := l.candidates(q)
	if err != nil || len(cands) == 0 {
		return nil, err
	}
	s, err := l.Score(q, cands)
	if err != nil {
		return nil, err
	}
	return Rank(cands, s, k), nil
}

// ltrGroup is one training query's candidates with their features and labels.
type ltrGroup struct {
	x      [][]float64
	labels []float64
	fold   int
	cands  []int
}

// groups computes every training query's candidates and features (nil for a
// query without candidates).
func (l *LTR) groups(queries []dataset.Query, qrels dataset.Qrels, corpus []dataset.Doc) ([]*ltrGroup, error) {
	groups := make([]*ltrGroup, len(queries))
	var wg sync.WaitGroup
	errs := make([]error, len(queries))
	sem := make(chan struct{}, 4)
	bar := progress.New(l.opts.Progress, len(queries), "ltr: features", "queries")
	defer bar.Close()
	for qi, q := range queries {
		fold := l.foldOf[q.ID]
		wg.Add(1)
		sem <- struct{}{}
		go func(qi int, q dataset.Query) {
			defer func() { <-sem; wg.Done(); bar.Add(1) }()
			cands, err := l.candidates(q)
			if err == nil && len(cands) > 0 {
				var x [][]float64
				x, err = l.feat.Compute(q, cands)
				if err == nil {
					g := &ltrGroup{x: x, labels: make([]float64, len(cands)), fold: fold, cands: cands}
					for i, c := range cands {
						if rel := qrels[q.ID][corpus[c].ID]; rel > 0 {
							g.labels[i] = float64(rel)
						}
					}
					groups[qi] = g
				}
			}
			errs[qi] = err
		}(qi, q)
	}
	wg.Wait()
	for qi, err := range errs {
		if err != nil { // the first failing query, not whichever goroutine failed last
			return nil, fmt.Errorf("teachers: ltr: query %s: %w", queries[qi].ID, err)
		}
	}
	bar.Finish()
	return groups, nil
}

// fit trains the per-fold and full models and measures the out-of-fold
// NDCG@10 over judged training queries (unretrieved positives count as misses).
func (l *LTR) fit(groups []*ltrGroup, queries []dataset.Query, qrels dataset.Qrels, corpus []dataset.Doc) {
	opts := l.opts
	use := make([]bool, len(queries))
	for i, q := range queries {
		use[i] = opts.MaxQueries <= 0 || len(queries) <= opts.MaxQueries ||
			uint64(fnvHash(q.ID))*uint64(len(queries)) < uint64(opts.MaxQueries)<<32
	}
	build := func(keep func(g *ltrGroup) bool) *RankData {
		d := &RankData{Groups: []int{0}}
		for qi, g := range groups {
			if g == nil || !use[qi] || !keep(g) {
				continue
			}
			d.X = append(d.X, g.x...)
			d.Labels = append(d.Labels, g.labels...)
			d.Groups = append(d.Groups, len(d.X))
		}
		return d
	}
	gb := opts.GBDT
	gb.defaults()
	bar := progress.New(opts.Progress, (opts.Folds+1)*gb.Trees, fmt.Sprintf("ltr: LambdaMART, %d cross-fitted folds then all", opts.Folds), "trees")
	defer bar.Close()
	tree := func() { bar.Add(1) }
	l.folds = make([]*GBDT, opts.Folds)
	for f := 0; f < opts.Folds; f++ {
		l.folds[f] = trainLambdaMART(build(func(g *ltrGroup) bool { return g.fold != f }), opts.GBDT, tree)
	}
	l.full = trainLambdaMART(build(func(*ltrGroup) bool { return true }), opts.GBDT, tree)
	bar.Finish()
	var sum float64
	n := 0
	for qi, g := range groups {
		q := queries[qi]
		if len(qrels[q.ID]) == 0 {
			continue
		}
		n++
		if g == nil {
			continue
		}
		s := make([]float64, len(g.x))
		for i, x := range g.x {
			s[i] = l.folds[g.fold].Predict(x)
		}
		sum += NDCG10(Rank(g.cands, s, 10), qrels[q.ID], corpus)
	}
	if n > 0 {
		l.OOF = sum / float64(n)
	}
	if opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "ltr: out-of-fold NDCG@10 on %d training queries: %.4f\n", n, l.OOF)
	}
}
