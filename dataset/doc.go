// Package dataset streams BEIR-format collections: corpus.jsonl,
// queries.jsonl and qrels/SPLIT.tsv, with errors that name file and line.
package dataset
