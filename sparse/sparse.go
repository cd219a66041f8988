// Package sparse holds the types every layer of Sparrow shares: a sparse
// vector over term ids and its validation. It imports only the standard
// library, so the engine packages (index/segment, scoring, index) depend on
// it rather than on the encoder and its model back ends.
package sparse

import (
	"fmt"
	"math"
)

// Vector is a document or query representation over a term vocabulary. IDs
// are strictly ascending term ids; Weights[i] belongs to IDs[i]. Only
// non-zero weights are stored.
type Vector struct {
	IDs     []int32
	Weights []float32
}

// Len is the number of non-zero entries.
func (v Vector) Len() int { return len(v.IDs) }

// MaxWeight bounds every weight Validate accepts: learned sparse encoders
// and BM25-style weights stay below ~20, so 10,000 leaves three orders of
// magnitude of headroom while keeping scores (sums of query weight times
// document weight) far from float32 overflow and one document from
// dwarfing all others (index/segment's quantisation also clamps outliers).
const MaxWeight = 1e4

// Validate checks v's shape: as many weights as ids, ids strictly ascending
// in [0, numTerms), weights finite, non-negative and at most MaxWeight. The
// error names the first offending entry.
func Validate(v Vector, numTerms int32) error {
	if len(v.IDs) != len(v.Weights) {
		return fmt.Errorf("vector has %d ids but %d weights", len(v.IDs), len(v.Weights))
	}
	prev := int32(-1)
	for i, id := range v.IDs {
		if id < 0 || id >= numTerms {
			return fmt.Errorf("vector entry %d: token id %d outside [0, %d)", i, id, numTerms)
		}
		if id <= prev {
			return fmt.Errorf("vector entry %d: token id %d not ascending (previous %d)", i, id, prev)
		}
		prev = id
		w := v.Weights[i]
		if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
			return fmt.Errorf("vector entry %d (token %d): weight %v is not finite", i, id, w)
		}
		if w < 0 {
			return fmt.Errorf("vector entry %d (token %d): negative weight %v", i, id, w)
		}
		if w > MaxWeight {
			return fmt.Errorf("vector entry %d (token %d): weight %v exceeds the maximum %v (sparse.MaxWeight)", i, id, w, float32(MaxWeight))
		}
	}
	return nil
}

// Term is a weighted term named by its text: a word of the extended
// vocabulary, which the index maps to an id of its own (beyond the
// WordPiece ids).
type Term struct {
	Text   string
	Weight float32
}
