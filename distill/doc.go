// Package distill trains document encoders by heterogeneous ensemble knowledge
// distillation: teachers (BM25, dense, learning-to-rank, external score files)
// score candidate documents per query, scores are min-max normalised per query
// and averaged, and the student learns them with a KL loss plus an IDF-aware
// FLOPS regulariser.
package distill
