package fusion

import (
	"math"
	"testing"
)

func TestFuseMinMax(t *testing.T) {
	a := []Hit{{"a", 10}, {"b", 5}, {"c", 0}}
	b := []Hit{{"b", 4}, {"d", 2}}
	got := Fuse(a, b, .5, .5, MinMax, 10)
	// a: .5*1 + .5*0 (floor of b) = .5; b: .5*.5 + .5*1 = .75; c: 0 + 0; d: .5*0 + .5*0 = 0.
	want := []Hit{{"b", .75}, {"a", .5}, {"c", 0}, {"d", 0}}
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
	if got := Fuse(nil, nil, .5, .5, MinMax, 10); len(got) != 0 {
		t.Errorf("empty: %v", got)
	}
	a := []Hit{{"x", 3}, {"y", 1}, {"z", 2}}
	got := Fuse(a, nil, 1, 0, ZScore, 3)
	if got[0].ID != "x" || got[1].ID != "z" || got[2].ID != "y" {
		t.Errorf("order not kept: %v", got)
	}
}

func TestFuseDuplicatesKeepFirst(t *testing.T) {
	a := []Hit{{"x", 3}, {"x", 1}, {"y", 2}}
	got := Fuse(a, nil, 1, 0, MinMax, 10)
	if len(got) != 2 || got[0].ID != "x" || got[0].Score != 1 {
		t.Errorf("duplicate handling: %v", got)
	}
}

func TestNormalize(t *testing.T) {
	eq, floor := Normalize([]Hit{{"x", 3}, {"y", 3}}, MinMax)
	if eq[0].Score != 1 || eq[1].Score != 1 || floor != 1 {
		t.Errorf("constant list min-max: %v floor %v", eq, floor)
	}
	z, _ := Normalize([]Hit{{"x", 3}, {"y", 3}}, ZScore)
	if z[0].Score != 0 || z[1].Score != 0 {
		t.Errorf("constant list z-score: %v", z)
	}
	z, floor = Normalize([]Hit{{"x", 2}, {"y", 0}}, ZScore)
	if z[0].Score != 1 || z[1].Score != -1 || floor != -1 {
		t.Errorf("z-score: %v floor %v", z, floor)
	}
}
