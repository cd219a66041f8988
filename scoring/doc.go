// Package scoring answers top-k queries over posting segments.
//
// Search(views, q, opts) is the entry point: it quantises the query, picks
// the named Algorithm and returns the hits. Each algorithm is a
// self-contained type that owns its scratch space and implements the one
// small Algorithm interface (algorithm.go) over the Cursor concepts of
// cursor.go; a Searcher runs one algorithm instance query after query, and
// Search keeps a free list of Searchers per algorithm name. One file per
// algorithm:
//
//	exhaustive.go  Exhaustive: term-at-a-time over every posting (the reference)
//	maxscore.go    MaxScore: document-at-a-time MaxScore
//	bmm.go         BlockMaxMaxScore: block-max MaxScore
//	bmw.go         BlockMaxWAND: block-max WAND
//	bmp.go         BMP: Block-Max Pruning over doc-id ranges (optional Alpha: approximate)
//	taat.go        TAAT: term-at-a-time MaxScore with a candidate set
//	wmaxscore.go   WMaxScore: windowed block-max MaxScore
//	sparse.go      SparseMaxScore: MaxScore over whole decoded lists in cache-sized windows
//	densemax.go    DenseMaxScore: MaxScore with an accumulator per doc, for small views
//	filtered.go    Filtered: document-at-a-time over the docs a filter admits
//	single.go      SingleTerm: one list alone, for queries of one term in a view (planner only)
//	planner.go     Planner: picks sparse, dense, windowed, filtered, single or exhaustive per query and view (DefaultAlgorithm)
//
// Tuning constants are fields of the algorithm types whose zero values are
// the measured defaults; nothing is a mutable package variable, so tests
// run configured instances in parallel.
//
// Scores are exact integers (quantised query weight times 8-bit impact), so
// all rank-safe algorithms return exactly the exhaustive top-k, ties
// included (score desc, then view, then doc asc). The k best hits are kept
// by a binary heap specialised to Hit, or for k >= 64 a buffer cut by
// counting its scores into buckets, and sorted at the end by buckets
// (hitheap.go; internal/topk's generic heap is its reference in the
// tests). Deleted docs and filters are tested
// only for docs offered to the top k, through a dense copy of the bitmap
// once that pays (collector.go). Hot loops have AVX-512 kernels (kernel_simd.go,
// GOEXPERIMENT=simd) and a portable fallback (kernel_generic.go); the same
// tests run on both.
package scoring
