package scoring

import (
	"math"
	"math/bits"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// Planner is the default algorithm (DefaultAlgorithm): for each query and
// view it picks a strategy from cheap statistics, so that the cost follows
// the postings the query touches and never the segment size alone:
//
//   - "sparse" (SparseMaxScore) when the query's lists hold few postings
//     for the view's size (light queries): term-at-a-time MaxScore over
//     the whole decoded lists, in cache-sized windows, without block-max
//     bounds or cursors; for the top 10 not when its lists that cannot
//     reach the threshold primed before the search hold many of those
//     postings (SparseSkip: the windowed strategy skips them), nor when
//     the windowed strategy's bounds per window, from the block maxima,
//     leave most of them in lists that can reach it (SparseEssential,
//     with the vector kernels: it adds those for less);
//   - "dense" (DenseMaxScore) when the view is small enough for its
//     accumulators to stay in cache (at most 2^16 docs) and the query's
//     lists hold at least one posting per two docs for the top 10, two
//     per doc for more hits (SciFact-size collections, fresh segments; on
//     those views the choice is sparse or dense only):
//     every doc is touched several times, so windows and cursors have
//     little to skip, while the lists of terms in nearly every document
//     (large, with tiny contributions) can be merged with the few
//     candidates left once the decisive lists are added;
//     and on views of up to 2^21 docs, queries of many terms whose lists
//     cover every doc more than twice (DenseFrom); and, in builds
//     without the vector kernels, on views of up to 2^18 docs queries of
//     8+ terms whose lists hold P >= 0.4 N (midDense);
//   - "windowed" (WMaxScore) otherwise: windowed block-max MaxScore, whose
//     per-window bounds prune more and whose accumulators stay in cache;
//   - "exhaustive" (Exhaustive), before these, when the top k holds at
//     least half of the view's docs: little to prune (Exhaustive);
//   - "single" (SingleTerm), before these, when the query has one term in
//     the view: its list alone, without accumulators, blocks that cannot
//     reach the threshold skipped (Single);
//   - "filtered" (Filtered), before all of these, when a filter admits so
//     few docs of the view that scoring each of them by moving every list's
//     cursor to it costs less than walking the lists: F admitted docs, T
//     terms, F*T*(3 + T/12) <= min(P, 2N) (FilteredRatio, FilteredTerms).
//
// The statistics are the postings P of the query's lists in the view and
// its docs N (list lengths, known without reading a posting), the docs F
// a filter admits there (the bitmap's cardinality), and the lists' maxima
// (and, for SparseEssential, their block maxima) against the primed
// threshold. Every strategy
// is rank-safe, so the choice only moves the cost. Deleted docs do not
// change it, nor does a filter admitting many docs (the strategies that
// walk the lists test both only for docs that reach the top k).
type Planner struct {
	// SparseBelow: a view of more than 2^16 docs is searched sparsely
	// when P < SparseBelow * N + SparseSlack (negative: never, not on
	// small views either; +Inf: always). 0 = 1/8 (the slope of
	// the crossover measured per query on the heavy and long mixes, both
	// builds: below it the windowed strategy's block-max bookkeeping costs
	// more than its pruning saves; docs/BENCHMARKS.md).
	SparseBelow float64
	// SparseSqrt caps the crossover's slope term at SparseSqrt * sqrt(N)
	// postings: on views of more than 1M docs the windowed strategy's
	// threshold rises higher (more docs compete for the top k), so it
	// overtakes sparse accumulation at a smaller share of N (8.8M heavy
	// mix: at P ~ 400k, 0.045 N, per query in both directions;
	// docs/BENCHMARKS.md, round 11). 0 = 125, which equals N/8 at 1M docs
	// and leaves smaller views to SparseBelow; negative = no cap.
	SparseSqrt float64
	// SparseKExp and SparseKTerms move the crossover with k: for k > 10
	// hits the slope term (cap included) is multiplied by
	// 1 + ((k/10)^SparseKExp - 1) * max(0, 1 - T/SparseKTerms), T the
	// query's terms in the view. With more hits wanted the windowed
	// strategy's threshold (the k-th score) is lower, so it prunes less
	// and sparse accumulation stays ahead up to more postings; the more
	// terms, the smaller each list's share of the threshold and the more
	// of them the windowed strategy still leaves non-essential, so the
	// less the crossover moves. On the synthetic 1M mixes the crossover at
	// top-1000 is at ~0.65 N for 8-term queries, ~0.45 N for 20; on the
	// real 1M mix (replicated documents: the threshold rises fast) the
	// windowed strategy wins from lower P at every k, so the default
	// exponent is the compromise that improves the synthetic mixes
	// without costing the real one (docs/BENCHMARKS.md, round 12). 0 = 0.2
	// (x2.5 at k = 1000 for one term) and 40 terms; SparseKExp negative:
	// the top-10 crossover at every k.
	SparseKExp   float64
	SparseKTerms float64
	// SparseSlack is the crossover's constant term in postings: the
	// windowed strategy's fixed costs per query (cursors, block-max bounds
	// per window) that sparse accumulation does not pay, which decide on
	// small views. 0 = 12,000 (crossover at P/N ~ 0.25 on 100k docs, ~
	// 0.13 on 1M); negative = none.
	SparseSlack int64
	// SparseSkip: for the top 10, a query below the crossover is still
	// searched windowed when its lists that cannot reach the threshold
	// primed before the search (the non-essential lists: the weakest,
	// whose maxima sum below it) hold more than SparseSkip * N +
	// SparseSlack postings: the windowed strategy skips their blocks and
	// probes them for candidates only, where SparseMaxScore decodes every
	// posting. Per query on the 1M mixes (AMD EPYC, docs/BENCHMARKS.md,
	// round 22), sparse against windowed crossed at 0.04 N postings for
	// queries whose non-essential lists held over 85% of them and at
	// 0.08-0.1 N where they held under half (SIMD build): at about 0.035 N
	// non-essential postings throughout. Without the slack (the windowed
	// strategy's fixed costs) the rule cost 7-12% on 100k docs; with it,
	// top-10: 1M dfidf:1-2 -10%, the other 1M, 100k and 8.8M mixes 0-6%
	// less. For more hits the primed threshold is low, the windowed
	// strategy's candidates many, and the rule cost the 1M heavy mix 5%
	// at top-1000: it applies to the top 10 only. 0 = 1/32; negative:
	// never.
	SparseSkip float64
	// SparseEssential: for the top 10, a query below the crossover and
	// not skippable (SparseSkip) is still searched windowed when, at the
	// threshold primed before the search, the windowed strategy's bounds
	// per window (from the block maxima alone: windowEssential) leave at
	// least SparseEssential * P of its postings in lists that can reach
	// it (essential), and more than SparseSkip * N + SparseSlack. Per
	// query on the 1M mixes (AMD EPYC, SIMD build, docs/BENCHMARKS.md,
	// issue 12 round 25) the strategies' times fit per posting: an
	// essential posting cost sparse accumulation 2.4-2.5 ns (decoded into
	// a buffer, added, its doc listed and offered) and the windowed
	// strategy 1.8 ns (decoded and added at once, its dense windows
	// scanned, nothing listed), on the real and the synthetic mixes
	// alike; a non-essential posting cost sparse accumulation 1.6-2.0 ns
	// (a branch-free add) and the windowed strategy 0.75-4.2 (probes and
	// walks for its candidates, the more the nearer the non-essential
	// bounds come to the threshold). Where three quarters of the postings
	// were essential the windowed strategy won 12 of the 14 queries of the
	// 0.04-0.13 N band planned sparse (the two others, of 31-33k essential
	// postings, are under the second bound); on the 500 queries per mix
	// not used to choose the share, the real mix's queries slower than
	// exhaustive went 15 -> 10 and the synthetic mixes' plans moved by 0-3
	// of 1,000. Without the vector kernels the windowed strategy clears
	// its dense windows instead of scanning them, and the rule cost the
	// real mix 1-2%: it applies with them only. 0 = 3/4; negative: never.
	SparseEssential float64
	// DenseFrom and DenseTerms: a view of more than 2^16 docs and at most
	// denseLargeMaxDocs is searched densely for the top k <= denseLargeMaxK
	// when P >= DenseFrom * N, the query has at least DenseTerms terms in
	// the view and every doc is visible (no deleted docs, no filter: only
	// then does DenseMaxScore raise its threshold from partial scores).
	// Such queries' lists cover every doc more than twice, most of their
	// postings in lists of small maxima that the windowed strategy keeps
	// adding (in every window they stay essential), while DenseMaxScore
	// adds the decisive lists, raises the threshold and merges the rest
	// with the few candidates left. Per query on 1M docs (both builds,
	// docs/BENCHMARKS.md, round 13): on the real mix (queries of 20-39
	// terms) dense took 1.2-2.4 ms where windowed took 4-6; on the
	// synthetic long mix (20-40 terms) it won most queries from P ~ 2N;
	// queries of fewer terms (the heavy mix) lost dense at any P, and at
	// top-1000 (a lower threshold, less to merge) the portable build lost
	// on the real and long mixes; on 8.8M docs, where the accumulators
	// leave the cache, every heavy query with P >= N was 2-13x slower
	// dense (hence the view bound). 0 = 2.5 and 16; DenseFrom negative:
	// never (views of more than 2^16 docs are then never dense, midDense
	// included).
	DenseFrom  float64
	DenseTerms int
	// FilteredRatio and FilteredTerms: a view is searched filtered when
	// the filter admits F of its docs and F * T * R <= P, T the query's
	// terms in the view and R = FilteredRatio + T / FilteredTerms: the
	// filtered strategy costs about a probe per admitted doc and term, the
	// others about a posting walked per posting, and a probe costs more
	// than a posting (a search in a block, a decode per block reached),
	// the more so against many-term queries, whose lists the other
	// strategies walk at less per posting. Per query on the 1M mixes with
	// random filters (docs/BENCHMARKS.md, round 20): at 0.1-3% admitted,
	// filtered was faster than the other strategies on 70-93% of the
	// queries at P/(F*T) in [4, 5.7) and on nearly all from 5.7, and
	// slower on most below 2; at 0.01-10% (9,600 queries, both builds),
	// R = 4 for every T left 41 of the long mix's queries at 1% slower
	// than exhaustive, 3 + T/12 left 20 and gave the lowest means in both
	// builds of the rules tried (R constant 3-6; 2-4 plus 0.03-0.1 per
	// term; F * T^1.2-1.5).
	// 0 = 3 and 12; FilteredRatio negative: never; FilteredTerms negative:
	// R constant.
	FilteredRatio float64
	FilteredTerms float64
	// Single: a query with one term in the view is answered from that
	// list alone (SingleTerm), at any length, k and view size, unless
	// Single is negative. It does a subset of every other strategy's work
	// on such a query. 0 = on.
	Single int
	// Exhaustive: a view is searched exhaustively (the Exhaustive
	// strategy, term-at-a-time into an accumulator per doc, every doc
	// touched offered) when k >= N/2 (exhaustiveFromShare), unless
	// Exhaustive is negative. 0 = on.
	Exhaustive int
	// Windowed configures the windowed strategy (its zero value is
	// WMaxScore's default).
	Windowed WMaxScore

	sparse     SparseMaxScore
	est        essentialScratch
	dense      DenseMaxScore
	filter     Filtered
	single     SingleTerm
	exhaustive Exhaustive
	// acc is the one accumulator window of the strategies that add into
	// accumulators (sparse, dense, windowed, exhaustive; each leaves it
	// clear): a query planned unlike the one before finds it in cache,
	// where a window of its own would be cold since the last query of its
	// plan (on the real 1M mix, small sparse queries after windowed ones
	// ran at up to twice SparseMaxScore's time alone). It is the sparse
	// strategy's window (2^17 docs); the others use its first 2^16
	// accumulators, or all of them on views of up to 2^17 docs (the
	// exhaustive strategy allocates its own for larger views).
	acc *[1 << sparseMaxBits]int32
	// recent holds the plans of the last 32 searches of views of more
	// than 2^17 docs, one bit each, 1 = sparse (sparseWide).
	recent uint32
}

// essentialScratch holds windowEssential's per-list state.
type essentialScratch struct {
	blk, order []int
	wmax       []int32
	cnt        []int64
}

// sparseWide: on views of more than 2^17 docs the sparse strategy takes
// its windows of 2^17 docs while at least sparseWide of the planner's
// last 32 plans there were sparse, else windows of 2^16. The upper half of
// the shared accumulators is touched by sparse plans only: after mostly
// windowed or dense plans it is out of cache, and there the wider window
// cost 2-4% on the sparse queries of the 1M heavy mix and 9-36% on the
// smallest of the long mix (docs/BENCHMARKS.md, round 17), where on mixes
// of sparse plans it saved up to 23% (fewer windows, fewer steps per window).
const sparseWide = 28

// The sparse strategy's window holds the others' windows of 2^16 docs.
const _ = uint(1<<sparseMaxBits - segment.WindowDocs)

// Name implements Algorithm.
func (*Planner) Name() string { return "planner" }

// Plan is the strategy the planner picks for a query on one view.
type Plan string

// The planner's strategies.
const (
	PlanSparse     Plan = "sparse"
	PlanDense      Plan = "dense"
	PlanWindowed   Plan = "windowed"
	PlanFiltered   Plan = "filtered"
	PlanSingle     Plan = "single"
	PlanExhaustive Plan = "exhaustive"
)

// denseMaxDocs bounds the views the planner searches densely: 2^16 docs,
// 256 KB of accumulators, cache-resident. It is the segment package's
// bound for dense impact tables, which DenseMaxScore reads: one policy.
const denseMaxDocs = segment.DenseMaxDocs

// denseFromShift: on those views the dense strategy is taken from P >=
// N >> denseFromShift postings (N/2: of N, N/2, N/4 the fastest on the
// 20k heavy and long mixes; SciFact's queries all go dense with it).
const denseFromShift = 1

// baseK is the k the planner's rules were measured at, the top 10: for
// more hits the sparse crossover grows (kFactor), small views go dense
// later (denseFromManyHits) and WMaxScore may finish windows whole
// (finishes).
const baseK = 10

// denseFromManyHits: for more than the top 10 the dense strategy is taken
// on those views from P >= denseFromManyHits * N: with more hits wanted its
// threshold is lower, its partial scores prune fewer candidates, and its
// merges cost more than SparseMaxScore's adds. Per query on the served
// collections (docs/BENCHMARKS.md, round 21), dense against sparse at
// P/N in [0.5, 1), [1, 2), [2, 4): NFCorpus-pp (3,395 docs) top-100
// 1.19, 1.13, 0.79, top-1000 1.21, 1.17, 0.91; CACM top-100 1.32, 1.36,
// 0.86; at top-10 0.97, 0.81, 0.66 (NFCorpus-pp), as the rule above.
const denseFromManyHits = 2

// exhaustiveFromShare: a view of N docs is searched exhaustively when the
// top k holds at least N / exhaustiveFromShare of them: the threshold (the
// k-th score of most of the view) then prunes little, and the pruning
// strategies' bookkeeping costs more than it saves. Cranfield (1,400 docs)
// at top-1000: exhaustive 66 µs, dense 71, sparse 74 a query, slower than
// exhaustive on 163 and 194 of 225 queries; CACM (3,204 docs) and
// NFCorpus-pp at top-1000 (k = 0.29-0.31 N) still gain from pruning
// (exhaustive 108 and 43 µs, the better strategy 92 and 33;
// docs/BENCHMARKS.md, round 21).
const exhaustiveFromShare = 2

// denseLargeMaxDocs and denseLargeMaxK bound the views of more than 2^16
// docs and the k for which the planner may search densely (DenseFrom):
// 2^21 docs, 8 MB of accumulators, a share of the last-level cache
// (measured to pay on 1M docs, not on 8.8M), and the top 100.
const (
	denseLargeMaxDocs = 1 << 21
	denseLargeMaxK    = 100
)

// plan picks the strategy for query terms q on layout l, for the top k;
// visible reports that every doc of the view may be a hit (no deleted
// docs, no filter); admitted is the number of docs a filter admits in
// the view (negative: no filter); thr is the integer threshold primed
// before the search (SparseSkip).
func (p *Planner) plan(l *segment.Layout, q []qterm, k int, visible bool, admitted int64, thr int32) (Plan, Algorithm) {
	var postings int64
	for _, t := range q {
		postings += int64(l.TermCount[t.t])
	}
	if admitted >= 0 && p.filtered(admitted, postings, int64(l.NumDocs), len(q)) {
		return PlanFiltered, &p.filter
	}
	if len(q) == 1 && p.Single >= 0 {
		return PlanSingle, &p.single
	}
	n := int64(l.NumDocs)
	if int64(k)*exhaustiveFromShare >= n && p.Exhaustive >= 0 {
		return PlanExhaustive, &p.exhaustive
	}
	below, slack := p.SparseBelow, p.SparseSlack
	if below == 0 {
		below = 1.0 / 8
	}
	if slack == 0 {
		slack = 12_000
	}
	if n <= denseMaxDocs && !math.IsInf(below, 1) {
		// One window covers the view: the windowed strategy's windows
		// and block-max bounds have nothing to skip that SparseMaxScore's
		// essential lists do not, and cost their setup; the choice is
		// sparse or dense, by P against N alone (the slack is the
		// windowed strategy's).
		if k <= baseK && postings<<denseFromShift >= n || postings >= denseFromManyHits*n {
			return PlanDense, &p.dense
		}
		if below >= 0 {
			return PlanSparse, &p.sparse
		}
		return PlanWindowed, &p.Windowed
	}
	if visible && (k <= denseLargeMaxK && p.largeDense(n, postings, len(q)) || p.midDense(n, postings, len(q))) {
		return PlanDense, &p.dense
	}
	if below >= 0 && float64(postings) < p.sparseSlope(below, n, k, len(q))+float64(max(slack, 0)) && (k > baseK || !p.skippable(l, q, n, thr, max(slack, 0)) && !p.essential(l, q, postings, thr, max(slack, 0))) {
		return PlanSparse, &p.sparse
	}
	return PlanWindowed, &p.Windowed
}

// essential reports whether, by SparseEssential, a top-10 query of postings
// P below the crossover goes windowed: at the primed threshold thr, the
// windowed strategy's bounds per window leave at least SparseEssential * P
// of its postings in lists that can reach it (windowEssential), and more
// than SparseSkip * N + slack.
func (p *Planner) essential(l *segment.Layout, q []qterm, postings int64, thr int32, slack int64) bool {
	share, skip := p.SparseEssential, p.sparseSkip()
	if share == 0 {
		share = 0.75
	}
	least := skip*float64(l.NumDocs) + float64(slack)
	if !avx512 || share < 0 || skip < 0 || float64(postings) <= least {
		return false
	}
	need := int64(max(math.Ceil(share*float64(postings)), math.Floor(least)+1))
	return p.windowEssential(l, q, thr, postings-need) >= need
}

// windowEssential counts the postings of q in lists that can reach the
// threshold thr in their window, from the block maxima and lengths alone
// (nothing decoded), windows as the windowed strategy cuts them: a list's
// bound in a window is the largest maximum of its blocks overlapping it
// (as WMaxScore.windowMax takes it), a block's postings count in the
// window of its last doc, and the lists whose bounds, smallest first, sum
// below thr are set aside (the non-essential lists of MaxScore), all of
// them where the bounds together stay below it (the window is skipped).
// It sets aside below the threshold itself, as SparseEssential was
// measured (round 25); the windowed strategy now sets aside below
// WMaxScore.SetAside of it (round 26), so it leaves at least as many
// postings essential as counted here.
// It stops once more than aside postings were set aside (the count is
// then at most the postings less those). It costs a pass over the lists'
// block maxima (one byte per 128 postings) and a sort of the bounds per
// window.
func (p *Planner) windowEssential(l *segment.Layout, q []qterm, thr int32, aside int64) int64 {
	if len(l.TermBlk) <= len(l.TermCount) {
		return 0 // no blocks (a layout of list statistics only)
	}
	shift := p.Windowed.config(0, l.NumDocs).windowShift
	t := len(q)
	e := &p.est
	if cap(e.blk) < t {
		e.blk, e.wmax, e.cnt, e.order = make([]int, t), make([]int32, t), make([]int64, t), make([]int, t)
	}
	blk, wmax, cnt, order := e.blk[:t], e.wmax[:t], e.cnt[:t], e.order[:t]
	var postings int64
	for i, qt := range q {
		blk[i] = int(l.TermBlk[qt.t])
		postings += int64(l.TermCount[qt.t])
	}
	N := uint64(l.NumDocs)
	var setAside int64
	for w0 := uint64(0); w0 < N && setAside <= aside; w0 += 1 << shift {
		w1 := uint32(min(w0+1<<shift, N) - 1)
		var total int32
		for i, qt := range q {
			b, end := blk[i], int(l.TermBlk[qt.t+1])
			var m uint8
			var c int64
			for b < end && l.BlkLast[b] < w1 {
				m = max(m, l.BlkMax[b])
				c += int64(l.TermBlockLen(int(qt.t), b))
				b++
			}
			if b < end && (b == int(l.TermBlk[qt.t]) || l.BlkLast[b-1] < w1) {
				// The block reaching w1 or past it (windowMax takes it).
				m = max(m, l.BlkMax[b])
				if l.BlkLast[b] == w1 {
					c += int64(l.TermBlockLen(int(qt.t), b))
					b++
				}
			}
			blk[i], wmax[i], cnt[i] = b, qt.w*int32(m), c
			total += wmax[i]
		}
		if total < thr {
			for _, c := range cnt {
				setAside += c
			}
			continue
		}
		sortBounds(wmax, order)
		var rest int32
		for _, i := range order {
			if rest+wmax[i] >= thr {
				break
			}
			rest += wmax[i]
			setAside += cnt[i]
		}
	}
	return postings - setAside
}

// skippable reports whether the lists of q that cannot reach the threshold
// thr together (the non-essential lists of MaxScore: the least maxima
// summing below it) hold more than SparseSkip * N + slack postings on a
// view of n docs (SparseSkip).
func (p *Planner) skippable(l *segment.Layout, q []qterm, n int64, thr int32, slack int64) bool {
	skip := p.sparseSkip()
	if skip < 0 {
		return false
	}
	// The lists by maximum, ascending, as the sparse strategy orders them
	// (its scratch: it sorts again if it is chosen).
	ts := p.sparse.sortTerms(l, q)
	e, _ := nonEssential(l, ts, 0, 0, thr)
	var skipped int64
	for _, t := range ts[:e] {
		skipped += int64(l.TermCount[t.t])
	}
	return float64(skipped) > skip*float64(n)+float64(slack)
}

// sparseSkip is SparseSkip with its default.
func (p *Planner) sparseSkip() float64 {
	if p.SparseSkip == 0 {
		return 1.0 / 32
	}
	return p.SparseSkip
}

// filtered reports whether FilteredRatio and FilteredTerms pick the
// filtered strategy for a query of t terms whose lists hold postings P
// on a view of n docs where the filter admits f docs. The other
// strategies' work is counted as P, at most 2n: beyond that the dense
// strategy's tables and accumulators, which cover the view, cost less
// than its lists (SciFact served, 3% of the docs admitted, nearly every
// query P > 2n: filtered 61.6 µs against 37.0 for the dense plan; on the
// same queries' timings the bound takes the planner's mean from 56.0 to
// 37.1 µs, and leaves the 1M mixes' within 0.1%; docs/BENCHMARKS.md,
// round 20).
func (p *Planner) filtered(f, postings, n int64, t int) bool {
	r, terms := p.FilteredRatio, p.FilteredTerms
	if r < 0 {
		return false
	}
	if r == 0 {
		r = 3
	}
	if terms == 0 {
		terms = 12
	}
	if terms > 0 {
		r += float64(t) / terms
	}
	return float64(f)*float64(t)*r <= float64(min(postings, 2*n))
}

// largeDense reports whether DenseFrom and DenseTerms pick the dense
// strategy for a query of t terms whose lists hold postings P on a view
// of n docs (more than 2^16).
func (p *Planner) largeDense(n, postings int64, t int) bool {
	from, terms := p.DenseFrom, p.DenseTerms
	if from == 0 {
		from = 2.5
	}
	if terms <= 0 {
		terms = 16
	}
	return from > 0 && n <= denseLargeMaxDocs && t >= terms && float64(postings) >= from*float64(n)
}

// midDense reports whether a query of t terms whose lists hold postings
// P is searched densely on a view of n docs (more than 2^16) whose
// accumulators stay in a core's cache (at most midDenseMaxDocs), at any
// k, in a build without the vector kernels: there the windowed strategy
// loses the vector scans that make it win, while DenseMaxScore's fused
// adds are scalar in both builds. On 100k docs, portable, three
// alternated runs (docs/BENCHMARKS.md, round 15): queries paired slower
// than exhaustive, heavy / long mix, 6-8 / 8 -> 2-3 / 4-5 at top-10
// (means +7% / -3%), 29-33 / 30-32 -> 9 / 5-6 at top-100 (-9% / -15%),
// 38-46 / 60-92 -> 14-30 / 23-34 at top-1000 (-10% / -15%). With the
// vector kernels dense lost at top-10 (long mix: 164-228 of 500 slower
// than exhaustive) and tied at 100 and 1000, so that build keeps the
// windowed strategy.
func (p *Planner) midDense(n, postings int64, t int) bool {
	return !avx512 && p.DenseFrom >= 0 && n <= midDenseMaxDocs && t >= midDenseTerms && postings*5 >= n*2
}

// The views and queries midDense picks: up to 2^18 docs (1 MB of
// accumulators, within a core's 2 MB L2 here; measured on 100k and 200k
// docs) and 8 terms.
const (
	midDenseMaxDocs = 1 << 18
	midDenseTerms   = 8
)

// sparseSlope is the crossover's term that grows with the view's docs n:
// below * n, at most SparseSqrt * sqrt(n), both scaled up for the top k > 10
// of a query of t terms.
func (p *Planner) sparseSlope(below float64, n int64, k, t int) float64 {
	if math.IsInf(below, 1) {
		return below // always sparse
	}
	slope := below * float64(n)
	root := p.SparseSqrt
	if root == 0 {
		root = 125
	}
	if root > 0 {
		slope = min(slope, root*math.Sqrt(float64(n)))
	}
	return slope * p.kFactor(k, t)
}

// kFactor is the crossover's growth for the top k of a query of t terms
// (SparseKExp).
func (p *Planner) kFactor(k, t int) float64 {
	exp, terms := p.SparseKExp, p.SparseKTerms
	if exp == 0 {
		exp = 0.2
	}
	if terms <= 0 {
		terms = 40
	}
	if exp < 0 || k <= baseK {
		return 1
	}
	return 1 + (math.Pow(float64(k)/baseK, exp)-1)*max(0, 1-float64(t)/terms)
}

// planView is plan for the view c is on (setView): its deleted docs, the
// query's filter there and k.
func (p *Planner) planView(c *collector, l *segment.Layout, q []qterm) (Plan, Algorithm) {
	return p.plan(l, q, c.k(), c.live == nil && c.filter == nil, c.admitted, c.thr)
}

func (p *Planner) search(c *collector, l *segment.Layout, q []qterm) error {
	plan, a := p.planView(c, l, q)
	if l.NumDocs > 1<<sparseMaxBits {
		p.sparse.narrow = bits.OnesCount32(p.recent) < sparseWide
		p.recent <<= 1
		if plan == PlanSparse {
			p.recent |= 1
		}
	}
	if p.acc == nil {
		p.acc = new([1 << sparseMaxBits]int32)
		p.sparse.acc = p.acc
		p.dense.acc = p.acc[:]
		p.Windowed.win.share(p.acc[:])
		p.exhaustive.acc = p.acc[:]
	}
	return a.search(c, l, q)
}

// Plans returns the strategy the default planner picks for q's top k on
// each view, with filter as in Options.Filter (nil: none; the bench
// reports how often each is chosen). Views without any of q's terms, or
// that the filter leaves out, get "".
func Plans(views []segment.View, q sparse.Vector, k int, filter []*roaring.Bitmap) ([]Plan, error) {
	return new(Planner).plans(views, q, k, filter)
}

// plans is Plans for p's configuration: what search picks on each view
// (deleted docs included).
func (p *Planner) plans(views []segment.View, q sparse.Vector, k int, filter []*roaring.Bitmap) ([]Plan, error) {
	qt, qs, err := quantiseQuery(q, nil)
	if err != nil {
		return nil, err
	}
	c := newCollector()
	c.reset(k)
	out := make([]Plan, len(views))
	for v, view := range views {
		f, searched := viewFilter(filter, v)
		if view.Segment == nil || !searched {
			continue
		}
		l := view.Segment.Layout()
		if terms := c.setView(v, view.Live, f, l, qt, qs); len(terms) > 0 {
			c.primeView(l, terms)
			out[v], _ = p.planView(&c, l, terms)
		}
	}
	return out, nil
}
