// Package scoring answers top-k queries over posting segments. Every query
// algorithm lives in its own file and shares the Cursor interface: an
// exhaustive reference, MaxScore, block-max variants and Block-Max Pruning.
// All rank-safe algorithms return exactly the exhaustive top-k.
package scoring
