package eval

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/eval/metrics"
	"github.com/sparrow-search/sparrow/internal/progress"
)

// RunOptions configures RunSystem.
type RunOptions struct {
	System     string // registered system name
	ModelDir   string // passed to the system; "" = its default
	TrainSplit string // passed to the system; must differ from the evaluated split
	// K is the number of hits asked per query. Default 1000; values below 100
	// are raised to 100 so recall@100 and map@100 stay meaningful.
	K        int
	Progress io.Writer         // progress bars; nil = none
	Params   map[string]string // system parameters (SystemContext.Params)
}

// MinK is the smallest per-query depth RunSystem uses.
const MinK = 100

// RunSystem opens the system on ds (which must carry split's qrels), retrieves
// every judged query, and evaluates. The system sees the corpus and the
// queries only: its Dataset copy has nil Qrels, and a TrainSplit equal to the
// evaluated split is refused.
func RunSystem(ds *dataset.Dataset, split string, opts RunOptions) (*Report, Run, error) {
	if ds == nil || ds.Qrels == nil {
		return nil, nil, errors.New("eval: dataset has no qrels to evaluate against")
	}
	if opts.TrainSplit != "" && opts.TrainSplit == split {
		return nil, nil, fmt.Errorf("eval: --train-split %q is the evaluated split; a system must never see test judgments", split)
	}
	k := opts.K
	if k == 0 {
		k = 1000
	}
	if k < MinK {
		k = MinK
	}
	start := time.Now()
	blind := &dataset.Dataset{Name: ds.Name, Dir: ds.Dir, Corpus: ds.Corpus, Queries: ds.Queries}
	ctx := &SystemContext{Dataset: blind, ModelDir: opts.ModelDir, TrainSplit: opts.TrainSplit, Progress: opts.Progress, Split: split, Params: opts.Params}
	sys, err := OpenSystem(opts.System, ctx)
	if err != nil {
		return nil, nil, err
	}
	if c, ok := sys.(io.Closer); ok {
		defer c.Close()
	}
	opened := time.Now()

	run, err := retrieveAll(sys, ds.Queries, k, opts.Progress)
	if err != nil {
		return nil, nil, fmt.Errorf("eval: system %s: %w", opts.System, err)
	}
	searched := time.Now()

	rep := Evaluate(run, ds.Qrels)
	rep.Dataset, rep.Split, rep.System = ds.Name, split, opts.System
	rep.Model, rep.TrainSplit, rep.K = opts.ModelDir, opts.TrainSplit, k
	if len(opts.Params) > 0 {
		rep.Params = opts.Params
	}
	rep.OpenSeconds = opened.Sub(start).Seconds()
	rep.SearchSeconds = searched.Sub(opened).Seconds()
	rep.Seconds = time.Since(start).Seconds()
	return &rep, run, nil
}

func retrieveAll(sys Retriever, qs []dataset.Query, k int, w io.Writer) (Run, error) {
	if b, ok := sys.(BatchRetriever); ok {
		run, err := b.RetrieveAll(qs, k)
		if err != nil {
			return nil, err
		}
		for qid, hits := range run {
			run[qid] = metrics.NormalizeHits(hits, k)
		}
		return run, nil
	}
	bar := progress.New(w, len(qs), "queries", "queries")
	defer bar.Close()
	run := make(Run, len(qs))
	for _, q := range qs {
		hits, err := sys.Retrieve(q, k)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", q.ID, err)
		}
		run[q.ID] = metrics.NormalizeHits(hits, k)
		bar.Add(1)
	}
	bar.Finish()
	return run, nil
}
