package distill

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/native"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// SmoothGate adds c*bm25tf to every document token's weight: new(c) - old is
// c times new(1) - old, and tokens the gate zeroed come back.
func TestSmoothGate(t *testing.T) {
	tok := wordpiece.DefaultTokenizer()
	V := tok.VocabSize()
	r := rand.New(rand.NewPCG(5, 1))
	p := native.NewParams(V, 4, 3)
	for _, ts := range p.Tensors() {
		for i := range ts.Data {
			ts.Data[i] = float32(r.NormFloat64() * 0.8)
		}
	}
	idf := make([]float32, V)
	for i := range idf {
		idf[i] = float32(0.5 + 3*r.Float64())
	}
	for _, w := range []string{"membrane", "fold"} {
		id, _ := tok.ID(w)
		p.Bias[id] = -10 // gate closed
	}
	cfg := modeldir.Config{Architecture: modeldir.ArchNative, VocabSize: V, MaxLength: 64, K1: 0.9, B: 0.4, AvgDL: 10, Dim: 4, Hidden: 3}
	n, err := native.New(cfg, tok, p, idf)
	if err != nil {
		t.Fatal(err)
	}
	text := "Protein folding in the cell membrane; the membrane proteins fold in vitro."
	enc := func(m *native.Model) map[int32]float32 {
		d := m.PrepareDoc(text)
		v := m.Forward(&d, nil)
		out := map[int32]float32{}
		for j, id := range v.IDs {
			out[id] = v.Weights[j]
		}
		return out
	}
	old := enc(n)
	s3, err := SmoothGate(n, tok, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	s1, err := SmoothGate(n, tok, 1)
	if err != nil {
		t.Fatal(err)
	}
	w3, w1 := enc(s3), enc(s1)
	d := n.PrepareDoc(text)
	if len(w3) != len(d.IDs) || len(old) >= len(d.IDs) {
		t.Fatalf("%d tokens: smoothed keeps %d (want all), unsmoothed %d (want some zeroed for this test)", len(d.IDs), len(w3), len(old))
	}
	for id, w := range w3 {
		if got, want := w-old[id], 0.3*(w1[id]-old[id]); math.Abs(float64(got-want)) > 1e-5 {
			t.Fatalf("token %s: smoothing added %v, want %v", tok.Token(id), got, want)
		}
	}
	if n.Config().GateFloor != 0 || s3.Config().GateFloor != 0.3 {
		t.Fatal("SmoothGate changed the original or did not set gate_floor")
	}
	for _, c := range []float64{0, -1, 1.5, math.NaN()} {
		if _, err := SmoothGate(n, tok, c); err == nil {
			t.Fatalf("c=%v accepted", c)
		}
	}
}
