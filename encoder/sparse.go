package encoder

import (
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
	ids := make([]int32, 0, len(m))
	byID := make(map[int32]float32, len(m))
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
		ids = append(ids, id)
		byID[id] = float32(w)
	}
	slices.Sort(ids)
	v := sparse.Vector{IDs: ids, Weights: make([]float32, len(ids))}
	for i, id := range ids {
		v.Weights[i] = byID[id]
	}
	return v, nil
}
