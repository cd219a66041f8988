package encoder

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/sparse"
)

// Encoder maps documents to sparse vectors. Implementations must be safe for
// concurrent use by multiple goroutines.
type Encoder interface {
	// Encode returns one vector per input text, in order.
	Encode(texts []string) ([]sparse.Vector, error)
}

// DocText is the single text a document is encoded from: every component of
// Sparrow (training, indexing, teachers) must join title and body the same way.
func DocText(title, text string) string {
	switch {
	case title == "":
		return text
	case text == "":
		return title
	default:
		return title + " " + text
	}
}

// VectorFromTokens maps an OpenSearch-style raw sparse vector
// {"wordpiece token": weight} onto ascending token ids. A token outside the
// vocabulary or a weight that is negative, NaN or beyond float32's range is an
// error naming the token; zero weights are dropped.
func VectorFromTokens(tok *wordpiece.Tokenizer, m map[string]float64) (sparse.Vector, error) {
	type entry struct {
		id int32
		w  float32
	}
	es := make([]entry, 0, len(m)) // sorted by id below: no id -> weight map
	for t, w := range m {
		if !(w >= 0 && w <= math.MaxFloat32) { // NaN fails too
			return sparse.Vector{}, fmt.Errorf("encoder: token %q: weight must be a finite number >= 0 that fits a float32 (at most 3.4e38)", t)
		}
		id, ok := tok.ID(t)
		if !ok {
			return sparse.Vector{}, fmt.Errorf("encoder: token %q is not in the model's vocabulary", t)
		}
		if w == 0 {
			continue
		}
		es = append(es, entry{id, float32(w)})
	}
	slices.SortFunc(es, func(a, b entry) int { return cmp.Compare(a.id, b.id) })
	v := sparse.Vector{IDs: make([]int32, len(es)), Weights: make([]float32, len(es))}
	for i, e := range es {
		v.IDs[i], v.Weights[i] = e.id, e.w
	}
	return v, nil
}
