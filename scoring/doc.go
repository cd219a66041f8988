// Package scoring answers top-k queries over posting segments. Every query
// algorithm lives in its own file and shares the Cursor interface:
//
//	exhaustive.go  term-at-a-time over every posting (the reference)
//	maxscore.go    document-at-a-time MaxScore
//	bmm.go         block-max MaxScore
//	bmw.go         block-max WAND
//	bmp.go         Block-Max Pruning over doc-id ranges (optional alpha: approximate)
//	taat.go        term-at-a-time MaxScore with a candidate set
//	wmaxscore.go   windowed block-max MaxScore (the default, DefaultAlgorithm)
//
// Scores are exact integers (quantised query weight times 8-bit impact), so
// all rank-safe algorithms return exactly the exhaustive top-k, ties
// included (score desc, then view, then doc asc). Hot loops have AVX-512
// kernels (kernel_simd.go, GOEXPERIMENT=simd) and a portable fallback
// (kernel_generic.go); the same tests run on both.
package scoring
