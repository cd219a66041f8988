package scoring

import "github.com/sparrow-search/sparrow/index/segment"

// Algorithm is one query strategy (as PISA's algorithms: a self-contained
// type over the cursor concepts of cursor.go). A value owns its scratch
// space and keeps it from one query to the next, so it must not be shared
// between goroutines; give it to NewSearcher. Tuning constants are fields
// whose zero value is the measured default.
//
// The interface is sealed: the algorithms are this package's types
// (Exhaustive, MaxScore, BlockMaxMaxScore, BlockMaxWAND, BMP, TAAT,
// WMaxScore, SparseMaxScore, DenseMaxScore, Filtered, Planner).
type Algorithm interface {
	// Name is the algorithm's name in Options.Algorithm.
	Name() string
	// search offers to c every doc of l that may enter the top-k for the
	// terms q (present in l, weights quantised). It may rely on c.thr
	// being the smallest score that can still enter.
	search(c *collector, l *segment.Layout, q []qterm) error
}
