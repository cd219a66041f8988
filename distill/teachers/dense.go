package teachers

import (
	"fmt"
	"math"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill/glove"
	"github.com/sparrow-search/sparrow/encoder"
)

// Dense is a pretrained dense teacher: SIF-weighted mean of word vectors
// (weight a/(a+p(w)), p from corpus unigram frequencies) with the corpus'
// first principal component removed (Arora et al. 2017); cosine similarity.
// Teacher and Retriever (exhaustive).
type Dense struct {
	name string
	wv   *glove.Vectors
	a    float64
	prob map[string]float64
	pc   []float64
	docs [][]float32 // unit vectors
}

// DenseOptions configure NewDense.
type DenseOptions struct {
	Name string  // default "dense-sif"
	A    float64 // SIF smoothing; default 1e-3
	// KeepPC disables removal of the first principal component.
	KeepPC bool
}

// NewDense embeds corpus with wv.
func NewDense(corpus []dataset.Doc, wv *glove.Vectors, opts DenseOptions) (*Dense, error) {
	if wv == nil || wv.Dim <= 0 {
		return nil, fmt.Errorf("teachers: dense teacher needs word vectors")
	}
	if opts.Name == "" {
		opts.Name = "dense-sif"
	}
	if opts.A <= 0 {
		opts.A = 1e-3
	}
	m := &Dense{name: opts.Name, wv: wv, a: opts.A, prob: map[string]float64{}}
	words := make([][]string, len(corpus))
	var total float64
	for i, d := range corpus {
		words[i] = Words(encoder.DocText(d.Title, d.Text))
		for _, w := range words[i] {
			m.prob[w]++
		}
		total += float64(len(words[i]))
	}
	for w := range m.prob {
		m.prob[w] /= total
	}
	raw := make([][]float64, len(corpus))
	for i := range corpus {
		raw[i] = m.embedWords(words[i])
	}
	if !opts.KeepPC {
		m.pc = firstPC(raw, wv.Dim)
	}
	m.docs = make([][]float32, len(corpus))
	for i, v := range raw {
		m.docs[i] = m.finish(v)
	}
	return m, nil
}

// NewDenseFromFile loads the vectors (only words of the corpus) and builds the teacher.
func NewDenseFromFile(corpus []dataset.Doc, path string, opts DenseOptions) (*Dense, error) {
	vocab := map[string]bool{}
	for _, d := range corpus {
		for _, w := range Words(encoder.DocText(d.Title, d.Text)) {
			vocab[w] = true
		}
	}
	// Query words unseen in the corpus get SIF weight ~1 and matter little
	// against documents that lack them anyway; keeping corpus words only
	// bounds memory.
	wv, err := glove.Load(path, func(w string) bool { return vocab[w] })
	if err != nil {
		return nil, err
	}
	return NewDense(corpus, wv, opts)
}

func (m *Dense) embedWords(words []string) []float64 {
	v := make([]float64, m.wv.Dim)
	n := 0
	for _, w := range words {
		e, ok := m.wv.Vectors[w]
		if !ok {
			continue
		}
		wt := m.a / (m.a + m.prob[w])
		for j, x := range e {
			v[j] += wt * float64(x)
		}
		n++
	}
	if n > 0 {
		for j := range v {
			v[j] /= float64(n)
		}
	}
	return v
}

// finish removes the principal component and normalises to unit length.
func (m *Dense) finish(v []float64) []float32 {
	if m.pc != nil {
		var dot float64
		for j, x := range v {
			dot += x * m.pc[j]
		}
		for j := range v {
			v[j] -= dot * m.pc[j]
		}
	}
	var n float64
	for _, x := range v {
		n += x * x
	}
	out := make([]float32, len(v))
	if n > 0 {
		n = math.Sqrt(n)
		for j, x := range v {
			out[j] = float32(x / n)
		}
	}
	return out
}

// firstPC is the top eigenvector of X^T X by power iteration.
func firstPC(x [][]float64, dim int) []float64 {
	c := make([]float64, dim*dim)
	for _, v := range x {
		for i, a := range v {
			if a == 0 {
				continue
			}
			row := c[i*dim : (i+1)*dim]
			for j, b := range v {
				row[j] += a * b
			}
		}
	}
	u := make([]float64, dim)
	for i := range u {
		u[i] = 1 / math.Sqrt(float64(dim))
	}
	for it := 0; it < 200; it++ {
		nu := make([]float64, dim)
		for i := 0; i < dim; i++ {
			var s float64
			for j := 0; j < dim; j++ {
				s += c[i*dim+j] * u[j]
			}
			nu[i] = s
		}
		var n float64
		for _, a := range nu {
			n += a * a
		}
		if n == 0 {
			return nil
		}
		n = math.Sqrt(n)
		var diff float64
		for i := range nu {
			nu[i] /= n
			diff += math.Abs(nu[i] - u[i])
		}
		u = nu
		if diff < 1e-10 {
			break
		}
	}
	return u
}

// Name implements Teacher.
func (m *Dense) Name() string { return m.name }

// Embed returns the unit query embedding.
func (m *Dense) Embed(text string) []float32 {
	return m.finish(m.embedWords(Words(text)))
}

// Score implements Teacher (cosine similarity).
func (m *Dense) Score(q dataset.Query, cands []int) ([]float64, error) {
	if err := checkCands(m.name, cands, len(m.docs)); err != nil {
		return nil, err
	}
	e := m.Embed(q.Text)
	out := make([]float64, len(cands))
	for i, c := range cands {
		out[i] = dot32(e, m.docs[c])
	}
	return out, nil
}

// Retrieve implements Retriever (exhaustive; ties by doc).
func (m *Dense) Retrieve(q dataset.Query, k int) ([]Scored, error) {
	e := m.Embed(q.Text)
	s := make([]float64, len(m.docs))
	for i, d := range m.docs {
		s[i] = dot32(e, d)
	}
	return TopK(s, k, math.Inf(-1)), nil
}

func dot32(a, b []float32) float64 {
	var s float32
	for i, x := range a {
		s += x * b[i]
	}
	return float64(s)
}
