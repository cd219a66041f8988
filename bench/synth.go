package main

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/sparrow-search/sparrow/sparse"
)

// SynthOptions describes a synthetic learned-sparse corpus. The defaults are
// the "peer to beat" statistics: ~150 non-zeros per document
// (lognormal, clamped to 20-400), Zipf 1.05 token popularity over the 30,522
// WordPiece vocabulary, weights uniform in (0, 3]. Documents carry no
// structure (each is an independent draw) unless Topics > 0.
type SynthOptions struct {
	Vocab          int
	Zipf           float64
	NNZMu, NNZSig  float64 // lognormal parameters of non-zeros per doc
	NNZMin, NNZMax int
	MaxWeight      float64
	Seed           uint64
	// Topics > 0 makes a topical corpus: each document has a main topic
	// (and, half of the time, a second one) and draws TopicShare of its
	// tokens from its topics' term lists (TopicTerms terms each, Zipf
	// inside the topic, weights in (MaxWeight/3, MaxWeight]), the rest
	// from the background popularity (weights in (0, MaxWeight/2]).
	// Documents come in random topic order: doc-id reordering has work
	// to do.
	Topics     int
	TopicTerms int
	TopicShare float64
}

// DefaultSynth gives the peer statistics.
func DefaultSynth() SynthOptions {
	return SynthOptions{
		Vocab: 30522, Zipf: 1.05,
		NNZMu: math.Log(150) - 0.18, NNZSig: 0.6, NNZMin: 20, NNZMax: 400,
		MaxWeight: 3,
		Seed:      1,
		// Used only with Topics > 0.
		TopicTerms: 400, TopicShare: 0.5,
	}
}

// Validate reports every option the generator cannot draw from (Zipf
// exponents of at most 1 have no distribution in math/rand/v2: NewZipf
// returns nil).
func (o SynthOptions) Validate() error {
	var errs []error
	if o.Vocab < 2 {
		errs = append(errs, fmt.Errorf("vocabulary %d: want at least 2 terms", o.Vocab))
	}
	if !(o.Zipf > 1) {
		errs = append(errs, fmt.Errorf("zipf %v: want an exponent above 1", o.Zipf))
	}
	if math.IsNaN(o.NNZMu) || math.IsInf(o.NNZMu, 0) || !(o.NNZSig >= 0) || math.IsInf(o.NNZSig, 1) {
		errs = append(errs, fmt.Errorf("non-zeros per doc: lognormal mu %v, sigma %v: want finite, sigma >= 0 (a positive mean)", o.NNZMu, o.NNZSig))
	}
	if o.NNZMin < 1 || o.NNZMax < o.NNZMin {
		errs = append(errs, fmt.Errorf("non-zeros per doc clamped to [%d, %d]: want 1 <= min <= max", o.NNZMin, o.NNZMax))
	}
	if !(o.MaxWeight > 0) || math.IsInf(o.MaxWeight, 1) {
		errs = append(errs, fmt.Errorf("max weight %v: want a positive finite weight", o.MaxWeight))
	}
	if o.Topics < 0 {
		errs = append(errs, fmt.Errorf("topics %d: want 0 (none) or more", o.Topics))
	}
	if o.Topics > 0 {
		if o.Vocab < 102 {
			errs = append(errs, fmt.Errorf("topics need a vocabulary of at least 102 terms (topic terms skip the 100 most popular), have %d", o.Vocab))
		}
		if o.TopicTerms < 1 {
			errs = append(errs, fmt.Errorf("topic terms %d: want at least 1", o.TopicTerms))
		}
		if !(o.TopicShare >= 0 && o.TopicShare <= 1) {
			errs = append(errs, fmt.Errorf("topic share %v: want 0..1", o.TopicShare))
		}
	}
	return errors.Join(errs...)
}

// synth generates documents deterministically from their index, so corpora
// of any size stream without being held in memory.
type synth struct {
	o      SynthOptions
	perm   []int32   // popularity rank -> token id
	topics [][]int32 // topic -> its terms, most typical first
}

func newSynth(o SynthOptions) *synth {
	r := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	perm := make([]int32, o.Vocab)
	for i := range perm {
		perm[i] = int32(i)
	}
	r.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	s := &synth{o: o, perm: perm}
	if o.Topics > 0 {
		// Topic terms: mid-frequency tokens (popularity ranks past the 100
		// stop-word-like ones), drawn from the background popularity.
		tr := rand.New(rand.NewPCG(o.Seed, 0x7091c))
		z := rand.NewZipf(tr, o.Zipf, 50, uint64(o.Vocab-1))
		n := min(o.TopicTerms, (o.Vocab-100)/2)
		for range o.Topics {
			seen := map[int32]bool{}
			var terms []int32
			for len(terms) < n {
				rank := z.Uint64()
				if rank < 100 {
					continue
				}
				if id := perm[rank]; !seen[id] {
					seen[id] = true
					terms = append(terms, id)
				}
			}
			s.topics = append(s.topics, terms)
		}
	}
	return s
}

func (s *synth) tokens(r *rand.Rand, n int, seen map[int32]struct{}, out []int32) []int32 {
	z := rand.NewZipf(r, s.o.Zipf, 1, uint64(s.o.Vocab-1))
	n = min(n, s.o.Vocab/2)
	for len(out) < n {
		id := s.perm[z.Uint64()]
		if _, ok := seen[id]; ok {
			continue
		}
		seen[id] = struct{}{}
		out = append(out, id)
	}
	return out
}

// doc returns document i.
func (s *synth) doc(i int, seen map[int32]struct{}) sparse.Vector {
	r := rand.New(rand.NewPCG(s.o.Seed, uint64(i)*2+1))
	n := int(math.Round(math.Exp(s.o.NNZMu + s.o.NNZSig*r.NormFloat64())))
	n = min(max(n, s.o.NNZMin), s.o.NNZMax)
	clear(seen)
	if s.o.Topics > 0 {
		return s.topicalDoc(r, n, seen)
	}
	ids := s.tokens(r, n, seen, make([]int32, 0, n))
	slices.Sort(ids)
	w := make([]float32, len(ids))
	for j := range w {
		w[j] = float32(s.o.MaxWeight * (1 - r.Float64())) // (0, MaxWeight]
	}
	return sparse.Vector{IDs: ids, Weights: w}
}

// topicalDoc draws a document of n tokens from one or two topics plus the
// background (see SynthOptions.Topics).
func (s *synth) topicalDoc(r *rand.Rand, n int, seen map[int32]struct{}) sparse.Vector {
	main := r.IntN(s.o.Topics)
	second := -1
	if r.IntN(2) == 0 {
		second = r.IntN(s.o.Topics)
	}
	nt := min(int(math.Round(float64(n)*s.o.TopicShare)), len(s.topics[main]))
	type entry struct {
		id int32
		w  float32
	}
	es := make([]entry, 0, n)
	mx := s.o.MaxWeight
	for j := 0; len(es) < nt && j < 4*nt; j++ {
		t := main
		if second >= 0 && r.IntN(3) == 0 {
			t = second
		}
		id := s.topicTerm(r, t)
		if _, ok := seen[id]; ok {
			continue
		}
		seen[id] = struct{}{}
		es = append(es, entry{id, float32(mx/3 + (mx-mx/3)*(1-r.Float64()))})
	}
	// tokens() skips ids already seen, so topic terms keep their weight.
	for _, id := range s.tokens(r, n-len(es), seen, make([]int32, 0, n-len(es))) {
		es = append(es, entry{id, float32(mx / 2 * (1 - r.Float64()))})
	}
	slices.SortFunc(es, func(a, b entry) int { return int(a.id) - int(b.id) })
	v := sparse.Vector{IDs: make([]int32, len(es)), Weights: make([]float32, len(es))}
	for j, e := range es {
		v.IDs[j], v.Weights[j] = e.id, e.w
	}
	return v
}

// topicTerm draws a term of topic t, Zipf over its list.
func (s *synth) topicTerm(r *rand.Rand, t int) int32 {
	terms := s.topics[t]
	// Inverse-CDF of a Zipf(1) over ranks 1..len: rank ~ len^u.
	k := int(math.Pow(float64(len(terms)), r.Float64())) - 1
	return terms[min(max(k, 0), len(terms)-1)]
}

// QueryMix is how a mix's queries are drawn: which tokens and how many.
type QueryMix struct {
	Name string `json:"name"`
	// Sampling: "dfidf" (probability proportional to df x idf: frequent
	// tokens appear, but stop-word-like ones less than in documents; the
	// heavy mix), "idf" (proportional to idf: mostly rare tokens; the
	// light mix), "uniform" (every indexed token alike), "topic" (a
	// topical corpus's topic: 80% of the tokens from one topic, the rest
	// idf-sampled).
	Sampling string `json:"sampling"`
	// Length: lognormal with median LenMedian (sigma 0.45) clamped to
	// [LenMin, LenMax], or uniform in [LenMin, LenMax] when LenMedian is 0.
	LenMin    int     `json:"len_min"`
	LenMax    int     `json:"len_max"`
	LenMedian float64 `json:"len_median,omitempty"`
}

// mixes are the named query mixes (--mixes).
var mixes = map[string]QueryMix{
	// The previous rounds' mix: 3-20 tokens (median 6.85, mean ~7.7), df x idf.
	"heavy": {Name: "heavy", Sampling: "dfidf", LenMin: 3, LenMax: 20, LenMedian: 6.85},
	// The light mix: same lengths, tokens proportional to idf.
	"light":   {Name: "light", Sampling: "idf", LenMin: 3, LenMax: 20, LenMedian: 6.85},
	"uniform": {Name: "uniform", Sampling: "uniform", LenMin: 3, LenMax: 20, LenMedian: 6.85},
	// Long queries (2-40 tokens, uniform length), heavy and light.
	"long":       {Name: "long", Sampling: "dfidf", LenMin: 2, LenMax: 40},
	"long-light": {Name: "long-light", Sampling: "idf", LenMin: 2, LenMax: 40},
	"topical":    {Name: "topical", Sampling: "topic", LenMin: 3, LenMax: 20, LenMedian: 6.85},
}

// parseMix reads a mix name, or a custom "SAMPLING:MIN-MAX[:MEDIAN]".
func parseMix(s string) (QueryMix, error) {
	if m, ok := mixes[s]; ok {
		return m, nil
	}
	f := strings.Split(s, ":")
	if len(f) < 2 || len(f) > 3 {
		return QueryMix{}, fmt.Errorf("mix %q: want a name (%v) or SAMPLING:MIN-MAX[:MEDIAN]", s, mixNames())
	}
	m := QueryMix{Name: s, Sampling: f[0]}
	lo, hi, ok := strings.Cut(f[1], "-")
	var err1, err2, err3 error
	m.LenMin, err1 = strconv.Atoi(lo)
	m.LenMax, err2 = strconv.Atoi(hi)
	if len(f) == 3 {
		m.LenMedian, err3 = strconv.ParseFloat(f[2], 64)
	}
	switch {
	case !ok || err1 != nil || err2 != nil || err3 != nil || m.LenMin < 1 || m.LenMax < m.LenMin:
		return QueryMix{}, fmt.Errorf("mix %q: bad length range %q", s, f[1])
	case !slices.Contains([]string{"dfidf", "idf", "uniform", "topic"}, m.Sampling):
		return QueryMix{}, fmt.Errorf("mix %q: unknown sampling %q (dfidf, idf, uniform, topic)", s, m.Sampling)
	}
	return m, nil
}

func mixNames() []string {
	var n []string
	for k := range mixes {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

// querySampler draws a mix's query tokens from the index's document
// frequencies. With the default corpus a heavy query's terms cover
// ~0.3 N postings, which matches the peer's exhaustive cost (PISA ranked OR
// 0.92 ms at 1M docs); a light one's ~0.04 N.
type querySampler struct {
	mix    QueryMix
	seed   uint64
	cum    []float64
	ids    []int32
	topics [][]int32
}

func newQuerySampler(mix QueryMix, seed uint64, numDocs int, df func(int32) uint32, vocab int, topics [][]int32) *querySampler {
	qs := &querySampler{mix: mix, seed: seed, topics: topics}
	var acc float64
	for t := 0; t < vocab; t++ {
		d := df(int32(t))
		if d == 0 {
			continue
		}
		switch mix.Sampling {
		case "dfidf":
			acc += float64(d) * float64(idf(numDocs, d))
		case "uniform":
			acc++
		default: // idf, and topic's background
			acc += float64(idf(numDocs, d))
		}
		qs.cum = append(qs.cum, acc)
		qs.ids = append(qs.ids, int32(t))
	}
	return qs
}

// query returns query i's tokens (weights filled by the caller from IDF).
func (qs *querySampler) query(i int) []int32 {
	r := rand.New(rand.NewPCG(qs.seed^0xabcdef, uint64(i)*2+1))
	m := qs.mix
	var n int
	if m.LenMedian > 0 {
		n = int(math.Round(math.Exp(math.Log(m.LenMedian) + 0.45*r.NormFloat64())))
	} else {
		n = m.LenMin + r.IntN(m.LenMax-m.LenMin+1)
	}
	n = min(max(n, m.LenMin), m.LenMax, len(qs.ids))
	seen := map[int32]bool{}
	var out []int32
	topic := -1
	if m.Sampling == "topic" && len(qs.topics) > 0 {
		topic = r.IntN(len(qs.topics))
	}
	for tries := 0; len(out) < n && tries < 100*n; tries++ {
		var id int32
		if topic >= 0 && r.IntN(5) != 0 {
			terms := qs.topics[topic]
			k := int(math.Pow(float64(len(terms)), r.Float64())) - 1
			id = terms[min(max(k, 0), len(terms)-1)]
			if _, ok := slices.BinarySearch(qs.ids, id); !ok {
				continue // not indexed
			}
		} else {
			x := r.Float64() * qs.cum[len(qs.cum)-1]
			k, _ := slices.BinarySearch(qs.cum, x)
			id = qs.ids[min(k, len(qs.ids)-1)]
		}
		if !seen[id] {
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
