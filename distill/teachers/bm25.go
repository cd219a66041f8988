package teachers

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder"
)

// Field selects which part of a document a BM25 teacher indexes.
type Field int

const (
	// FieldAll indexes encoder.DocText(title, text).
	FieldAll Field = iota
	// FieldTitle indexes the title only.
	FieldTitle
	// FieldText indexes the body (abstract) only.
	FieldText
)

// BM25Options configure an in-memory BM25 teacher.
type BM25Options struct {
	// Name of the teacher; default "bm25-" + Analyzer (+ "-title"/"-text").
	Name string
	// Analyzer name (see NewAnalyzer); default AnalyzerWordPiece.
	Analyzer string
	// Field to index; default FieldAll.
	Field Field
	// K1 and B are the BM25 parameters; defaults 0.9 and 0.4 (Anserini's).
	K1, B float64
}

// BM25 is an exact in-memory BM25 (Lucene idf, no (k1+1) factor) over any
// analyzer. It is both a Teacher (scores arbitrary candidates exactly) and a
// Retriever. Safe for concurrent use.
type BM25 struct {
	name    string
	analyze Analyzer
	n       int
	k1, b   float64
	terms   map[string]int32
	idf     []float64
	post    [][]posting // by term id
	norm    []float64   // per doc: k1*(1-b+b*dl/avgdl)
	fwd     [][]termTF  // per doc: its terms (forward index, for feedback)
	dl      []float64
	pool    sync.Pool // *[]float64 accumulators of length n
}

type termTF struct {
	term int32
	tf   float32
}

type posting struct {
	doc int32
	tf  float32
}

// NewBM25 indexes corpus.
func NewBM25(corpus []dataset.Doc, opts BM25Options) (*BM25, error) {
	if opts.Analyzer == "" {
		opts.Analyzer = AnalyzerWordPiece
	}
	if opts.K1 == 0 {
		opts.K1 = 0.9
	}
	if opts.B == 0 {
		opts.B = 0.4
	}
	if opts.K1 < 0 || opts.B < 0 || opts.B > 1 {
		return nil, fmt.Errorf("teachers: bm25: bad parameters k1=%g b=%g", opts.K1, opts.B)
	}
	an, err := NewAnalyzer(opts.Analyzer)
	if err != nil {
		return nil, err
	}
	if opts.Name == "" {
		opts.Name = "bm25-" + opts.Analyzer
		switch opts.Field {
		case FieldTitle:
			opts.Name += "-title"
		case FieldText:
			opts.Name += "-text"
		}
	}
	m := &BM25{name: opts.Name, analyze: an, n: len(corpus), k1: opts.K1, b: opts.B, terms: map[string]int32{}}
	dl := make([]float64, len(corpus))
	tf := map[int32]float32{}
	var total float64
	for d, doc := range corpus {
		var text string
		switch opts.Field {
		case FieldTitle:
			text = doc.Title
		case FieldText:
			text = doc.Text
		default:
			text = encoder.DocText(doc.Title, doc.Text)
		}
		toks := an(text)
		clear(tf)
		for _, t := range toks {
			id, ok := m.terms[t]
			if !ok {
				id = int32(len(m.post))
				m.terms[t] = id
				m.post = append(m.post, nil)
			}
			tf[id]++
		}
		fwd := make([]termTF, 0, len(tf))
		for id, c := range tf {
			m.post[id] = append(m.post[id], posting{int32(d), c})
			fwd = append(fwd, termTF{id, c})
		}
		slices.SortFunc(fwd, func(a, b termTF) int { return int(a.term - b.term) })
		m.fwd = append(m.fwd, fwd)
		dl[d] = float64(len(toks))
		total += dl[d]
	}
	avgdl := 1.0
	if len(corpus) > 0 && total > 0 {
		avgdl = total / float64(len(corpus))
	}
	m.dl = dl
	m.norm = make([]float64, len(corpus))
	for d := range dl {
		m.norm[d] = m.k1 * (1 - m.b + m.b*dl[d]/avgdl)
	}
	m.idf = make([]float64, len(m.post))
	for id, p := range m.post {
		df := float64(len(p))
		m.idf[id] = math.Log(1 + (float64(m.n)-df+0.5)/(df+0.5))
	}
	return m, nil
}

// Name implements Teacher.
func (m *BM25) Name() string { return m.name }

// NumDocs is the corpus size.
func (m *BM25) NumDocs() int { return m.n }

// QueryTerms analyses a query into term ids with their multiplicity (as
// Lucene sums repeated clauses); unknown terms are dropped.
func (m *BM25) QueryTerms(text string) map[int32]float64 {
	q := map[int32]float64{}
	for _, t := range m.analyze(text) {
		if id, ok := m.terms[t]; ok {
			q[id]++
		}
	}
	return q
}

// accumulate returns a fresh (pooled) score array for a weighted query; call
// release when done.
func (m *BM25) accumulate(q map[int32]float64) *[]float64 {
	p, _ := m.pool.Get().(*[]float64)
	if p == nil {
		s := make([]float64, m.n)
		p = &s
	}
	acc := *p
	clear(acc)
	// Sum terms in id order: map order would make float sums, and so ties
	// and everything trained on them, vary from run to run.
	ids := make([]int32, 0, len(q))
	for id := range q {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		w := q[id]
		wi := w * m.idf[id]
		for _, ps := range m.post[id] {
			tf := float64(ps.tf)
			acc[ps.doc] += wi * tf / (tf + m.norm[ps.doc])
		}
	}
	return p
}

func (m *BM25) release(p *[]float64) { m.pool.Put(p) }

// Score implements Teacher.
func (m *BM25) Score(q dataset.Query, cands []int) ([]float64, error) {
	return m.ScoreWeighted(m.QueryTerms(q.Text), cands)
}

// ScoreWeighted scores candidates for a weighted bag of term ids.
func (m *BM25) ScoreWeighted(q map[int32]float64, cands []int) ([]float64, error) {
	if err := checkCands(m.name, cands, m.n); err != nil {
		return nil, err
	}
	p := m.accumulate(q)
	defer m.release(p)
	out := make([]float64, len(cands))
	for i, c := range cands {
		out[i] = (*p)[c]
	}
	return out, nil
}

// Retrieve implements Retriever: documents with a positive score, best first.
func (m *BM25) Retrieve(q dataset.Query, k int) ([]Scored, error) {
	return m.RetrieveWeighted(m.QueryTerms(q.Text), k), nil
}

// RetrieveWeighted is Retrieve for a weighted bag of term ids.
func (m *BM25) RetrieveWeighted(q map[int32]float64, k int) []Scored {
	p := m.accumulate(q)
	defer m.release(p)
	return TopK(*p, k, 0)
}

// hasTerm reports whether doc contains term id t.
func (m *BM25) hasTerm(doc int, t int32) bool {
	_, ok := slices.BinarySearchFunc(m.fwd[doc], t, func(a termTF, t int32) int { return int(a.term - t) })
	return ok
}
