package collection

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/words"
	"github.com/sparrow-search/sparrow/sparse"
)

// analysis is the collection's text analysis beside its encoder: the word
// terms a document is indexed under and the weighted terms of a query
// (modeldir.Analysis, resolved from the model's config.json). It is the one
// place query weighting lives; nothing runs a model at query time.
type analysis struct {
	cfg   modeldir.Resolved
	words *words.Analyzer // nil: WordPiece tokens only
	model *encoder.Model
	wcfg  words.Config
}

// newAnalysis resolves the analysis of a collection of model m: override
// when given (Options.Analysis, recorded in the manifest), else the model's
// config.json "analysis".
func newAnalysis(m *encoder.Model, override *modeldir.Analysis) (*analysis, error) {
	src := m.Config.Analysis
	if override != nil {
		if err := override.Validate(); err != nil {
			return nil, err
		}
		src = override
	}
	a := &analysis{cfg: src.Resolve(), model: m}
	if a.cfg.WordTerms() {
		var err error
		if a.words, err = words.New(a.cfg.Words); err != nil {
			return nil, err
		}
		a.wcfg = words.Config{Analyzer: a.cfg.Words, K1: a.cfg.K1, B: a.cfg.B}
	}
	return a, nil
}

// wordTerms reports whether documents get word terms.
func (a *analysis) wordTerms() bool { return a.words != nil }

// termStats is what query weighting needs of a snapshot: the live document
// count, document frequencies, and the ids of word terms.
type termStats interface {
	NumDocs() int
	DocFreq(id int32) int
	WordIDs(dst []int32, texts []string) []int32 // -1 for a word the index lacks
}

// docTerms are a text's word counts before weighting: a batch written to
// an empty collection weighs them by its own mean length.
type docTerms struct {
	words, pairs words.Counts
}

// terms analyses a document's text (empty with word terms off).
func (a *analysis) terms(text string) docTerms {
	if a.words == nil {
		return docTerms{}
	}
	ts := a.words.Terms(text)
	t := docTerms{words: words.Count(ts)}
	if a.cfg.BigramWeight > 0 {
		t.pairs = words.Count(words.Bigrams(ts))
	}
	return t
}

// weigh gives a document's terms their BM25 weights, ascending by text.
// avgdl is the collection's mean length (<= 0: the document's own, i.e. no
// length normalisation). A pair shares its document's length.
func (a *analysis) weigh(t docTerms, avgdl float64) []sparse.Term {
	n := len(t.words.Terms) + len(t.pairs.Terms)
	if n == 0 {
		return nil
	}
	out := make([]sparse.Term, 0, n)
	for _, c := range []words.Counts{t.words, t.pairs} {
		for i, w := range c.Terms {
			out = append(out, sparse.Term{Text: w, Weight: a.wcfg.Weight(c.TF[i], t.words.Len, avgdl)})
		}
	}
	if len(t.pairs.Terms) > 0 {
		slices.SortFunc(out, func(x, y sparse.Term) int { return cmp.Compare(x.Text, y.Text) })
	}
	return out
}

// idf is the query weight of a term held by df of n live documents: BM25's
// idf over the served collection. 0 when no live document holds it.
func idf(n, df int) float32 { return words.IDF(n, df) }

// query analyses text into the weighted sparse query over st's terms:
// WordPiece tokens weighted count*idf*PieceWeight, words count*idf, word
// pairs count*idf*BigramWeight (count is 1 with query terms "unique"); idf
// is the collection's (IDF "corpus") or, for WordPiece tokens, the model's
// idf.json (IDF "model"). Terms no live document holds are left out.
func (a *analysis) query(text string, st termStats) sparse.Vector {
	n := st.NumDocs()
	// A slice, sorted once, not a map: queries have tens of terms, and this
	// runs for every search.
	type term struct {
		id int32
		w  float32
	}
	terms := make([]term, 0, 64)
	add := func(id int32, w float32) {
		if w > 0 {
			terms = append(terms, term{id, w})
		}
	}
	if a.cfg.PieceWeight > 0 {
		pw := float32(a.cfg.PieceWeight)
		for _, id := range a.model.Tokenizer.AppendIDs(nil, text) {
			var w float32
			if a.cfg.CorpusIDF {
				w = idf(n, st.DocFreq(id))
			} else {
				w = a.model.IDF.Weight(id)
			}
			add(id, w*pw)
		}
	}
	if a.words != nil {
		ws := a.words.Terms(text)
		ids := st.WordIDs(make([]int32, 0, len(ws)), ws) // one allocation: st is an interface, a stack buffer would escape anyway
		for _, id := range ids {
			if id >= 0 {
				add(id, idf(n, st.DocFreq(id)))
			}
		}
		if bw := float32(a.cfg.BigramWeight); bw > 0 {
			for _, id := range st.WordIDs(ids[:0], words.Bigrams(ws)) {
				if id >= 0 {
					add(id, idf(n, st.DocFreq(id))*bw)
				}
			}
		}
	}
	// Sorted by id, then by position (stable: a repeated term's weights
	// add up in query order), as one key per term (the id with its sign
	// bit flipped, then the position) for a sort without a comparison
	// function (the stable closure sort was 5% of a search request).
	keys := make([]uint64, len(terms))
	for i, t := range terms {
		keys[i] = uint64(uint32(t.id)^1<<31)<<32 | uint64(i)
	}
	slices.Sort(keys)
	v := sparse.Vector{IDs: make([]int32, 0, len(terms)), Weights: make([]float32, 0, len(terms))}
	for j, key := range keys {
		t := terms[uint32(key)]
		if j > 0 && key>>32 == keys[j-1]>>32 {
			if a.cfg.QueryCounts {
				v.Weights[len(v.Weights)-1] += t.w
			}
			continue
		}
		v.IDs = append(v.IDs, t.id)
		v.Weights = append(v.Weights, t.w)
	}
	return v
}

// String describes the analysis for logs and stats.
func (a *analysis) String() string {
	c := a.cfg
	return fmt.Sprintf("words=%s k1=%g b=%g bigrams=%g query_counts=%v corpus_idf=%v piece_weight=%g",
		c.Words, c.K1, c.B, c.BigramWeight, c.QueryCounts, c.CorpusIDF, c.PieceWeight)
}
