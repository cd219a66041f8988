package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/internal/cputime"
	"github.com/sparrow-search/sparrow/scoring"
	"github.com/sparrow-search/sparrow/sparse"
)

// harness times query algorithms single-threaded on one set of views
// (the calling goroutine must be locked to its OS thread: thread CPU time).
type harness struct {
	views  []segment.View
	filter []*roaring.Bitmap // Options.Filter of every search (nil: none)
	algs   []string          // "exhaustive" first: the others are checked against it
	ks     []int
	checkK []int // k values only checked against exhaustive (one untimed pass)
	reps   int
	alphas []float64 // approximate BMP runs
	// perQuery collects per-query thread CPU microseconds, keyed
	// "MIX/ALGORITHM" at k = 10, "MIX/ALGORITHM@K" at the other timed k
	// (and "MIX/_terms", "MIX/_postings"; "KEY/paired", the paired
	// re-timing's ratio of the queries re-timed, else 0; "MIX/_plan/PLAN",
	// the views the planner searched with PLAN, at top 10).
	perQuery map[string][]float64
	// timed, when set, is told the algorithm of every timed search (the
	// order of passes, for tests).
	timed func(name string)
	// searched, when set, is told every search the harness runs, timed or
	// not (tests).
	searched func(name string, q sparse.Vector)
}

// search runs one query.
func (h *harness) search(name string, q sparse.Vector, k int, alpha float64) ([]scoring.Hit, error) {
	if h.searched != nil {
		h.searched(name, q)
	}
	return scoring.Search(h.views, q, scoring.Options{K: k, Algorithm: name, Alpha: alpha, Filter: h.filter})
}

// randomFilters returns a filter per view admitting each doc with
// probability density (seeded: every run of a seed filters alike).
func randomFilters(views []segment.View, density float64, seed uint64) []*roaring.Bitmap {
	r := rand.New(rand.NewPCG(seed, 0xf117e4))
	out := make([]*roaring.Bitmap, len(views))
	for v, view := range views {
		b := roaring.New()
		for d := range uint32(view.Segment.NumDocs()) {
			if r.Float64() < density {
				b.Add(d)
			}
		}
		b.RunOptimize()
		out[v] = b
	}
	return out
}

// timing is one algorithm's fastest thread CPU and wall time per query.
type timing struct{ cpu, wall []time.Duration }

// timeAll times name on every query, keeping each query's fastest of
// h.reps passes (after a short warm-up pass).
func (h *harness) timeAll(name string, qs []sparse.Vector, k int, alpha float64) (cpu, wall []time.Duration, err error) {
	ts, err := h.timeAlgs([]string{name}, qs, k, alpha)
	if err != nil {
		return nil, nil, err
	}
	return ts[0].cpu, ts[0].wall, nil
}

// timeAlgs times every algorithm of names on every query, keeping each
// query's fastest of h.reps passes. The passes of the algorithms
// alternate (a pass of each, then the next pass of each), so that a
// burst of load on the machine, which lasts seconds here, falls on all
// of them alike; timed one after the other, the algorithm timed during a
// burst read up to 1.5x slower on every query of the burst.
func (h *harness) timeAlgs(names []string, qs []sparse.Vector, k int, alpha float64) ([]timing, error) {
	ts := make([]timing, len(names))
	for j, name := range names {
		ts[j] = timing{make([]time.Duration, len(qs)), make([]time.Duration, len(qs))}
		for _, q := range qs[:min(len(qs), 50)] { // warm-up
			if _, err := h.search(name, q, k, alpha); err != nil {
				return nil, err
			}
		}
	}
	for rep := 0; rep < max(1, h.reps); rep++ {
		for j, name := range names {
			cpu, wall := ts[j].cpu, ts[j].wall
			for i, q := range qs {
				if h.timed != nil {
					h.timed(name)
				}
				w0, t0 := time.Now(), cputime.Thread()
				if _, err := h.search(name, q, k, alpha); err != nil {
					return nil, err
				}
				t, w := cputime.Thread()-t0, time.Since(w0)
				if rep == 0 || t < cpu[i] {
					cpu[i] = t
				}
				if rep == 0 || w < wall[i] {
					wall[i] = w
				}
			}
		}
	}
	return ts, nil
}

// pairedSample is the least thread CPU time of one paired sample: a
// query that takes less is repeated within the sample. Reading the thread
// CPU clock costs about half a microsecond here, more than the whole
// search of a query of a few postings (~0.2 us), so one search per
// sample compared the clock's noise, not the algorithms.
const pairedSample = 20 * time.Microsecond

// pairedReps is how often a query that takes once is repeated in one
// paired sample: enough for pairedSample, at most 1000.
func pairedReps(once time.Duration) int {
	return int(min(1000, pairedSample/max(once, 1)+1))
}

// pairedSlower re-times query q 5 times alternating with exhaustive (each
// time a sample of at least pairedSample: the query repeated as often as
// exhaustive's first timing says) and returns name's best time over
// exhaustive's best (> 1: still slower). Before each sample the algorithm
// searches warm (another query of the mix), untimed: a sample then finds
// the algorithm's own buffers and code in the state a pass of it leaves
// them (the first timing's, and a server's), not as the other
// algorithm's search of q left them. Without it the sample after
// exhaustive's (whose accumulators span the view) found the planner's
// cache-sized windows evicted: 1M light mix, SIMD, top-10, the same 59
// candidates re-timed both ways, 39 slower without the warm search, 3
// with it (docs/BENCHMARKS.md, round 24).
func (h *harness) pairedSlower(name string, q, warm sparse.Vector, k int) (float64, error) {
	var once time.Duration
	for range 2 { // the second, warm
		t0 := cputime.Thread()
		if _, err := h.search("exhaustive", q, k, 0); err != nil {
			return 0, err
		}
		once = cputime.Thread() - t0
	}
	n := pairedReps(once)
	bestEx, bestAlg := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for range 5 {
		for _, a := range []string{"exhaustive", name} {
			if _, err := h.search(a, warm, k, 0); err != nil {
				return 0, err
			}
			t0 := cputime.Thread()
			for range n {
				if _, err := h.search(a, q, k, 0); err != nil {
					return 0, err
				}
			}
			if d := cputime.Thread() - t0; a == name {
				bestAlg = min(bestAlg, d)
			} else {
				bestEx = min(bestEx, d)
			}
		}
	}
	return float64(bestAlg) / float64(max(bestEx, 1)), nil
}

// slowerCounts re-times the queries of qs listed in slow (those whose
// fastest time was above exhaustive's) paired with exhaustive, each
// algorithm warmed by the next query of qs before each sample.
// ratios, when not nil, receives each re-timed query's ratio (the others
// stay 0).
func (h *harness) slowerCounts(name string, qs []sparse.Vector, k int, slow []int, ratios []float64) (SlowerCounts, error) {
	sc := SlowerCounts{Unpaired: len(slow)}
	for _, i := range slow {
		r, err := h.pairedSlower(name, qs[i], qs[(i+1)%len(qs)], k)
		if err != nil {
			return sc, err
		}
		if ratios != nil {
			ratios[i] = r
		}
		if r > 1 {
			sc.Paired++
		}
		if r > 1.1 {
			sc.Paired10++
		}
	}
	return sc, nil
}

// runMix measures every algorithm on one mix's queries at every k.
func (h *harness) runMix(mr *MixReport, qs []sparse.Vector) error {
	if h.perQuery != nil {
		l := h.views[0].Segment.Layout()
		terms := make([]float64, len(qs))
		posts := make([]float64, len(qs))
		for i, q := range qs {
			terms[i] = float64(len(q.IDs))
			for _, id := range q.IDs {
				posts[i] += float64(l.DocFreq(uint32(id)))
			}
		}
		h.perQuery[mr.Mix.Name+"/_terms"], h.perQuery[mr.Mix.Name+"/_postings"] = terms, posts
	}
	for _, k := range h.ks {
		want := make([][]scoring.Hit, len(qs))
		var exTimes []time.Duration
		timed, err := h.timeAlgs(h.algs, qs, k, 0)
		if err != nil {
			return err
		}
		for j, name := range h.algs {
			times, walls := timed[j].cpu, timed[j].wall
			var slow []int
			for i, q := range qs {
				hits, err := h.search(name, q, k, 0)
				if err != nil {
					return err
				}
				if name == "exhaustive" {
					want[i] = hits
					continue
				}
				if !slices.Equal(hits, want[i]) {
					mr.IdenticalTopK = false
					if len(mr.Mismatches) < 20 {
						mr.Mismatches = append(mr.Mismatches, fmt.Sprintf("%s k=%d query %d", name, k, i))
					}
				}
				if times[i] > exTimes[i] {
					slow = append(slow, i)
				}
			}
			if name == "exhaustive" {
				exTimes = times
			}
			var ratios []float64
			if name != "exhaustive" {
				if h.perQuery != nil {
					ratios = make([]float64, len(qs))
				}
				sc, err := h.slowerCounts(name, qs, k, slow, ratios)
				if err != nil {
					return err
				}
				mr.storeSlower(k, name, sc)
			}
			lat := summarize(times, walls)
			mr.store(k, name, lat)
			if h.perQuery != nil {
				us := make([]float64, len(times))
				for i, t := range times {
					us[i] = float64(t.Nanoseconds()) / 1e3
				}
				key := mr.Mix.Name + "/" + name
				if k != 10 {
					key += "@" + strconv.Itoa(k)
				}
				h.perQuery[key] = us
				if ratios != nil {
					h.perQuery[key+"/paired"] = ratios
				}
			}
			fmt.Fprintf(os.Stderr, "%s k=%d %-10s mean %8.1fus p50 %8.1fus p99 %8.1fus (wall mean %8.1fus)\n",
				mr.Mix.Name, k, name, lat.MeanUS, lat.P50US, lat.P99US, lat.WallMeanUS)
		}
		if err := h.runAlphas(mr, qs, k, want); err != nil {
			return err
		}
	}
	if err := h.checkMix(mr, qs); err != nil {
		return err
	}
	mr.Plans = map[string]int{}
	for i, q := range qs {
		plans, err := scoring.Plans(h.views, q, 10, h.filter)
		if err != nil {
			return err
		}
		for _, p := range plans {
			if p == "" {
				continue
			}
			mr.Plans[string(p)]++
			if h.perQuery != nil { // views per plan, per query (top 10)
				key := mr.Mix.Name + "/_plan/" + string(p)
				if h.perQuery[key] == nil {
					h.perQuery[key] = make([]float64, len(qs))
				}
				h.perQuery[key][i]++
			}
		}
	}
	return nil
}

// checkMix compares every algorithm's hits with exhaustive's at the
// check-only k values.
func (h *harness) checkMix(mr *MixReport, qs []sparse.Vector) error {
	for _, k := range h.checkK {
		for i, q := range qs {
			want, err := h.search("exhaustive", q, k, 0)
			if err != nil {
				return err
			}
			for _, name := range h.algs[1:] {
				got, err := h.search(name, q, k, 0)
				if err != nil {
					return err
				}
				if !slices.Equal(got, want) {
					mr.IdenticalTopK = false
					if len(mr.Mismatches) < 20 {
						mr.Mismatches = append(mr.Mismatches, fmt.Sprintf("%s k=%d query %d", name, k, i))
					}
				}
			}
		}
		mr.CheckedK = append(mr.CheckedK, k)
	}
	return nil
}

// runAlphas times approximate BMP and its recall against the exhaustive top-k.
func (h *harness) runAlphas(mr *MixReport, qs []sparse.Vector, k int, want [][]scoring.Hit) error {
	for _, a := range h.alphas {
		name := fmt.Sprintf("bmp_alpha%g", a)
		times, walls, err := h.timeAll("bmp", qs, k, a)
		if err != nil {
			return err
		}
		var recall float64
		for i, q := range qs {
			hits, err := h.search("bmp", q, k, a)
			if err != nil {
				return err
			}
			recall += overlap(hits, want[i])
		}
		lat := summarize(times, walls)
		recall /= float64(max(1, len(qs)))
		lat.Recall = &recall
		mr.store(k, name, lat)
		fmt.Fprintf(os.Stderr, "%s k=%d %-10s mean %8.1fus p50 %8.1fus p99 %8.1fus recall %.4f\n", mr.Mix.Name, k, name, lat.MeanUS, lat.P50US, lat.P99US, recall)
	}
	return nil
}

func overlap(got, want []scoring.Hit) float64 {
	if len(want) == 0 {
		return 1
	}
	set := map[uint32]bool{}
	for _, h := range want {
		set[h.Doc] = true
	}
	n := 0
	for _, h := range got {
		if set[h.Doc] {
			n++
		}
	}
	return float64(n) / float64(len(want))
}

// queryStats fills a mix's query statistics.
func queryStats(mr *MixReport, l *segment.Layout, qs []sparse.Vector) {
	mr.Queries = len(qs)
	var nt int
	var qp int64
	for _, q := range qs {
		nt += len(q.IDs)
		for _, id := range q.IDs {
			qp += int64(l.DocFreq(uint32(id)))
		}
	}
	mr.QueryTermsMean = float64(nt) / float64(max(1, len(qs)))
	mr.QueryPostingsMean = float64(qp) / float64(max(1, len(qs)))
}
