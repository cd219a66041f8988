package teachers

import (
	"fmt"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/lexical"
)

// Lexical is a Teacher and Retriever over EVAL's bleve BM25 index (the
// project's reference BM25). bleve only returns a top list, so Score
// searches Depth deep and gives candidates outside it 0.
type Lexical struct {
	name  string
	ix    *lexical.Index
	index map[string]int
	ids   []string
	// Depth of the search behind Score (default 1000).
	Depth int
}

// NewLexical indexes corpus in memory with bleve (opts as lexical.Build).
func NewLexical(name string, corpus []dataset.Doc, opts lexical.Options) (*Lexical, error) {
	ix, err := lexical.Build(corpus, "", opts)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = "bleve-" + ix.Options().Analyzer
	}
	l := &Lexical{name: name, ix: ix, index: make(map[string]int, len(corpus)), ids: make([]string, len(corpus)), Depth: 1000}
	for i, d := range corpus {
		if _, dup := l.index[d.ID]; dup {
			ix.Close()
			return nil, fmt.Errorf("teachers: duplicate document id %q", d.ID)
		}
		l.index[d.ID] = i
		l.ids[i] = d.ID
	}
	return l, nil
}

// Name implements Teacher.
func (l *Lexical) Name() string { return l.name }

// Close releases the bleve index.
func (l *Lexical) Close() error { return l.ix.Close() }

// Score implements Teacher.
func (l *Lexical) Score(q dataset.Query, cands []int) ([]float64, error) {
	if err := checkCands(l.name, cands, len(l.ids)); err != nil {
		return nil, err
	}
	hits, err := l.ix.Search(q.Text, max(l.Depth, len(cands)))
	if err != nil {
		return nil, err
	}
	m := make(map[string]float64, len(hits))
	for _, h := range hits {
		m[h.ID] = teacherRound(h.Score)
	}
	out := make([]float64, len(cands))
	for i, c := range cands {
		out[i] = m[l.ids[c]]
	}
	return out, nil
}

// Retrieve implements Retriever.
func (l *Lexical) Retrieve(q dataset.Query, k int) ([]Scored, error) {
	hits, err := l.ix.Search(q.Text, k)
	if err != nil {
		return nil, err
	}
	out := make([]Scored, 0, len(hits))
	for _, h := range hits {
		if d, ok := l.index[h.ID]; ok {
			out = append(out, Scored{d, teacherRound(h.Score)})
		}
	}
	sortScored(out)
	return out, nil
}

// teacherRound keeps 6 significant digits of a bleve score. bleve's scores
// of one document differ in the last bits between builds of the same corpus
// (lexical.roundScore keeps 12 digits, which still flips at rounding
// boundaries: over a training run's million scores some do, and seeded
// training with this teacher was not bit-reproducible). Six digits are far
// finer than distillation targets need and make a flip about 10^6 times
// rarer.
func teacherRound(s float64) float64 { return lexical.RoundSig(s, 6) }
