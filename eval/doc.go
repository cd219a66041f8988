// Package eval scores retrieval runs the way trec_eval does (NDCG@k, recall@k,
// MRR@10, MAP@100, P@10), reads and writes TREC run files, renders reports as
// JSON and markdown, and runs registered systems over BEIR datasets for the
// eval/beir command. Systems never see the judgments they are scored on.
package eval
