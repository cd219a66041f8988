package eval

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/sparse"
)

// Hit is one retrieved document (the shared hit type of package sparse).
type Hit = sparse.Hit

// Run maps query id -> ranked hits. Evaluation re-sorts hits the way
// trec_eval does (score desc, then doc id desc), so the order given is advisory.
type Run map[string][]Hit

// Retriever is a system under evaluation. The runner calls Retrieve once per
// query, sequentially, unless the retriever also implements BatchRetriever.
// A Retriever that implements io.Closer is closed by the runner.
type Retriever interface {
	Retrieve(q dataset.Query, k int) ([]Hit, error)
}

// BatchRetriever is optional: systems that gain from seeing all queries at
// once (batched encoding, parallel search) implement it and the runner calls
// it instead of Retrieve.
type BatchRetriever interface {
	RetrieveAll(qs []dataset.Query, k int) (Run, error)
}

// SystemContext is what a system sees when it is opened. Dataset holds the
// corpus and the evaluation split's queries, never its qrels (Qrels is nil):
// judgments go only to the evaluator.
type SystemContext struct {
	Dataset    *dataset.Dataset
	ModelDir   string // --model; "" = the system's default
	TrainSplit string // --train-split; "" = none (unsupervised)
	Progress   io.Writer

	// Split is the evaluation split, so systems can refuse to train on it.
	Split string
	// Params holds system-specific settings from repeated --param key=value
	// flags (e.g. bm25's analyzer). Systems should reject keys they don't know.
	Params map[string]string
}

// Param returns Params[key], or def when it is absent.
func (c *SystemContext) Param(key, def string) string {
	if v, ok := c.Params[key]; ok {
		return v
	}
	return def
}

// CheckParams returns an error naming any key of Params not in known.
func (c *SystemContext) CheckParams(system string, known ...string) error {
	for k := range c.Params {
		ok := false
		for _, n := range known {
			ok = ok || n == k
		}
		if !ok {
			return fmt.Errorf("eval: system %s has no parameter %q (known: %s)", system, k, strings.Join(known, ", "))
		}
	}
	return nil
}

// LoadTrainQrels returns the qrels of ctx.TrainSplit, refusing the
// evaluation split. Systems must use this rather than reading files.
func (c *SystemContext) LoadTrainQrels() (dataset.Qrels, error) {
	if c.TrainSplit == "" {
		return nil, errors.New("eval: no --train-split given")
	}
	if c.TrainSplit == c.Split {
		return nil, fmt.Errorf("eval: train split %q is the evaluation split; refusing to train on it", c.TrainSplit)
	}
	if c.Dataset == nil || c.Dataset.Dir == "" {
		return nil, errors.New("eval: dataset directory unknown")
	}
	return dataset.LoadSplitQrels(c.Dataset.Dir, c.TrainSplit)
}

// LoadTrainQueries returns the train split's judged queries (see LoadTrainQrels).
func (c *SystemContext) LoadTrainQueries() ([]dataset.Query, dataset.Qrels, error) {
	qrels, err := c.LoadTrainQrels()
	if err != nil {
		return nil, nil, err
	}
	qs, err := dataset.LoadJudgedQueries(filepath.Join(c.Dataset.Dir, "queries.jsonl"), qrels)
	if err != nil {
		return nil, nil, err
	}
	return qs, qrels, nil
}

var (
	sysMu   sync.Mutex
	systems = map[string]func(ctx *SystemContext) (Retriever, error){}
)

// RegisterSystem makes a system available to the runner under name. It is
// meant for init functions; registering a name twice panics.
func RegisterSystem(name string, open func(ctx *SystemContext) (Retriever, error)) {
	sysMu.Lock()
	defer sysMu.Unlock()
	if name == "" || open == nil {
		panic("eval: RegisterSystem with empty name or nil open")
	}
	if _, dup := systems[name]; dup {
		panic("eval: system registered twice: " + name)
	}
	systems[name] = open
}

// Systems lists the registered system names, sorted.
func Systems() []string {
	sysMu.Lock()
	defer sysMu.Unlock()
	names := make([]string, 0, len(systems))
	for n := range systems {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// OpenSystem opens a registered system; an unknown name is an error that
// lists the registered ones.
func OpenSystem(name string, ctx *SystemContext) (Retriever, error) {
	sysMu.Lock()
	open, ok := systems[name]
	sysMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("eval: unknown system %q (registered: %s)", name, strings.Join(Systems(), ", "))
	}
	return open(ctx)
}
