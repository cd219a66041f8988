package main

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/sparrow-search/sparrow/sparse"
)

// SynthOptions describes a synthetic learned-sparse corpus. The defaults are
// the "peer to beat" statistics: ~150 non-zeros per document
// (lognormal, clamped to 20-400), Zipf 1.05 token popularity over the 30,522
// WordPiece vocabulary, weights uniform in (0, 3]; queries of 3-20 tokens
// (mean ~7.7) drawn from the same popularity, weighted by IDF.
type SynthOptions struct {
	Vocab          int
	Zipf           float64
	NNZMu, NNZSig  float64 // lognormal parameters of non-zeros per doc
	NNZMin, NNZMax int
	MaxWeight      float64
	QMu, QSig      float64 // lognormal parameters of query length
	QMin, QMax     int
	Seed           uint64
}

// DefaultSynth gives the peer statistics.
func DefaultSynth() SynthOptions {
	return SynthOptions{
		Vocab: 30522, Zipf: 1.05,
		NNZMu: math.Log(150) - 0.18, NNZSig: 0.6, NNZMin: 20, NNZMax: 400,
		MaxWeight: 3,
		QMu:       math.Log(6.85), QSig: 0.45, QMin: 3, QMax: 20,
		Seed: 1,
	}
}

// synth generates documents deterministically from their index, so corpora
// of any size stream without being held in memory.
type synth struct {
	o    SynthOptions
	perm []int32 // popularity rank -> token id
}

func newSynth(o SynthOptions) *synth {
	r := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	perm := make([]int32, o.Vocab)
	for i := range perm {
		perm[i] = int32(i)
	}
	r.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	return &synth{o: o, perm: perm}
}

func (s *synth) tokens(r *rand.Rand, n int, seen map[int32]struct{}, out []int32) []int32 {
	z := rand.NewZipf(r, s.o.Zipf, 1, uint64(s.o.Vocab-1))
	clear(seen)
	out = out[:0]
	n = min(n, s.o.Vocab/2)
	for len(out) < n {
		id := s.perm[z.Uint64()]
		if _, ok := seen[id]; ok {
			continue
		}
		seen[id] = struct{}{}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// doc returns document i.
func (s *synth) doc(i int, seen map[int32]struct{}) sparse.Vector {
	r := rand.New(rand.NewPCG(s.o.Seed, uint64(i)*2+1))
	n := int(math.Round(math.Exp(s.o.NNZMu + s.o.NNZSig*r.NormFloat64())))
	n = min(max(n, s.o.NNZMin), s.o.NNZMax)
	ids := s.tokens(r, n, seen, make([]int32, 0, n))
	w := make([]float32, len(ids))
	for j := range w {
		w[j] = float32(s.o.MaxWeight * (1 - r.Float64())) // (0, MaxWeight]
	}
	return sparse.Vector{IDs: ids, Weights: w}
}

// querySampler draws query tokens with probability proportional to
// df * idf (token popularity weighted by IDF): frequent tokens appear in
// queries, but stop-word-like ones less than in documents. With the default
// corpus a query's terms then cover ~0.3 N postings, which matches the
// peer's exhaustive cost (PISA ranked OR 0.92 ms at 1M docs).
type querySampler struct {
	o    SynthOptions
	cum  []float64
	ids  []int32
	docs int
}

func newQuerySampler(o SynthOptions, numDocs int, df func(int32) uint32, vocab int) *querySampler {
	qs := &querySampler{o: o, docs: numDocs}
	var acc float64
	for t := 0; t < vocab; t++ {
		d := df(int32(t))
		if d == 0 {
			continue
		}
		acc += float64(d) * float64(idf(numDocs, d))
		qs.cum = append(qs.cum, acc)
		qs.ids = append(qs.ids, int32(t))
	}
	return qs
}

// query returns query i's tokens (weights filled by the caller from IDF).
func (qs *querySampler) query(i int) []int32 {
	r := rand.New(rand.NewPCG(qs.o.Seed^0xabcdef, uint64(i)*2+1))
	n := int(math.Round(math.Exp(qs.o.QMu + qs.o.QSig*r.NormFloat64())))
	n = min(max(n, qs.o.QMin), qs.o.QMax, len(qs.ids))
	seen := map[int32]bool{}
	var out []int32
	for len(out) < n {
		x := r.Float64() * qs.cum[len(qs.cum)-1]
		k, _ := slices.BinarySearch(qs.cum, x)
		k = min(k, len(qs.ids)-1)
		if id := qs.ids[k]; !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// idf is BM25's idf over document frequencies.
func idf(numDocs int, df uint32) float32 {
	return float32(math.Log(1 + (float64(numDocs)-float64(df)+0.5)/(float64(df)+0.5)))
}
