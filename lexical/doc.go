// Package lexical wraps bleve/v2 with its BM25 scoring model: Sparrow's
// lexical baseline, sparse teacher and hybrid-search partner.
//
// bleve's BM25 is not Lucene's (docs/RESULTS.md, "Baselines"): tf enters as
// sqrt(freq), idf is applied twice through query normalisation, disjunctions
// carry a coord factor, k1=1.2 and b=0.75 are process-global, and the
// "average document length" is the summed per-segment dictionary size over
// the document count. The last one means scores depend on the segment
// layout: an in-memory index (no merger) is deterministic for a given
// Options.BatchSize, while an on-disk index's scores can shift slightly as
// scorch merges segments in the background. Rankings measured on BEIR are
// on par with Pyserini's BM25 all the same.
package lexical
