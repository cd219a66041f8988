package distill

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill/teachers"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/native"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/encoder/words"
	"github.com/sparrow-search/sparrow/sparse"
)

// tinyTask is a synthetic corpus with topical queries: each topic has a few
// signature words; relevant docs mention the topic words, others are noise.
func tinyTask(t *testing.T) ([]dataset.Doc, []dataset.Query, dataset.Qrels) {
	t.Helper()
	topics := [][]string{
		{"protein", "folding", "membrane"}, {"vitamin", "bone", "density"}, {"cancer", "tumor", "therapy"},
		{"virus", "vaccine", "immune"}, {"brain", "neuron", "cortex"}, {"heart", "blood", "pressure"},
	}
	filler := []string{"the", "study", "results", "patients", "analysis", "data", "effect", "increase", "model", "cells", "level", "risk"}
	r := rand.New(rand.NewPCG(3, 4))
	var corpus []dataset.Doc
	qrels := dataset.Qrels{}
	var queries []dataset.Query
	for i := 0; i < 60; i++ {
		tp := i % len(topics)
		var text string
		for j := 0; j < 25; j++ {
			w := filler[r.IntN(len(filler))]
			if r.IntN(4) == 0 {
				w = topics[tp][r.IntN(3)]
			}
			if r.IntN(9) == 0 {
				w = topics[r.IntN(len(topics))][r.IntN(3)]
			}
			text += w + " "
		}
		corpus = append(corpus, dataset.Doc{ID: fmt.Sprint("d", i), Title: topics[tp][0] + " " + filler[i%len(filler)], Text: text})
	}
	for qi := 0; qi < 24; qi++ {
		tp := qi % len(topics)
		q := dataset.Query{ID: fmt.Sprint("q", qi), Text: topics[tp][qi%3] + " " + topics[tp][(qi+1)%3] + " " + filler[qi%len(filler)]}
		queries = append(queries, q)
		qrels[q.ID] = map[string]int{}
		for i := tp; i < len(corpus); i += len(topics) {
			if (i/len(topics))%2 == qi%2 { // only half of the topic's docs are relevant
				qrels[q.ID][corpus[i].ID] = 1
			}
		}
	}
	return corpus, queries, qrels
}

func tinySetup(t *testing.T) ([]dataset.Doc, []Example, *wordpiece.Tokenizer, []float32, float64, []float32) {
	corpus, queries, qrels := tinyTask(t)
	bm, err := teachers.NewBM25(corpus, teachers.BM25Options{})
	if err != nil {
		t.Fatal(err)
	}
	exs, err := BuildExamples(corpus, queries, qrels, []teachers.Teacher{bm}, ExampleOptions{K: 20, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	tok := wordpiece.DefaultTokenizer()
	st, err := encoder.CorpusStats(tok, 512, func(y func(string) error) error {
		for _, d := range corpus {
			if err := y(encoder.DocText(d.Title, d.Text)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	const dim = 8
	r := rand.New(rand.NewPCG(5, 6))
	emb := make([]float32, tok.VocabSize()*dim)
	for i := range emb {
		emb[i] = float32(r.NormFloat64() * 0.3)
	}
	return corpus, exs, tok, st.IDFWeights(tok), st.AvgDL, emb
}

func TestTrainLossDecreasesAndIsDeterministic(t *testing.T) {
	corpus, exs, tok, idf, avgdl, emb := tinySetup(t)
	opts := TrainOptions{Hidden: 6, Epochs: 6, Batch: 4, LR: 1e-2, Contrastive: 1, Lambda: 1e-3, Expansion: 2, Seed: 9, Workers: 1}
	n1, st1, err := Train(corpus, exs, tok, idf, avgdl, emb, 8, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !(st1.LastLoss < 0.9*st1.FirstLoss) {
		t.Fatalf("loss did not decrease: %v", st1.EpochLosses)
	}
	opts.Workers = 3
	n2, _, err := Train(corpus, exs, tok, idf, avgdl, emb, 8, opts)
	if err != nil {
		t.Fatal(err)
	}
	a, b := n1.P.Tensors(), n2.P.Tensors()
	for i := range a {
		for j := range a[i].Data {
			if a[i].Data[j] != b[i].Data[j] {
				t.Fatalf("seeded runs differ (1 vs 3 workers) at %s[%d]: %v vs %v", a[i].Name, j, a[i].Data[j], b[i].Data[j])
			}
		}
	}
	opts.Seed = 10
	n3, _, err := Train(corpus, exs, tok, idf, avgdl, emb, 8, opts)
	if err != nil {
		t.Fatal(err)
	}
	same := true
	for j := range n3.P.U {
		same = same && n3.P.U[j] == n1.P.U[j]
	}
	if same {
		t.Fatal("a different seed gave identical weights")
	}
	// the trained model ranks the tiny task at least as well as BM25-tf
	cfg := n1.Config()
	bm, err := native.NewBM25TF(tok, cfg)
	if err != nil {
		t.Fatal(err)
	}
	corpus2, queries, qrels := tinyTask(t)
	qidf := encoder.NewIDF(idf)
	score := func(enc encoder.Encoder) float64 {
		v, err := EncodeCorpus(enc, corpus2, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		return NewSparseEval(v, corpus2, tok.VocabSize()).MeanNDCG10(queries, qrels, tok, qidf)
	}
	if s, b := score(n1), score(bm); s < b {
		t.Fatalf("trained NDCG@10 on its training queries %.3f < bm25-tf %.3f", s, b)
	}
	// the expansion branch is live (scaleExpansion): documents carry terms
	// they do not contain
	nv, _ := EncodeCorpus(n1, corpus2, 1, nil)
	bv, _ := EncodeCorpus(bm, corpus2, 1, nil)
	expanded := 0
	for i := range nv {
		for _, id := range nv[i].IDs {
			if _, ok := slices.BinarySearch(bv[i].IDs, id); !ok {
				expanded++
			}
		}
	}
	if expanded == 0 {
		t.Fatal("expansion 2: no document got an expansion term")
	}
	t.Logf("%d expansion terms over %d documents", expanded, len(nv))
}

func TestTrainRejectsBadInput(t *testing.T) {
	corpus, exs, tok, idf, avgdl, emb := tinySetup(t)
	if _, _, err := Train(corpus, nil, tok, idf, avgdl, emb, 8, TrainOptions{}); err == nil {
		t.Fatal("no examples accepted")
	}
	if _, _, err := Train(corpus, exs, tok, idf, avgdl, emb[:10], 8, TrainOptions{}); err == nil {
		t.Fatal("short embedding table accepted")
	}
	bad := append([]Example(nil), exs...)
	bad[0].Cands = append([]int(nil), bad[0].Cands...)
	bad[0].Cands[0] = len(corpus) + 5
	if _, _, err := Train(corpus, bad, tok, idf, avgdl, emb, 8, TrainOptions{}); err == nil {
		t.Fatal("candidate outside the corpus accepted")
	}
}

func numGrad(f func([]float32) float64, x []float32, i int) float64 {
	const eps = 1e-3
	old := x[i]
	x[i] = old + eps
	p := f(x)
	x[i] = old - eps
	m := f(x)
	x[i] = old
	return (p - m) / (2 * eps)
}

func TestLossGradients(t *testing.T) {
	target := []float32{3, 0, 10, 5}
	s := []float32{1.5, -0.5, 2, 0.3}
	pos := []float32{0, 1, 2, 0}
	g := make([]float32, 4)
	KLLoss(target, s, g)
	gc := make([]float32, 4)
	ContrastiveLoss(s, pos, gc)
	for i := range s {
		nk := numGrad(func(x []float32) float64 { return KLLoss(target, x, make([]float32, 4)) }, s, i)
		nc := numGrad(func(x []float32) float64 { return ContrastiveLoss(x, pos, make([]float32, 4)) }, s, i)
		if math.Abs(nk-float64(g[i])) > 1e-3 || math.Abs(nc-float64(gc[i])) > 1e-3 {
			t.Fatalf("coord %d: KL %v vs %v, contrastive %v vs %v", i, g[i], nk, gc[i], nc)
		}
	}
	if KLLoss(target, target, make([]float32, 4)) > 1e-9 {
		t.Fatal("KL(p||p) != 0")
	}
	// FLOPS, both variants
	ids := [][]int32{{1, 3}, {3, 4}}
	idf := []float32{0, 2, 0, 0.5, 3}
	for _, plain := range []bool{false, true} {
		w := [][]float32{{0.7, 1.2}, {0.4, 2}}
		grads := [][]float32{{0, 0}, {0, 0}}
		FLOPS(ids, w, idf, plain, 1, grads)
		for d := range w {
			for j := range w[d] {
				f := func(x []float32) float64 {
					return FLOPS(ids, w, idf, plain, 0, nil)
				}
				num := numGrad(f, w[d], j)
				if math.Abs(num-float64(grads[d][j])) > 1e-3 {
					t.Fatalf("plain=%v FLOPS grad [%d][%d] %v vs %v", plain, d, j, grads[d][j], num)
				}
			}
		}
	}
	if LambdaAt(1, 5, 10) != 0.25 || LambdaAt(1, 20, 10) != 1 || LambdaAt(2, 0, 0) != 2 {
		t.Fatal("lambda warm-up")
	}
}

func TestParseGloVe(t *testing.T) {
	tok := wordpiece.DefaultTokenizer()
	js := `{"precision":8,"dimensions":3,"size":3,"words":["cat","ing","zzqx"],"vectors":{"cat":[1,2,2,3,0],"ing":[0,3,4,5,1],"zzqx":[1,1,1,1.7,2],"dog":[0,0,0,0,3]},"unkVector":[0,0,0,-1]}`
	emb, d, st, err := parseGloVe([]byte(js), "x.json", tok, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d != 3 || st.Words != 2 || st.Pieces < 1 { // "cat" and "ing" are words; "##ing" a piece
		t.Fatalf("dim %d stats %+v", d, st)
	}
	cat, _ := tok.ID("cat")
	ing, _ := tok.ID("##ing")
	if got := emb[int(cat)*3 : int(cat)*3+3]; math.Abs(float64(got[0])-1.0/3) > 1e-6 || math.Abs(float64(got[2])-2.0/3) > 1e-6 {
		t.Fatalf("cat = %v, want unit-normalised [1 2 2]/3", got)
	}
	if got := emb[int(ing)*3 : int(ing)*3+3]; math.Abs(float64(got[1])-0.6) > 1e-6 {
		t.Fatalf("##ing = %v, want [0 .6 .8]", got)
	}
	for _, bad := range []string{`{}`, `{"dimensions":3}`, `{"dimensions":3,"vectors":{"cat":[1,2]}}`, `{"dimensions":3,"vectors":{"cat":[1,x,2,3]}}`, `{"dimensions":3,"vectors":{"cat":[1,2,3`} {
		if _, _, _, err := parseGloVe([]byte(bad), "bad.json", tok, 1); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func FuzzParseGloVe(f *testing.F) {
	f.Add([]byte(`{"dimensions":2,"vectors":{"cat":[1,2,3,0],"the":[0,1,1,1]}}`))
	f.Add([]byte(`{"dimensions":2,"vectors":{"\u0063at":[1,2,3,0]}}`))
	f.Add([]byte(`{"dimensions":0}`))
	tok := wordpiece.DefaultTokenizer()
	f.Fuzz(func(t *testing.T, data []byte) {
		emb, d, _, err := parseGloVe(data, "f.json", tok, 1)
		if err == nil && len(emb) != d*tok.VocabSize() {
			t.Fatal("wrong table size")
		}
	})
}

func TestEmbeddingsFileRoundTrip(t *testing.T) {
	tok := wordpiece.DefaultTokenizer()
	emb := make([]float32, tok.VocabSize()*2)
	for i := range emb {
		emb[i] = float32(i%7) / 8
	}
	path := t.TempDir() + "/e.safetensors"
	if err := WriteEmbeddings(path, emb, tok.VocabSize(), 2); err != nil {
		t.Fatal(err)
	}
	got, d, _, err := LoadEmbeddings(path, tok, 1)
	if err != nil || d != 2 {
		t.Fatal(d, err)
	}
	for i := range emb {
		if got[i] != emb[i] { // multiples of 1/8 are exact in float16
			t.Fatalf("%d: %v vs %v", i, got[i], emb[i])
		}
	}
}

// MeanNDCG10 follows eval (trec_eval): a query whose judgments are all
// non-relevant is left out of the mean, not counted as 0.
func TestMeanNDCG10FollowsEval(t *testing.T) {
	tok := wordpiece.DefaultTokenizer()
	corpus := []dataset.Doc{{ID: "d0", Text: "protein"}, {ID: "d1", Text: "membrane"}}
	vecs := make([]sparse.Vector, len(corpus))
	idf := make([]float32, tok.VocabSize())
	for i, d := range corpus {
		id, ok := tok.ID(d.Text)
		if !ok {
			t.Fatalf("%q not in the vocabulary", d.Text)
		}
		vecs[i] = sparse.Vector{IDs: []int32{id}, Weights: []float32{1}}
		idf[id] = 1
	}
	queries := []dataset.Query{{ID: "q0", Text: "protein"}, {ID: "q1", Text: "membrane"}}
	qrels := dataset.Qrels{"q0": {"d0": 1}, "q1": {"d1": 0}}
	if got := NewSparseEval(vecs, corpus, tok.VocabSize()).MeanNDCG10(queries, qrels, tok, encoder.NewIDF(idf)); got != 1 {
		t.Fatalf("MeanNDCG10 = %v, want 1 (q1 has no relevant judgment)", got)
	}
}

// The held-out evaluation weighs the WordPiece part by the analysis's piece
// weight, as a collection does at query time: with weight 0 only the word
// terms rank, with weight 1 a document matched through its pieces can win.
func TestSparseEvalPieceWeight(t *testing.T) {
	tok := wordpiece.DefaultTokenizer()
	en, err := words.New(words.English)
	if err != nil {
		t.Fatal(err)
	}
	// d0 has the query word; d1 only a large learned weight for it
	corpus := []dataset.Doc{{ID: "d0", Text: "protein folding"}, {ID: "d1", Text: "membrane channels"}}
	id, _ := tok.ID("protein")
	vecs := []sparse.Vector{{}, {IDs: []int32{id}, Weights: []float32{50}}}
	idf := make([]float32, tok.VocabSize())
	idf[id] = 1
	texts := []string{corpus[0].Text, corpus[1].Text}
	queries := []dataset.Query{{ID: "q", Text: "protein"}}
	for _, c := range []struct {
		weight float64
		want   float64 // NDCG@10 with d1 the relevant one
	}{{0, 0}, {1, 1}} { // weight 0: d1 matches nothing
		t.Run(fmt.Sprint(c.weight), func(t *testing.T) {
			e := NewSparseEval(vecs, corpus, tok.VocabSize())
			e.Words = words.NewCorpus(en, words.Config{}, 0, texts)
			e.PieceWeight = c.weight
			got := e.MeanNDCG10(queries, dataset.Qrels{"q": {"d1": 1}}, tok, encoder.NewIDF(idf))
			if math.Abs(got-c.want) > 1e-9 {
				t.Errorf("NDCG@10 %v, want %v", got, c.want)
			}
		})
	}
}
