package distill

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill/teachers"
	"github.com/sparrow-search/sparrow/internal/progress"
)

// Example is one distillation training query: its candidate documents and the
// ensemble's targets for them. MODEL's training loop consumes these.
type Example struct {
	QueryID, Query string
	// Cands are corpus indices (into the corpus slice given to BuildExamples),
	// ascending.
	Cands []int
	// Targets[i] is the target score of Cands[i]: weighted average of the
	// teachers' per-query min-max normalised scores, times Scale. Feed
	// softmax(Targets) to the KL loss.
	Targets []float32
	// Teachers[t][i] is teacher t's min-max normalised score of Cands[i] in
	// [0,1] (for ablations: Reweight recomputes Targets from these).
	Teachers [][]float32
	// Positives are corpus indices judged relevant (qrels score > 0) that are
	// in Cands (empty without qrels).
	Positives []int
	// Base[i], when set, is a fixed score added to the student's score of
	// Cands[i]: the word terms' part of the served score (words.Corpus),
	// which the student learns on top of (docs/RESULTS.md, "Words beside
	// WordPiece").
	Base []float32
}

// ExampleOptions configure BuildExamples. Zero values mean the defaults.
type ExampleOptions struct {
	// K is the per-retriever candidate depth: candidates are the union of each
	// retriever's top K (default 100).
	K int
	// Retrievers generate candidates; nil = every teacher that implements
	// teachers.Retriever.
	Retrievers []teachers.Retriever
	// Weights per teacher (nil = equal, as in the paper); normalised to sum 1.
	Weights []float64
	// Scale multiplies the averaged [0,1] scores (default 30, as the authors).
	Scale float64
	// NoPositives stops judged positives from being added to the candidates
	// (by default, with qrels, every positive is a candidate).
	NoPositives bool
	// MinCands drops queries with fewer candidates (default 2).
	MinCands int
	// Workers scoring queries in parallel (default GOMAXPROCS).
	Workers int
	// Progress, when set, receives a line every 100 queries.
	Progress io.Writer
}

func (o *ExampleOptions) defaults() {
	if o.K <= 0 {
		o.K = 100
	}
	if o.Scale == 0 {
		o.Scale = 30
	}
	if o.MinCands <= 0 {
		o.MinCands = 2
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
}

// BuildExamples scores candidates for every query with every teacher and
// aggregates them into targets. qrels may be nil (corpus-only pseudo-queries);
// when given, only its positives are used (as Positives and extra candidates),
// never for targets. The output order follows queries; queries with fewer
// than MinCands candidates are dropped. Deterministic for fixed inputs.
func BuildExamples(corpus []dataset.Doc, queries []dataset.Query, qrels dataset.Qrels, ts []teachers.Teacher, opts ExampleOptions) ([]Example, error) {
	opts.defaults()
	if len(ts) == 0 {
		return nil, fmt.Errorf("distill: BuildExamples needs at least one teacher")
	}
	weights, err := teachers.NormWeights(opts.Weights, len(ts))
	if err != nil {
		return nil, err
	}
	rs := opts.Retrievers
	if rs == nil {
		for _, t := range ts {
			if r, ok := t.(teachers.Retriever); ok {
				rs = append(rs, r)
			}
		}
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("distill: no retriever to generate candidates (no teacher implements Retriever)")
	}
	var index map[string]int
	if qrels != nil {
		index = make(map[string]int, len(corpus))
		for i, d := range corpus {
			index[d.ID] = i
		}
	}
	out := make([]*Example, len(queries))
	errs := make([]error, len(queries))
	var wg sync.WaitGroup
	next := make(chan int)
	bar := progress.New(opts.Progress, len(queries), "distill: teachers score candidates", "queries")
	defer bar.Close()
	for w := 0; w < opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = buildOne(queries[i], qrels, index, ts, weights, rs, opts)
				bar.Add(1)
			}
		}()
	}
	for i := range queries {
		next <- i
	}
	close(next)
	wg.Wait()
	bar.Finish()
	var exs []Example
	for i, e := range errs {
		if e != nil {
			return nil, fmt.Errorf("distill: query %s: %w", queries[i].ID, e)
		}
		if out[i] != nil {
			exs = append(exs, *out[i])
		}
	}
	return exs, nil
}

func buildOne(q dataset.Query, qrels dataset.Qrels, index map[string]int, ts []teachers.Teacher, weights []float64, rs []teachers.Retriever, opts ExampleOptions) (*Example, error) {
	if strings.TrimSpace(q.Text) == "" {
		return nil, nil
	}
	cands, err := teachers.Candidates(q, rs, opts.K)
	if err != nil {
		return nil, err
	}
	var pos []int
	if qrels != nil {
		for id, rel := range qrels[q.ID] {
			if rel <= 0 {
				continue
			}
			if d, ok := index[id]; ok {
				pos = append(pos, d)
			}
		}
		if !opts.NoPositives {
			cands = teachers.MergeCandidates(cands, pos)
		}
	}
	if len(cands) < opts.MinCands {
		return nil, nil
	}
	ex := &Example{QueryID: q.ID, Query: q.Text, Cands: cands, Teachers: make([][]float32, len(ts))}
	agg := make([]float64, len(cands))
	for t, th := range ts {
		s, err := th.Score(q, cands)
		if err != nil {
			return nil, fmt.Errorf("teacher %s: %w", th.Name(), err)
		}
		if len(s) != len(cands) {
			return nil, fmt.Errorf("teacher %s returned %d scores for %d candidates", th.Name(), len(s), len(cands))
		}
		n, err := teachers.Normalize(s)
		if err != nil {
			return nil, fmt.Errorf("teacher %s: %w", th.Name(), err)
		}
		ex.Teachers[t] = make([]float32, len(n))
		for i, x := range n {
			ex.Teachers[t][i] = float32(x)
			agg[i] += weights[t] * x
		}
	}
	ex.Targets = make([]float32, len(cands))
	for i, x := range agg {
		ex.Targets[i] = float32(x * opts.Scale)
	}
	inCands := make(map[int]bool, len(cands))
	for _, c := range cands {
		inCands[c] = true
	}
	for _, d := range slices.Sorted(slices.Values(pos)) {
		if inCands[d] {
			ex.Positives = append(ex.Positives, d)
		}
	}
	return ex, nil
}

// Reweight recomputes Targets from the per-teacher scores with new weights
// (nil = equal) and scale (0 = 30), e.g. to distil from one teacher only.
func (e *Example) Reweight(weights []float64, scale float64) error {
	w, err := teachers.NormWeights(weights, len(e.Teachers))
	if err != nil {
		return err
	}
	if scale == 0 {
		scale = 30
	}
	for i := range e.Targets {
		var s float64
		for t := range e.Teachers {
			s += w[t] * float64(e.Teachers[t][i])
		}
		e.Targets[i] = float32(s * scale)
	}
	return nil
}

// LoadTrainingSplit loads a dataset split's judged queries and qrels for
// training, refusing any test split (the name "test" or containing "test",
// case-insensitively): distillation must never see test judgments.
func LoadTrainingSplit(dir, split string) ([]dataset.Query, dataset.Qrels, error) {
	if split == "" {
		return nil, nil, fmt.Errorf("distill: no training split named")
	}
	if strings.Contains(strings.ToLower(split), "test") {
		return nil, nil, fmt.Errorf("distill: refusing to train on split %q: test judgments are for evaluation only", split)
	}
	qrels, err := dataset.LoadQrels(filepath.Join(dir, "qrels", split+".tsv"))
	if err != nil {
		return nil, nil, err
	}
	qs, err := dataset.LoadJudgedQueries(filepath.Join(dir, "queries.jsonl"), qrels)
	if err != nil {
		return nil, nil, err
	}
	return qs, qrels, nil
}
