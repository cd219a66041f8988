package main

import (
	"math"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/sparse"
)

// The generator must produce the peer statistics it documents.
func TestSynthStatistics(t *testing.T) {
	o := DefaultSynth()
	g := newSynth(o)
	seen := map[int32]struct{}{}
	const n = 2000
	df := make([]uint32, o.Vocab)
	var nnz float64
	var maxW float32
	for i := 0; i < n; i++ {
		v := g.doc(i, seen)
		if len(v.IDs) < o.NNZMin || len(v.IDs) > o.NNZMax {
			t.Fatalf("doc %d has %d non-zeros", i, len(v.IDs))
		}
		for j, id := range v.IDs {
			if j > 0 && id <= v.IDs[j-1] {
				t.Fatalf("doc %d ids not ascending", i)
			}
			df[id]++
			if w := v.Weights[j]; w <= 0 || w > float32(o.MaxWeight) {
				t.Fatalf("weight %v out of (0, %v]", w, o.MaxWeight)
			} else {
				maxW = max(maxW, w)
			}
		}
		nnz += float64(len(v.IDs))
	}
	if mean := nnz / n; math.Abs(mean-150) > 10 {
		t.Errorf("mean non-zeros %.1f, want ~150", mean)
	}
	// Determinism: a document is a function of its index.
	a, b := g.doc(7, seen), g.doc(7, seen)
	if !equal(a, b) {
		t.Error("doc 7 differs between calls")
	}
	m := mixes["heavy"]
	qs := newQuerySampler(m, o.Seed, n, func(id int32) uint32 { return df[id] }, o.Vocab, nil)
	var terms float64
	for i := 0; i < 1000; i++ {
		q := qs.query(i)
		if len(q) < m.LenMin || len(q) > m.LenMax {
			t.Fatalf("query %d has %d terms", i, len(q))
		}
		terms += float64(len(q))
	}
	if mean := terms / 1000; math.Abs(mean-7.7) > 0.4 {
		t.Errorf("mean query terms %.2f, want ~7.7", mean)
	}
}

func equal(a, b sparse.Vector) bool {
	if len(a.IDs) != len(b.IDs) {
		return false
	}
	for i := range a.IDs {
		if a.IDs[i] != b.IDs[i] || a.Weights[i] != b.Weights[i] {
			return false
		}
	}
	return true
}

// Options the generator cannot draw from are refused with the problem
// named, not met by a panic (a Zipf exponent of 1 or less made
// rand.NewZipf return nil).
func TestSynthOptionsValidate(t *testing.T) {
	if err := DefaultSynth().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	cases := []struct {
		name string
		edit func(*SynthOptions)
		want string
	}{
		{"zipf 1", func(o *SynthOptions) { o.Zipf = 1 }, "zipf 1"},
		{"zipf NaN", func(o *SynthOptions) { o.Zipf = math.NaN() }, "zipf NaN"},
		{"vocab", func(o *SynthOptions) { o.Vocab = 1 }, "vocabulary 1"},
		{"nnz mean 0", func(o *SynthOptions) { o.NNZMu = math.Log(0) }, "lognormal mu -Inf"},
		{"clamp", func(o *SynthOptions) { o.NNZMin, o.NNZMax = 10, 5 }, "[10, 5]"},
		{"weight", func(o *SynthOptions) { o.MaxWeight = 0 }, "max weight 0"},
		{"topics vocab", func(o *SynthOptions) { o.Topics, o.Vocab = 3, 50 }, "at least 102"},
		{"topic share", func(o *SynthOptions) { o.Topics, o.TopicShare = 3, 1.5 }, "topic share 1.5"},
		{"every problem", func(o *SynthOptions) { o.Zipf, o.MaxWeight = 0.9, -1 }, "max weight -1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := DefaultSynth()
			c.edit(&o)
			err := o.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate() = %v, want an error naming %q", err, c.want)
			}
		})
	}
}
