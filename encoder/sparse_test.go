package encoder

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

func TestVectorFromTokens(t *testing.T) {
	tok := wordpiece.DefaultTokenizer()
	hello, _ := tok.ID("hello")
	world, _ := tok.ID("world")
	v, err := VectorFromTokens(tok, map[string]float64{"world": 2, "hello": 0.5, "the": 0})
	if err != nil {
		t.Fatal(err)
	}
	ids, ws := []int32{hello, world}, []float32{0.5, 2}
	if world < hello {
		ids, ws = []int32{world, hello}, []float32{2, 0.5}
	}
	if !reflect.DeepEqual(v.IDs, ids) || !reflect.DeepEqual(v.Weights, ws) {
		t.Fatalf("got %v, want ids %v weights %v (zero weight dropped, ids ascending)", v, ids, ws)
	}
	for name, tc := range map[string]struct {
		m    map[string]float64
		want string
	}{
		"unknown token": {map[string]float64{"notawordpiecetoken": 1}, "not in the model's vocabulary"},
		"negative":      {map[string]float64{"hello": -1}, `token "hello": weight`},
		"NaN":           {map[string]float64{"hello": math.NaN()}, `token "hello": weight`},
		"beyond f32":    {map[string]float64{"hello": 1e39}, "fits a float32"},
	} {
		if _, err := VectorFromTokens(tok, tc.m); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, tc.want)
		}
	}
}
