package sparse

import (
	"math"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		v    Vector
		want string // "" = valid
	}{
		{"empty", Vector{}, ""},
		{"ok", Vector{IDs: []int32{1, 5}, Weights: []float32{0.5, MaxWeight}}, ""},
		{"lengths", Vector{IDs: []int32{1}}, "1 ids but 0 weights"},
		{"range", Vector{IDs: []int32{10}, Weights: []float32{1}}, "outside [0, 10)"},
		{"order", Vector{IDs: []int32{3, 3}, Weights: []float32{1, 1}}, "not ascending"},
		{"nan", Vector{IDs: []int32{1}, Weights: []float32{float32(math.NaN())}}, "not finite"},
		{"negative", Vector{IDs: []int32{1}, Weights: []float32{-1}}, "negative"},
		{"absurd", Vector{IDs: []int32{1}, Weights: []float32{3e38}}, "exceeds the maximum 10000 (sparse.MaxWeight)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := Validate(c.v, 10)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}
