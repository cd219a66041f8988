package fusion

import (
	"fmt"
	"math"
	"testing"
)

func TestFuseMinMax(t *testing.T) {
	t.Parallel()
	a := []Hit{{ID: "a", Score: 10}, {ID: "b", Score: 5}, {ID: "c", Score: 0}}
	b := []Hit{{ID: "b", Score: 4}, {ID: "d", Score: 2}}
	got := Fuse(a, b, .5, .5, MinMax, 10)
	// a: .5*1 + .5*0 (floor of b) = .5; b: .5*.5 + .5*1 = .75; c: 0 + 0; d: .5*0 + .5*0 = 0.
	want := []Hit{{ID: "b", Score: .75}, {ID: "a", Score: .5}, {ID: "c", Score: 0}, {ID: "d", Score: 0}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].ID != want[i].ID || math.Abs(got[i].Score-want[i].Score) > 1e-12 {
			t.Fatalf("rank %d: got %v, want %v", i, got[i], want[i])
		}
	}
	if top := Fuse(a, b, .5, .5, MinMax, 1); len(top) != 1 || top[0].ID != "b" {
		t.Errorf("k=1: %v", top)
	}
}

func TestFuseOneSidedAndEmpty(t *testing.T) {
	t.Parallel()
	if got := Fuse(nil, nil, .5, .5, MinMax, 10); len(got) != 0 {
		t.Errorf("empty: %v", got)
	}
	a := []Hit{{ID: "x", Score: 3}, {ID: "y", Score: 1}, {ID: "z", Score: 2}}
	got := Fuse(a, nil, 1, 0, ZScore, 3)
	if got[0].ID != "x" || got[1].ID != "z" || got[2].ID != "y" {
		t.Errorf("order not kept: %v", got)
	}
}

func TestFuseDuplicatesKeepFirst(t *testing.T) {
	t.Parallel()
	a := []Hit{{ID: "x", Score: 3}, {ID: "x", Score: 1}, {ID: "y", Score: 2}}
	got := Fuse(a, nil, 1, 0, MinMax, 10)
	if len(got) != 2 || got[0].ID != "x" || got[0].Score != 1 {
		t.Errorf("duplicate handling: %v", got)
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	eq, floor := Normalize([]Hit{{ID: "x", Score: 3}, {ID: "y", Score: 3}}, MinMax)
	if eq[0].Score != 1 || eq[1].Score != 1 || floor != 1 {
		t.Errorf("constant list min-max: %v floor %v", eq, floor)
	}
	z, _ := Normalize([]Hit{{ID: "x", Score: 3}, {ID: "y", Score: 3}}, ZScore)
	if z[0].Score != 0 || z[1].Score != 0 {
		t.Errorf("constant list z-score: %v", z)
	}
	z, floor = Normalize([]Hit{{ID: "x", Score: 2}, {ID: "y", Score: 0}}, ZScore)
	if z[0].Score != 1 || z[1].Score != -1 || floor != -1 {
		t.Errorf("z-score: %v floor %v", z, floor)
	}
}

func ExampleFuse() {
	sparse := []Hit{{ID: "a", Score: 12}, {ID: "b", Score: 9}, {ID: "c", Score: 1}}
	bm25 := []Hit{{ID: "b", Score: 7.5}, {ID: "d", Score: 6}}
	for _, h := range Fuse(sparse, bm25, 0.5, 0.5, MinMax, 3) {
		fmt.Printf("%s %.3f\n", h.ID, h.Score)
	}
	// Output:
	// b 0.864
	// a 0.500
	// c 0.000
}
