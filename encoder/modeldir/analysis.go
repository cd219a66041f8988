package modeldir

import (
	"errors"
	"fmt"
	"math"
)

// Analysis is config.json's "analysis": the terms a collection indexes
// beside the encoder's WordPiece weights and how a query is weighted. Every
// field is optional; an absent or zero field takes the default below, which
// is also what a model without "analysis" gets (docs/DESIGN.md, "Query
// analysis"; the defaults were chosen on validation splits, docs/RESULTS.md
// "Words beside WordPiece").
//
// A document is indexed as its WordPiece weights (the encoder's) plus, with
// word terms on, BM25 weights of its whole words (package encoder/words):
//
//	w_d,word = tf*(k1+1) / (tf + k1*(1-b+b*dl/avgdl))
//
// and, with BigramWeight > 0, of its adjacent word pairs. A query is only
// analysed (no model runs) into the same terms, each weighted by
//
//	count * idf                for a word,
//	count * idf * BigramWeight for a word pair,
//	count * idf * PieceWeight  for a WordPiece token,
//
// count being the term's number of occurrences in the query (1 with
// QueryTerms "unique") and idf the served collection's (IDF "corpus") or
// idf.json's (IDF "model").
type Analysis struct {
	// Words names the word analyzer (encoder/words): "en" (default),
	// "standard", or "none" for WordPiece tokens only, as the paper and
	// OpenSearch's neural sparse search do.
	Words string `json:"words,omitempty"`
	// K1 and B are BM25's parameters of the word weights (defaults 1.2 and
	// 0.75; B 0 is meaningful, hence a pointer).
	K1 float64  `json:"k1,omitempty"`
	B  *float64 `json:"b,omitempty"`
	// BigramWeight is the query weight of adjacent word pairs relative to
	// words; 0 indexes no pairs. Default 0.
	BigramWeight float64 `json:"bigram_weight,omitempty"`
	// QueryTerms is "count" (default: a term repeated in the query counts
	// as often as it occurs) or "unique" (deduplicated, as the paper).
	QueryTerms string `json:"query_terms,omitempty"`
	// IDF is "corpus" (default: the served collection's document
	// frequencies, with idf.json as the prior for WordPiece tokens the
	// collection lacks) or "model" (idf.json alone for WordPiece tokens, as
	// OpenSearch does; word terms always use the collection's).
	IDF string `json:"idf,omitempty"`
	// PieceWeight scales the WordPiece tokens' query weights against the
	// words'. Default 1 (a model trained with word terms learns its scale
	// against them).
	PieceWeight *float64 `json:"piece_weight,omitempty"`
}

// Analysis values.
const (
	WordsNone       = "none"
	QueryTermsCount = "count"
	QueryTermsOnce  = "unique"
	IDFCorpus       = "corpus"
	IDFModel        = "model"
)

// Analysis defaults.
const (
	DefaultWords       = "en"
	DefaultWordsK1     = 1.2
	DefaultWordsB      = 0.75
	DefaultPieceWeight = 1.0
)

// Resolved is an Analysis with every default filled in.
type Resolved struct {
	Words        string // analyzer name, or WordsNone
	K1, B        float64
	BigramWeight float64
	QueryCounts  bool // QueryTerms "count"
	CorpusIDF    bool // IDF "corpus"
	PieceWeight  float64
}

// WordTerms reports whether documents carry word terms.
func (r Resolved) WordTerms() bool { return r.Words != WordsNone }

// Resolve fills the defaults of a (nil = all defaults).
func (a *Analysis) Resolve() Resolved {
	r := Resolved{Words: DefaultWords, K1: DefaultWordsK1, B: DefaultWordsB, QueryCounts: true, CorpusIDF: true, PieceWeight: DefaultPieceWeight}
	if a == nil {
		return r
	}
	if a.Words != "" {
		r.Words = a.Words
	}
	if a.K1 != 0 {
		r.K1 = a.K1
	}
	if a.B != nil {
		r.B = *a.B
	}
	r.BigramWeight = a.BigramWeight
	r.QueryCounts = a.QueryTerms != QueryTermsOnce
	r.CorpusIDF = a.IDF != IDFModel
	if a.PieceWeight != nil {
		r.PieceWeight = *a.PieceWeight
	}
	return r
}

// Validate reports every problem of a (nil is valid).
func (a *Analysis) Validate() error {
	if a == nil {
		return nil
	}
	var errs []error
	switch a.Words {
	case "", "en", "standard", WordsNone:
	default:
		errs = append(errs, fmt.Errorf("\"analysis\": words %q: want \"en\", \"standard\" or %q", a.Words, WordsNone))
	}
	bad := func(v float64, lo, hi float64) bool { return math.IsNaN(v) || v < lo || v > hi }
	if bad(a.K1, 0, 100) {
		errs = append(errs, fmt.Errorf("\"analysis\": k1 %v: want 0 < k1 <= 100", a.K1))
	}
	if a.B != nil && bad(*a.B, 0, 1) {
		errs = append(errs, fmt.Errorf("\"analysis\": b %v: want 0 <= b <= 1", *a.B))
	}
	if bad(a.BigramWeight, 0, 100) {
		errs = append(errs, fmt.Errorf("\"analysis\": bigram_weight %v: want 0..100", a.BigramWeight))
	}
	switch a.QueryTerms {
	case "", QueryTermsCount, QueryTermsOnce:
	default:
		errs = append(errs, fmt.Errorf("\"analysis\": query_terms %q: want %q or %q", a.QueryTerms, QueryTermsCount, QueryTermsOnce))
	}
	switch a.IDF {
	case "", IDFCorpus, IDFModel:
	default:
		errs = append(errs, fmt.Errorf("\"analysis\": idf %q: want %q or %q", a.IDF, IDFCorpus, IDFModel))
	}
	if a.PieceWeight != nil && bad(*a.PieceWeight, 0, 1000) {
		errs = append(errs, fmt.Errorf("\"analysis\": piece_weight %v: want 0..1000", *a.PieceWeight))
	}
	if a.Words == WordsNone && a.PieceWeight != nil && *a.PieceWeight == 0 {
		errs = append(errs, errors.New("\"analysis\": words \"none\" with piece_weight 0 leaves queries no terms"))
	}
	return errors.Join(errs...)
}
