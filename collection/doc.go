// Package collection owns one searchable Sparrow index directory and
// everything served from it: the durable sparse store (package index), the
// BM25 index (package lexical), the model that encodes documents, and the
// manifest that names it. searchd's HTTP API (package server), `indexer
// build` and the BEIR `sparse`/`hybrid` systems are thin adapters over it, so
// evaluation runs exactly what is served.
//
// On disk, a collection is a directory:
//
//	sparrow.json  manifest: {"format": 1, "model": "default" | model dir, ...}
//	sparse/       package index (Badger): documents, vectors, segments; the truth
//	bm25/         package lexical (bleve BM25) for the bm25 and hybrid modes
//	bm25.dirty    present while bm25/ may lag sparse/ (written durably before a
//	              write, removed on clean close); bm25/ is rebuilt from sparse/
//	              when it is present on open
//
// Create and Build make the directory under a temporary name next to it and
// rename it into place only when it is complete, so a crash never leaves a
// half-made collection where Open or a Catalog would find it.
//
// A Catalog is a set of named collections under one data directory (one
// sub-directory per collection), as searchd serves them.
package collection
