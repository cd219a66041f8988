package eval

import (
	"math"
	"testing"
)

func TestComparePairedDetectsShift(t *testing.T) {
	n := 210
	a, b := make([]float64, n), make([]float64, n)
	for i := range a {
		a[i] = float64(i%10) / 10
		b[i] = a[i] + 0.05 + 0.01*float64(i%3-1)
	}
	c, err := ComparePaired(a, b, "ndcg@10", SignificanceOptions{Resamples: 2000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(c.Diff-0.05) > 1e-9 {
		t.Errorf("diff %v, want 0.05", c.Diff)
	}
	if !(c.CILow > 0.04 && c.CIHigh < 0.06 && c.CILow <= c.Diff && c.Diff <= c.CIHigh) {
		t.Errorf("CI [%v,%v] should tightly bracket 0.05", c.CILow, c.CIHigh)
	}
	if c.PBootstrap > 0.001 || c.PRandom > 0.001 {
		t.Errorf("p-values %v %v, want ~1/2001", c.PBootstrap, c.PRandom)
	}
	again, _ := ComparePaired(a, b, "ndcg@10", SignificanceOptions{Resamples: 2000, Seed: 3})
	if again != c {
		t.Error("not deterministic for a seed")
	}
}

func TestComparePairedNoDifference(t *testing.T) {
	// Symmetric noise: differences +x and -x alternate, mean exactly 0.
	n := 100
	a, b := make([]float64, n), make([]float64, n)
	for i := range a {
		a[i] = 0.5
		if i%2 == 0 {
			b[i] = 0.5 + float64(i%7)/10
		} else {
			b[i] = 0.5 - float64((i-1)%7)/10
		}
	}
	c, err := ComparePaired(a, b, "m", SignificanceOptions{Resamples: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(c.Diff) > 1e-12 || c.PRandom < 0.9 || c.PBootstrap < 0.9 || c.CILow >= 0 || c.CIHigh <= 0 {
		t.Errorf("null comparison: %+v", c)
	}
	if _, err := ComparePaired(a, b[:3], "m", SignificanceOptions{}); err == nil {
		t.Error("length mismatch accepted")
	}
	if _, err := ComparePaired(nil, nil, "m", SignificanceOptions{}); err == nil {
		t.Error("empty accepted")
	}
}

func TestCompareReports(t *testing.T) {
	ra := &Report{PerQuery: map[string]map[string]float64{"1": {"ndcg@10": 0.2}, "2": {"ndcg@10": 0.4}}}
	rb := &Report{PerQuery: map[string]map[string]float64{"1": {"ndcg@10": 0.3}, "2": {"ndcg@10": 0.7}}}
	c, err := CompareReports(ra, rb, "ndcg@10", SignificanceOptions{Resamples: 100})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(c.Diff-0.2) > 1e-12 || c.N != 2 {
		t.Errorf("%+v", c)
	}
	rb.PerQuery["3"] = map[string]float64{"ndcg@10": 1}
	if _, err := CompareReports(ra, rb, "ndcg@10", SignificanceOptions{}); err == nil {
		t.Error("different query sets accepted")
	}
	if _, err := CompareReports(ra, ra, "nope", SignificanceOptions{}); err == nil {
		t.Error("unknown metric accepted")
	}
}
