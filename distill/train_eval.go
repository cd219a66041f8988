package distill

import (
	"io"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill/teachers"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/encoder/words"
	"github.com/sparrow-search/sparrow/eval/metrics"
	"github.com/sparrow-search/sparrow/internal/progress"
	"github.com/sparrow-search/sparrow/sparse"
)

// EncodeCorpus encodes every document (encoder.DocText) with enc, in
// parallel batches of 64, reporting to w (nil = quiet).
func EncodeCorpus(enc encoder.Encoder, corpus []dataset.Doc, workers int, w io.Writer) ([]sparse.Vector, error) {
	const bs = 64
	out := make([]sparse.Vector, len(corpus))
	nb := (len(corpus) + bs - 1) / bs
	errs := make([]error, nb)
	bar := progress.New(w, len(corpus), "encoding the corpus", "docs")
	defer bar.Close()
	parallel(nb, workers, func(b int) {
		defer bar.Add(min((b+1)*bs, len(corpus)) - b*bs)
		lo, hi := b*bs, min((b+1)*bs, len(corpus))
		texts := make([]string, 0, hi-lo)
		for _, d := range corpus[lo:hi] {
			texts = append(texts, encoder.DocText(d.Title, d.Text))
		}
		v, err := enc.Encode(texts)
		if err != nil {
			errs[b] = err
			return
		}
		copy(out[lo:hi], v)
	})
	for _, e := range errs {
		if e != nil {
			return nil, e
		}
	}
	bar.Finish()
	return out, nil
}

// SparseEval scores queries exhaustively against encoded documents; it is the
// training loop's model-selection metric (the BEIR runner is the reference).
type SparseEval struct {
	post   [][]evalPosting // by token id
	corpus []dataset.Doc
	// Words, when set, adds the word terms' part of the score (the
	// collection's, for a model with word terms).
	Words *words.Corpus
	// QueryCounts weighs query tokens count*idf (analysis query_terms "count").
	QueryCounts bool
	// PieceWeight multiplies the WordPiece part of the score (analysis
	// piece_weight, applied at query time as a collection does); 1 from
	// NewSparseEval.
	PieceWeight float64
}

// NewSparseEval builds an in-memory inverted index over vecs.
func NewSparseEval(vecs []sparse.Vector, corpus []dataset.Doc, vocab int) *SparseEval {
	e := &SparseEval{post: make([][]evalPosting, vocab), corpus: corpus, PieceWeight: 1}
	for d, v := range vecs {
		for j, id := range v.IDs {
			e.post[id] = append(e.post[id], evalPosting{doc: int32(d), w: v.Weights[j]})
		}
	}
	return e
}

// Search returns the top k docs (corpus indices) for a query vector.
func (e *SparseEval) Search(q sparse.Vector, k int) []teachers.Scored {
	return teachers.TopK(e.scores(q, nil), k, 0)
}

// scores are every document's scores for the WordPiece query q plus, with
// Words, the word query wq's.
func (e *SparseEval) scores(q sparse.Vector, wq map[string]float32) []float64 {
	acc := make([]float64, len(e.corpus))
	if wq != nil {
		for d := range acc {
			acc[d] = float64(e.Words.Score(wq, d))
		}
	}
	for i, id := range q.IDs {
		qw := e.PieceWeight * float64(q.Weights[i])
		for _, p := range e.post[id] {
			acc[p.doc] += qw * float64(p.w)
		}
	}
	return acc
}

// MeanNDCG10 is the mean NDCG@10 as eval.Evaluate computes it (trec_eval's
// ndcg_cut.10) over the queries with a relevant judged document.
func (e *SparseEval) MeanNDCG10(queries []dataset.Query, qrels dataset.Qrels, tok *wordpiece.Tokenizer, idf *encoder.IDF) float64 {
	var sum float64
	n := 0
	for _, q := range queries {
		qv := idf.Query(tok, q.Text)
		if e.QueryCounts {
			qv = idf.QueryCounted(tok, q.Text)
		}
		var wq map[string]float32
		if e.Words != nil {
			wq = e.Words.Query(q.Text, e.QueryCounts)
		}
		hits := teachers.TopK(e.scores(qv, wq), 10, 0)
		run := make([]sparse.Hit, len(hits))
		for i, h := range hits {
			run[i] = sparse.Hit{ID: e.corpus[h.Doc].ID, Score: h.Score}
		}
		if m, ok := metrics.Query(run, qrels[q.ID]); ok {
			sum += m["ndcg@10"]
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

type evalPosting struct {
	doc int32
	w   float32
}

// Sparsity returns the mean non-zeros per document and the FLOPS metric of
// SPLADE (Formal et al.): the expected number of multiplications of a
// query-document dot product, sum_j p_d(j)*p_q(j), where p_d(j) is the
// fraction of documents and p_q(j) the fraction of queries with token j.
func Sparsity(docs, queries []sparse.Vector, vocab int) (avgNNZ, flops float64) {
	pd := make([]float64, vocab)
	for _, d := range docs {
		avgNNZ += float64(len(d.IDs))
		for _, id := range d.IDs {
			pd[id]++
		}
	}
	if len(docs) == 0 || len(queries) == 0 {
		return 0, 0
	}
	avgNNZ /= float64(len(docs))
	pq := make([]float64, vocab)
	for _, q := range queries {
		for _, id := range q.IDs {
			pq[id]++
		}
	}
	for j := range pd {
		flops += pd[j] / float64(len(docs)) * pq[j] / float64(len(queries))
	}
	return avgNNZ, flops
}
