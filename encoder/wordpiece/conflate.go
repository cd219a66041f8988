package wordpiece

import (
	"fmt"
	"slices"
	"sync"

	porterstemmer "github.com/blevesearch/go-porterstemmer"
)

// Conflation names accepted in config.json's "conflate".
const (
	// ConflateNone (the default) scores every WordPiece token on its own.
	ConflateNone = ""
	// ConflatePorter treats whole-word vocabulary tokens that share a Porter
	// stem (flow, flows, flowing, flowed) as one term on the document side:
	// their occurrences are pooled and every member of the class gets the
	// pooled weight. A query word then matches its morphological variants in
	// documents, as with a stemming analyzer, while the query side stays a
	// plain tokenize-and-look-up (inference-free, OpenSearch-compatible).
	ConflatePorter = "porter"
)

// Conflation maps whole-word vocabulary tokens to stem classes.
type Conflation struct {
	class   []int32   // by token id: stem class, -1 when the token is in none
	members [][]int32 // by class: member token ids, ascending (at least two)
	cont    []bool    // by token id: a "##" continuation piece
}

// defaultPorter is the Porter conflation of the default tokenizer, which
// every model with the bert-base-uncased vocabulary shares (building one stems
// the whole vocabulary: ~6 ms). Other vocabularies get their own, not cached,
// so loading many such models does not accumulate them.
var defaultPorter = sync.OnceValue(func() *Conflation { return buildPorterConflation(DefaultTokenizer()) })

// NewConflation returns the conflation named kind over tok's vocabulary; nil
// for ConflateNone.
func NewConflation(tok *Tokenizer, kind string) (*Conflation, error) {
	switch kind {
	case ConflateNone:
		return nil, nil
	case ConflatePorter:
	default:
		return nil, fmt.Errorf("wordpiece: conflate %q: want %q or none", kind, ConflatePorter)
	}
	if tok == DefaultTokenizer() {
		return defaultPorter(), nil
	}
	return buildPorterConflation(tok), nil
}

// buildPorterConflation groups the vocabulary's whole-word, all-letter tokens
// of three or more letters by Porter stem. Shorter tokens, pieces, digits and
// control tokens stay alone: their stems are too ambiguous to pool.
func buildPorterConflation(tok *Tokenizer) *Conflation {
	v := tok.VocabSize()
	c := &Conflation{class: make([]int32, v), cont: make([]bool, v)}
	byStem := map[string][]int32{}
	var stems []string
	for id := range v {
		c.class[id] = -1
		t := tok.Token(int32(id))
		if len(t) > 2 && t[:2] == "##" {
			c.cont[id] = true
			continue
		}
		if len(t) < 3 || !allLower(t) {
			continue
		}
		s := porterstemmer.StemString(t)
		if _, ok := byStem[s]; !ok {
			stems = append(stems, s)
		}
		byStem[s] = append(byStem[s], int32(id))
	}
	for _, s := range stems { // vocabulary order: deterministic class numbers
		m := byStem[s]
		if len(m) < 2 {
			continue
		}
		for _, id := range m {
			c.class[id] = int32(len(c.members))
		}
		c.members = append(c.members, m)
	}
	return c
}

func allLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// classes returns the number of stem classes.
func (c *Conflation) classes() int { return len(c.members) }

// siblings returns the members of id's stem class (including id), or nil.
func (c *Conflation) siblings(id int32) []int32 {
	if c == nil || id < 0 || int(id) >= len(c.class) || c.class[id] < 0 {
		return nil
	}
	return c.members[c.class[id]]
}

// continued reports whether ids[i] is followed by a "##" piece (it is then
// the first piece of a longer word, not the whole word).
func (c *Conflation) continued(ids []int32, i int) bool {
	if i+1 >= len(ids) {
		return false
	}
	n := ids[i+1]
	return n >= 0 && int(n) < len(c.cont) && c.cont[n]
}

// Analysis is how an encoder turns a document's tokens into terms
// (config.json's "stopwords" and "conflate"): which tokens it never emits and
// how it conflates the rest.
type Analysis struct {
	// Skip marks, by token id, what a document vector never carries (control
	// tokens, stop words).
	Skip []bool
	// Conflation pools stem classes; nil for none.
	Conflation *Conflation
}

// NewAnalysis returns the document analysis named by conflate (ConflateNone or
// ConflatePorter) and stopwords (StopwordsNone or StopwordsSnowball).
func NewAnalysis(tok *Tokenizer, conflate, stopwords string) (Analysis, error) {
	conf, err := NewConflation(tok, conflate)
	if err != nil {
		return Analysis{}, err
	}
	skip, err := DocSkip(tok, stopwords)
	if err != nil {
		return Analysis{}, err
	}
	return Analysis{Skip: skip, Conflation: conf}, nil
}

// Count counts one document's tokens (ids in text order).
func (a Analysis) Count(ids []int32) TermCounts { return CountTerms(ids, a.Skip, a.Conflation) }

// TermCounts are a document's unique tokens (ascending) with their term
// frequencies and first positions.
type TermCounts struct {
	IDs   []int32
	TF    []float32
	First []int32
}

// CountTerms counts the tokens of one document (ids in text order), leaving
// out the tokens skip marks (control tokens, stop words). With a non-nil
// conflation, an occurrence of a whole word (a token not followed by a "##"
// piece) in a stem class counts for every member of the class that skip does
// not mark; a word's first piece counts only for itself.
func CountTerms(ids []int32, skip []bool, c *Conflation) TermCounts {
	type occ struct{ id, pos int32 }
	o := make([]occ, 0, len(ids))
	for i, id := range ids {
		if id < 0 || int(id) >= len(skip) || skip[id] {
			continue
		}
		if c != nil && c.class[id] >= 0 && !c.continued(ids, i) {
			for _, m := range c.members[c.class[id]] {
				if !skip[m] { // a stop word stays out even as a sibling (and <- andes)
					o = append(o, occ{m, int32(i)})
				}
			}
			continue
		}
		o = append(o, occ{id, int32(i)})
	}
	slices.SortFunc(o, func(a, b occ) int {
		if a.id != b.id {
			return int(a.id - b.id)
		}
		return int(a.pos - b.pos)
	})
	var t TermCounts
	for j := 0; j < len(o); {
		k := j
		for k < len(o) && o[k].id == o[j].id {
			k++
		}
		t.IDs = append(t.IDs, o[j].id)
		t.TF = append(t.TF, float32(k-j))
		t.First = append(t.First, o[j].pos)
		j = k
	}
	return t
}
