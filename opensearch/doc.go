// Package opensearch speaks the subset of OpenSearch's REST dialect that a
// neural-sparse user needs, over the same collection.Catalog that searchd's
// /v1 API serves (package server): an index made here is the same index
// under /v1/indexes/{index}, and the other way round. searchd serves it on
// its own listener (--opensearch-addr).
//
// What it answers: GET / (cluster info), index create/exists/get/delete with
// mappings (one rank_features field, up to two text fields that are encoded
// and searchable, keyword/numeric/boolean/date fields for filters), _bulk,
// the _doc/_create/_source document APIs, _count, _refresh, _mapping,
// search pipelines (the normalization processor), and _search with size,
// from, _source filtering and the queries neural_sparse (query_text,
// query_tokens), match, term, terms, ids, match_all, match_none,
// constant_score, bool and hybrid. Responses and errors have OpenSearch's
// JSON shapes ({"error": {"root_cause": [...], "type": ..., "reason": ...},
// "status": N}). docs/OPENSEARCH.md lists what is accepted and ignored and
// what is refused.
//
// Everything a document or query means is decided by package collection:
// query_text is tokenized and weighted by the index's own model
// (Collection.Search with Query.Text), so changes to query analysis reach
// this dialect unchanged. Write authorisation, read-only mode, limits and
// raw-path routing are package server's (server.Options and its exported
// helpers).
package opensearch
