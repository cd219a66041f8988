package collection

import (
	"fmt"
	"math"

	"github.com/sparrow-search/sparrow/sparse"
)

// Bounds of a weight in a given sparse vector (a document's or a query's
// tokens): at most the engine's sparse.MaxWeight (learned and BM25-style
// weights stay below ~20; an absurd one would dwarf every other document),
// and, since weights are stored as float32, a positive weight must not
// round to zero (it would silently vanish). Zero leaves the token out.
const (
	MaxWeight = sparse.MaxWeight
	// MinWeight is the smallest positive weight a float32 holds.
	MinWeight = math.SmallestNonzeroFloat32
)

// CheckWeight reports what is wrong with a given vector weight, or nil.
func CheckWeight(w float64) error {
	switch {
	case math.IsNaN(w) || math.IsInf(w, 0):
		return fmt.Errorf("weight %v is not a finite number", w)
	case w < 0:
		return fmt.Errorf("weight %v is negative; weights are >= 0", w)
	case w > MaxWeight:
		return fmt.Errorf("weight %v is above the largest allowed weight %v (sparse.MaxWeight)", w, float64(MaxWeight))
	case w > 0 && float32(w) == 0:
		return fmt.Errorf("weight %v is below the smallest storable weight %.4g; use 0 to leave the token out", w, float64(MinWeight))
	}
	return nil
}

// checkTokens checks every weight of a {token: weight} vector; the error
// names the token.
func checkTokens(tokens map[string]float64) error {
	for tok, w := range tokens {
		if err := CheckWeight(w); err != nil {
			return fmt.Errorf("token %q: %v", tok, err)
		}
	}
	return nil
}
