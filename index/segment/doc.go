// Package segment is the immutable posting-segment format: doc-id blocks,
// 8-bit quantised impacts, per-block maxima and the block-wise forward index
// used by Block-Max Pruning. Segments are built once and then only read.
package segment
