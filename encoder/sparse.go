package encoder

import (
	"fmt"
	"math"
	"slices"
)

// SparseVector is a document or query representation over the WordPiece
// vocabulary. IDs are strictly ascending token ids; Weights[i] belongs to IDs[i].
// Only non-zero weights are stored.
type SparseVector struct {
	IDs     []int32
	Weights []float32
}

// Len is the number of non-zero entries.
func (v SparseVector) Len() int { return len(v.IDs) }

// Encoder maps documents to sparse vectors. Implementations must be safe for
// concurrent use by multiple goroutines.
type Encoder interface {
	// Encode returns one vector per input text, in order.
	Encode(texts []string) ([]SparseVector, error)
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
func VectorFromTokens(tok *Tokenizer, m map[string]float64) (SparseVector, error) {
	ids := make([]int32, 0, len(m))
	byID := make(map[int32]float32, len(m))
	for t, w := range m {
		if !(w >= 0 && w <= math.MaxFloat32) { // NaN fails too
			return SparseVector{}, fmt.Errorf("token %q: weight must be a finite number >= 0 that fits a float32 (at most 3.4e38)", t)
		}
		id, ok := tok.ID(t)
		if !ok {
			return SparseVector{}, fmt.Errorf("token %q is not in the model's vocabulary", t)
		}
		if w == 0 {
			continue
		}
		ids = append(ids, id)
		byID[id] = float32(w)
	}
	slices.Sort(ids)
	v := SparseVector{IDs: ids, Weights: make([]float32, len(ids))}
	for i, id := range ids {
		v.Weights[i] = byID[id]
	}
	return v, nil
}
