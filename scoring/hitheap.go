package scoring

import (
	"math"
	"math/bits"
	"slices"
)

// hitHeap keeps the k best hits offered since the last reset, under worse.
// It is internal/topk.Heap specialised to Hit (there the order is a func
// value, called indirectly at every step of a sift and of the final sort;
// here worse is inlined), and for large k it buffers instead of sifting:
// at k = 1000 the heap's sifts and its final sort were two thirds of a
// light query's time (docs/BENCHMARKS.md). topk.Heap is its reference in
// the tests.
//
// Small k (below bufferFromK) is a bounded binary min-heap whose root is
// the worst hit kept: the admission bound rises with every kept hit,
// which the pruning algorithms use at once. Larger k appends the admitted
// hits to a buffer of up to 2k and, when it fills, cuts it to its k best
// and a few more (compact): O(1) per hit amortised; the bound is at most
// the k-th best at the last cut (first set when k hits have arrived),
// never above the true k-th best, so pruning stays rank-safe, only a
// little later.
type hitHeap struct {
	k      int
	h      []Hit // the heap (small k), or the buffer (large k)
	kth    Hit   // large k: the admission bound (valid once full)
	filled bool  // large k: k hits have arrived
	keys   []uint64
	counts *[1 << compactBits]uint32 // compact's scratch
}

// bufferFromK is the least k that buffers. On the 1M mixes (planner,
// SIMD, docs/BENCHMARKS.md) buffering at k = 1000 cut the heavy mix's mean
// 827 -> 698 µs and the light's 321 -> 196 (round 11, a quickselect then);
// at k = 100, with compact, it cut light, uniform and the two-to-three-term
// mix by 6-12% and exhaustive by 20-35%, heavy and long within the noise
// (±2%; round 22: they prune by the bound, which the heap raises at every
// hit); at k = 30 and 50 it cost heavy 3-4%.
const bufferFromK = 64

func (t *hitHeap) reset(k int) {
	t.k = max(k, 0)
	limit := t.k
	if t.buffered() {
		limit = 2 * t.k
	}
	if cap(t.h) < limit {
		t.h = make([]Hit, 0, min(limit, 1<<17))
	}
	t.h = t.h[:0]
	t.filled = false
}

func (t *hitHeap) buffered() bool { return t.k >= bufferFromK }

// full reports whether k hits have arrived: from then on worst is a lower
// bound of the final k-th best hit.
func (t *hitHeap) full() bool {
	if t.buffered() {
		return t.filled
	}
	return len(t.h) >= t.k
}

// worst is the admission bound: a hit enters only if worst is worse than
// it (the zero Hit before the heap is full).
func (t *hitHeap) worst() Hit {
	switch {
	case t.buffered():
		if !t.filled {
			return Hit{}
		}
		return t.kth
	case len(t.h) == 0:
		return Hit{}
	}
	return t.h[0]
}

// push offers x and reports whether worst may have changed.
func (t *hitHeap) push(x Hit) bool {
	if t.buffered() {
		return t.pushBuffered(x)
	}
	h := t.h
	if len(h) < t.k {
		h = append(h, x)
		t.h = h
		for i := len(h) - 1; i > 0; { // sift up
			p := (i - 1) / 2
			if !worse(h[i], h[p]) {
				break
			}
			h[i], h[p] = h[p], h[i]
			i = p
		}
		return true
	}
	if len(h) == 0 || !worse(h[0], x) {
		return false
	}
	siftDownFrom(h, x)
	return true
}

func (t *hitHeap) pushBuffered(x Hit) bool {
	if t.filled && !worse(t.kth, x) {
		return false
	}
	t.h = append(t.h, x)
	switch n := len(t.h); {
	case n >= 2*t.k:
		t.compact()
		return true
	case n == t.k && !t.filled:
		// The first k hits: the worst of them is the first bound.
		t.filled = true
		t.kth = t.h[0]
		for _, y := range t.h[1:] {
			if worse(y, t.kth) {
				t.kth = y
			}
		}
		return true
	}
	return false
}

// compact cuts a full buffer to at least its k best hits and raises the
// admission bound to at most the k-th best of them, by the score bits of
// positive scores (they order as the scores): one pass for their range,
// one counting them into up to 2^compactBits buckets, then every hit of
// the buckets from the best down to the one that holds the k-th best is
// kept, and the bound is the worst hit that bucket could hold. Up to the
// bucket's size more than k hits stay, the bound a little below the k-th
// best, where a quickselect (selectBest) finds both exactly but whose
// comparisons of hits are mispredicted branches: it was a quarter of a
// top-1000 light query (docs/BENCHMARKS.md, round 22). Where more than
// 1.5k hits would stay (ties in that bucket; the buffer must free k/2
// places for the cost per hit to stay O(1)) or a score is not positive,
// selectBest.
func (t *hitHeap) compact() {
	h, k := t.h, t.k
	lo, hi := uint32(math.MaxUint32), uint32(0)
	positive := true
	for _, x := range h {
		b := math.Float32bits(x.Score)
		positive = positive && x.Score > 0
		lo, hi = min(lo, b), max(hi, b)
	}
	if positive {
		shift := bucketShift(uint64(hi-lo), len(h), compactBits)
		top := int((hi - lo) >> shift)
		if t.counts == nil {
			t.counts = new([1 << compactBits]uint32)
		}
		counts := t.counts
		clear(counts[:top+1])
		for _, x := range h {
			counts[(math.Float32bits(x.Score)-lo)>>shift]++
		}
		// The buckets from the best down to the k-th best's, b; b = 0
		// (the worst bucket needed too) keeps everything: selectBest.
		kept, b := 0, top
		for ; b > 0; b-- {
			if kept += int(counts[b]); kept >= k {
				break
			}
		}
		if b > 0 && kept <= k+k/2 {
			edge := lo + uint32(b)<<shift
			j := 0
			for _, x := range h {
				h[j] = x
				if math.Float32bits(x.Score) >= edge {
					j++
				}
			}
			t.h = h[:j]
			// Above the last bound (b > 0: edge > lo, and every hit
			// buffered passed it): the strategies prune by it, so it
			// never falls.
			t.kth = Hit{View: math.MaxInt, Doc: math.MaxUint32, Score: math.Float32frombits(edge)}
			return
		}
	}
	selectBest(h, k)
	t.h = h[:k]
	t.kth = h[k-1]
}

// compactBits bounds compact's buckets: 2^10, about two hits per bucket
// in a full buffer at k = 1000 (one to two at smaller k).
const compactBits = 10

// siftDownFrom replaces the root of min-heap h by x (Floyd's bottom-up
// way: the hole goes down to a leaf along the worse children, one
// comparison per level, then x rises from there; x usually belongs near
// the leaves).
func siftDownFrom(h []Hit, x Hit) {
	n := len(h)
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && worse(h[c+1], h[c]) {
			c++
		}
		h[i] = h[c]
		i = c
	}
	for i > 0 {
		p := (i - 1) / 2
		if !worse(x, h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = x
}

// selectBest reorders h so that h[:k] holds its k best hits with the
// worst of them at h[k-1] (quickselect, Hoare partition around a median
// of three; after 64 rounds, which random scores never need, the rest is
// sorted instead).
func selectBest(h []Hit, k int) {
	if k <= 0 || k >= len(h) {
		if k == len(h) && k > 0 {
			moveWorstLast(h)
		}
		return
	}
	lo, hi, target := 0, len(h)-1, k-1
	for round := 0; lo < hi; round++ {
		if round == 64 {
			slices.SortFunc(h[lo:hi+1], cmpHits)
			return
		}
		mid := lo + (hi-lo)/2
		// Median of three: h[lo] best, h[hi] worst, pivot h[mid].
		if worse(h[lo], h[mid]) {
			h[lo], h[mid] = h[mid], h[lo]
		}
		if worse(h[mid], h[hi]) {
			h[mid], h[hi] = h[hi], h[mid]
			if worse(h[lo], h[mid]) {
				h[lo], h[mid] = h[mid], h[lo]
			}
		}
		p := h[mid]
		i, j := lo, hi
		for i <= j {
			for worse(p, h[i]) { // h[i] better than the pivot
				i++
			}
			for worse(h[j], p) {
				j--
			}
			if i <= j {
				h[i], h[j] = h[j], h[i]
				i++
				j--
			}
		}
		switch {
		case target <= j:
			hi = j
		case target >= i:
			lo = i
		default:
			return // h[j+1 : i] equal the pivot and hold the target
		}
	}
}

// moveWorstLast swaps the worst hit of h into its last place.
func moveWorstLast(h []Hit) {
	w := len(h) - 1
	for i := range h[:len(h)-1] {
		if worse(h[i], h[w]) {
			w = i
		}
	}
	h[w], h[len(h)-1] = h[len(h)-1], h[w]
}

// cmpHits orders hits best first.
func cmpHits(a, b Hit) int {
	switch {
	case worse(a, b):
		return 1
	case worse(b, a):
		return -1
	}
	return 0
}

// sorted returns the kept hits in a new slice, best first. The kept set
// is unchanged (a buffer is cut to its k best).
func (t *hitHeap) sorted() []Hit {
	out := make([]Hit, min(len(t.h), t.k))
	t.keys = sortHits(out, t.h, t.keys)
	if len(t.h) > len(out) { // a buffer keeps its k best: out's
		t.h = t.h[:len(out)]
		copy(t.h, out)
	}
	return out
}

// sortHits writes the len(dst) best hits of src (at least as many) into
// dst, best first. Hits of one view with positive scores (every search's,
// unless it spans views) are sorted as packed integer keys, score bits
// then doc, whose comparisons are inlined: positive floats order as their
// bits; the keys are made from src and written to dst once sorted, so dst
// is written once (a copy of the hits first, then the sorted hits over
// it, was 15% of a top-1000 query of 1,300 postings; docs/BENCHMARKS.md,
// round 21). A buffer of more than k hits is not selected first: the
// bucket sort sorts only the buckets that hold the k best (a quickselect
// of the hits, whose comparisons are mispredicted branches, was a third
// of a top-1000 query of 1-2k postings; round 22). keys is scratch,
// returned for reuse.
func sortHits(dst, src []Hit, keys []uint64) []uint64 {
	packed := len(src) >= 2
	for _, x := range src {
		if x.View != src[0].View || !(x.Score > 0) {
			packed = false
			break
		}
	}
	if !packed {
		if len(dst) < len(src) {
			selectBest(src, len(dst))
		}
		copy(dst, src)
		slices.SortFunc(dst, cmpHits)
		return keys
	}
	n := len(src)
	keys = slices.Grow(keys[:0], 2*n)[:2*n]
	a, b := keys[:n], keys[n:]
	for i, x := range src {
		a[i] = uint64(^math.Float32bits(x.Score))<<32 | uint64(x.Doc)
	}
	if n < bucketFrom {
		slices.Sort(a)
	} else {
		a = bucketSort(a, b, len(dst))
	}
	v := src[0].View
	for i, key := range a[:len(dst)] {
		dst[i] = Hit{View: v, Doc: uint32(key), Score: math.Float32frombits(^uint32(key >> 32))}
	}
	return keys
}

// bucketFrom is the least number of hits sorted by bucketSort rather than
// pdqsort (slices.Sort), whose comparisons of random keys are mispredicted
// branches. Per sort of a top-k's keys (64 different sets in turn, so that
// no branch history is learnt), this machine: 1,000 keys 13-15 µs against
// 49-52, 128 1.7 against 4.2-4.8, 64 0.8 against 1.2-1.6 (round 21, an
// Intel Xeon). But fewer than bufferFromK hits come from the binary heap,
// in heap order, which pdqsort's branches predict: when the heap held up
// to 255 hits, at k = 100 the bucket sort cost 3% more on a mix of
// two-term queries (1M docs; 140 of 200 slower), so it starts where the
// heap gives way to the buffer. docs/BENCHMARKS.md, rounds 21 and 22.
const bucketFrom = bufferFromK

// bucketSort sorts the k least keys of a ascending, using b (as long as
// a) as scratch, and returns the keys with those k first, sorted (a or
// b; the rest in buckets, unsorted): one counting pass distributes the keys
// into n to 2n buckets (at most 4,096) by their bits above the smallest key
// (each bucket spans an equal share of [min, max]; n/4 to 4n buckets were
// within 10% of one another), then each bucket is sorted alone,
// by insertion when it holds a few keys, else by radixSort (a skewed set
// can put many keys in one bucket; radixSort's passes bound the cost).
// Against radixSort alone, whose 5-6 passes of a byte (score bytes and
// doc bytes) each scatter every key: 17 against 27 µs for 1,000 keys of
// top-1000 hits, 4.8 against 6.2-8.2 for 300, on this machine
// (docs/BENCHMARKS.md, round 21).
func bucketSort(a, b []uint64, k int) []uint64 {
	n := len(a)
	lo, hi := a[0], a[0]
	for _, x := range a {
		lo = min(lo, x)
		hi = max(hi, x)
	}
	const maxBits = 12
	var ends [1<<maxBits + 1]uint32
	shift := bucketShift(hi-lo, n, maxBits)
	buckets := int((hi-lo)>>shift) + 1
	for _, x := range a {
		ends[(x-lo)>>shift+1]++
	}
	for i := 1; i <= buckets; i++ {
		ends[i] += ends[i-1]
	}
	// ends[j] is bucket j's next free place, and once filled its end.
	for _, x := range a {
		j := (x - lo) >> shift
		b[ends[j]] = x
		ends[j]++
	}
	start := uint32(0)
	for _, end := range ends[:buckets] {
		if int(start) >= k {
			break
		}
		switch s := b[start:end]; {
		case len(s) > bucketInsertMax:
			if sorted := radixSort(s, a[start:end]); &sorted[0] != &s[0] {
				copy(s, sorted)
			}
		case len(s) > 1:
			for k := 1; k < len(s); k++ {
				x := s[k]
				m := k
				for ; m > 0 && s[m-1] > x; m-- {
					s[m] = s[m-1]
				}
				s[m] = x
			}
		}
		start = end
	}
	return b
}

// bucketShift is the shift that spreads keys over [lo, lo+span] into about
// one bucket per key of n, at most 2^maxBits buckets (bucketSort,
// compact): bucket (x - lo) >> shift.
func bucketShift(span uint64, n, maxBits int) uint {
	return uint(max(0, bits.Len64(span)-min(bits.Len(uint(n)), maxBits)))
}

// bucketInsertMax is the most keys of a bucket sorted by insertion.
const bucketInsertMax = 16

// radixSort sorts a ascending by LSD radix sort, a byte per pass, using b
// (as long as a) as scratch, and returns the sorted slice (a or b). Only
// the bytes that differ between keys get a pass (and a histogram): the
// doc ids' high bytes and the scores' exponent bytes usually do not.
func radixSort(a, b []uint64) []uint64 {
	and, or := ^uint64(0), uint64(0)
	for _, x := range a {
		and &= x
		or |= x
	}
	var shifts [8]uint8
	passes := 0
	for d := range 8 {
		if byte((and^or)>>(8*d)) != 0 {
			shifts[passes] = uint8(8 * d)
			passes++
		}
	}
	var counts [8][256]uint32
	for _, x := range a {
		for p, s := range shifts[:passes] {
			counts[p][byte(x>>s)]++
		}
	}
	for p, s := range shifts[:passes] {
		c := &counts[p]
		var pos uint32
		for i, n := range c {
			c[i] = pos
			pos += n
		}
		for _, x := range a {
			j := byte(x >> s)
			b[c[j]] = x
			c[j]++
		}
		a, b = b, a
	}
	return a
}
