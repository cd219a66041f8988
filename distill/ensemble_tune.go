package distill

import (
	"fmt"
	"io"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill/teachers"
)

// DefaultWeightGrid is the per-teacher weight grid TuneWeights searches.
var DefaultWeightGrid = []float64{0, 0.25, 0.5, 1}

// TuneWeights chooses ensemble weights from grid^len(teachers) (all-zero
// excluded) maximising mean NDCG@10 over the judged queries. Pass train-split
// queries only: the result is a tuning decision. Candidates are the
// retrievers' top-K union without adding positives (as at test time);
// cross-fitted teachers (LTR) score their own training queries out of fold,
// so the estimate is honest. Ties keep the earlier grid point (equal weights
// are tried first).
func TuneWeights(corpus []dataset.Doc, queries []dataset.Query, qrels dataset.Qrels, ts []teachers.Teacher, grid []float64, opts ExampleOptions, log io.Writer) ([]float64, float64, error) {
	if len(grid) == 0 {
		grid = DefaultWeightGrid
	}
	opts.NoPositives = true
	opts.MinCands = 1
	exs, err := BuildExamples(corpus, queries, nil, ts, opts)
	if err != nil {
		return nil, 0, err
	}
	judged := 0
	for _, q := range queries {
		for _, r := range qrels[q.ID] {
			if r > 0 {
				judged++
				break
			}
		}
	}
	if judged == 0 {
		return nil, 0, fmt.Errorf("distill: TuneWeights: no judged queries")
	}
	eval := func(w []float64) float64 {
		var sum float64
		s := make([]float64, 0, 256)
		for _, e := range exs {
			s = s[:0]
			for i := range e.Cands {
				var x float64
				for t := range w {
					x += w[t] * float64(e.Teachers[t][i])
				}
				s = append(s, x)
			}
			sum += teachers.NDCG10(teachers.Rank(e.Cands, s, 10), qrels[e.QueryID], corpus)
		}
		return sum / float64(judged)
	}
	n := len(ts)
	best := make([]float64, n)
	for i := range best {
		best[i] = 1
	}
	bestScore := eval(best)
	if log != nil {
		fmt.Fprintf(log, "tune: equal weights: NDCG@10 %.4f on %d queries\n", bestScore, judged)
	}
	idx := make([]int, n)
	for {
		w := make([]float64, n)
		var sum float64
		for i, j := range idx {
			w[i] = grid[j]
			sum += w[i]
		}
		if sum > 0 {
			if s := eval(w); s > bestScore+1e-12 {
				best, bestScore = w, s
			}
		}
		i := 0
		for ; i < n; i++ {
			idx[i]++
			if idx[i] < len(grid) {
				break
			}
			idx[i] = 0
		}
		if i == n {
			break
		}
	}
	if log != nil {
		fmt.Fprintf(log, "tune: best weights %v: NDCG@10 %.4f\n", best, bestScore)
	}
	return best, bestScore, nil
}
