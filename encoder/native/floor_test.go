package native

import (
	"math"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
)

// A gate floor keeps every document token (weight floor*bm25tf where the gate
// would zero it), floored entries get no gradient, and floor 0 is the old model.
func TestNativeGateFloor(t *testing.T) {
	n := testNative(t, 6, 5, 0, 3)
	for i := range n.P.Bias {
		n.P.Bias[i] = -10 // the gate zeroes every token
	}
	d := n.PrepareDoc(gradDocs[0])
	if v := n.Forward(&d, nil); len(v.IDs) != 0 {
		t.Fatalf("floor 0: %d entries, want 0 (gate closed)", len(v.IDs))
	}
	n.cfg.GateFloor = 0.5
	var tape Tape
	v := n.Forward(&d, &tape)
	if len(v.IDs) != len(d.IDs) {
		t.Fatalf("floor 0.5: %d entries, want all %d document tokens", len(v.IDs), len(d.IDs))
	}
	for j := range v.IDs {
		if want := 0.5 * tape.bm[j]; math.Abs(float64(v.Weights[j]-want)) > 1e-6 {
			t.Fatalf("token %d: weight %v, want 0.5*bm25tf = %v", j, v.Weights[j], want)
		}
	}
	g := NewParams(n.P.V, n.P.D, n.P.H)
	dW := make([]float32, len(v.IDs))
	for j := range dW {
		dW[j] = 1
	}
	n.Backward(&d, &tape, dW, g)
	for _, ts := range g.Tensors() {
		for _, x := range ts.Data {
			if x != 0 {
				t.Fatalf("tensor %s: non-zero gradient through a floored gate", ts.Name)
			}
		}
	}
	if err := (modeldir.Config{Architecture: modeldir.ArchNative, VocabSize: 10, GateFloor: 1.5}).Validate(); err == nil {
		t.Fatal("gate_floor 1.5 accepted")
	}
}
