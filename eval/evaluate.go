package eval

import (
	"sort"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/eval/metrics"
)

// Evaluate scores run against qrels. The evaluated queries are those of
// qrels with at least one relevant document (grade > 0); others are counted
// in Report.SkippedQueries. A judged query the run lacks scores 0 on every
// metric (trec_eval -c), so a system cannot gain by dropping hard queries;
// Report.MissingQueries counts them. Run queries without judgments are ignored.
// Only Queries, Metrics, PerQuery, SkippedQueries and MissingQueries are set.
func Evaluate(run Run, qrels dataset.Qrels) Report {
	rep := Report{Metrics: make(map[string]float64, len(metrics.Names)), PerQuery: make(map[string]map[string]float64)}
	qids := make([]string, 0, len(qrels))
	for qid := range qrels {
		qids = append(qids, qid)
	}
	sort.Strings(qids) // fixed summation order: identical means across runs
	for _, qid := range qids {
		hits, inRun := run[qid]
		m, ok := metrics.Query(hits, qrels[qid])
		if !ok {
			rep.SkippedQueries++
			continue
		}
		if !inRun {
			rep.MissingQueries++
		}
		rep.PerQuery[qid] = m
		for k, v := range m {
			rep.Metrics[k] += v
		}
	}
	rep.Queries = len(rep.PerQuery)
	if rep.Queries > 0 {
		for k := range rep.Metrics {
			rep.Metrics[k] /= float64(rep.Queries)
		}
	}
	return rep
}
