package words

import "sort"

// Corpus is an in-memory word index of a corpus: each document's word terms
// with their BM25 weights and the corpus's document frequencies, scoring as a
// collection with the same analysis does (without the engine's 8-bit
// quantisation). Training uses it for the fixed word part of the score the
// student learns on top of. Safe for concurrent reads.
type Corpus struct {
	a      *Analyzer
	cfg    Config
	bigram float64
	docs   [][]weighted // per document, ascending by term
	df     map[string]int
	avgdl  float64
}

type weighted struct {
	term string
	w    float32
}

// NewCorpus analyses texts. bigramWeight > 0 also indexes adjacent word
// pairs (queried at that relative weight).
func NewCorpus(a *Analyzer, cfg Config, bigramWeight float64, texts []string) *Corpus {
	cfg.EnsureDefaults()
	c := &Corpus{a: a, cfg: cfg, bigram: bigramWeight, docs: make([][]weighted, len(texts)), df: map[string]int{}}
	counts := make([]Counts, len(texts))
	pairs := make([]Counts, len(texts))
	var total float64
	for i, t := range texts {
		terms := a.Terms(t)
		counts[i] = Count(terms)
		if bigramWeight > 0 {
			pairs[i] = Count(Bigrams(terms))
		}
		total += float64(counts[i].Len)
	}
	if len(texts) > 0 {
		c.avgdl = total / float64(len(texts))
	}
	for i := range texts {
		dl := counts[i].Len
		var ws []weighted
		for _, cs := range []Counts{counts[i], pairs[i]} {
			for j, t := range cs.Terms {
				ws = append(ws, weighted{t, cfg.Weight(cs.TF[j], dl, c.avgdl)})
				c.df[t]++
			}
		}
		sort.Slice(ws, func(x, y int) bool { return ws[x].term < ws[y].term })
		c.docs[i] = ws
	}
	return c
}

// AvgDL is the corpus's mean length in words.
func (c *Corpus) AvgDL() float64 { return c.avgdl }

// Query returns text's word terms (and pairs) with their query weights:
// count (1 with counts false) times idf, pairs times the bigram weight.
// Terms no document holds are left out.
func (c *Corpus) Query(text string, counts bool) map[string]float32 {
	q := map[string]float32{}
	add := func(t string, scale float32) {
		w := IDF(len(c.docs), c.df[t]) * scale
		if w <= 0 {
			return
		}
		if counts {
			q[t] += w
		} else {
			q[t] = w
		}
	}
	terms := c.a.Terms(text)
	for _, t := range terms {
		add(t, 1)
	}
	if c.bigram > 0 {
		for _, t := range Bigrams(terms) {
			add(t, float32(c.bigram))
		}
	}
	return q
}

// Score is document doc's word score for a query from Query.
func (c *Corpus) Score(q map[string]float32, doc int) float32 {
	var s float32
	for _, e := range c.docs[doc] {
		if w, ok := q[e.term]; ok {
			s += w * e.w
		}
	}
	return s
}
