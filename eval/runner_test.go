package eval

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
)

// peekSystem records what the runner showed it and returns the judged docs
// it was (wrongly) able to see, if any.
type peekSystem struct {
	ctx    *SystemContext
	closed bool
}

var lastPeek *peekSystem

func (p *peekSystem) Retrieve(q dataset.Query, k int) ([]Hit, error) {
	if q.ID == "boom" {
		return nil, errors.New("boom")
	}
	// One more hit than asked for: the runner must cut to k.
	hits := make([]Hit, 0, k+1)
	for i := 0; i <= k; i++ {
		hits = append(hits, Hit{ID: fmt.Sprintf("x%s-%d", q.ID, i), Score: float64(-i)})
	}
	hits[0] = Hit{ID: "d" + q.ID, Score: 1}
	// A repeated doc and an out-of-order hit: the runner normalises both.
	hits = append(hits, Hit{ID: "d" + q.ID, Score: 0.5}, Hit{ID: "late", Score: 2})
	return hits, nil
}

func (p *peekSystem) Close() error { p.closed = true; return nil }

func init() {
	RegisterSystem("test-peek", func(ctx *SystemContext) (Retriever, error) {
		lastPeek = &peekSystem{ctx: ctx}
		return lastPeek, nil
	})
}

func testDataset() *dataset.Dataset {
	return &dataset.Dataset{
		Name: "t", Dir: "testdata",
		Corpus:  []dataset.Doc{{ID: "d1"}, {ID: "d2"}},
		Queries: []dataset.Query{{ID: "1", Text: "a"}, {ID: "2", Text: "b"}},
		Qrels:   dataset.Qrels{"1": {"d1": 1}, "2": {"d1": 1}},
	}
}

func TestRunSystemHidesQrels(t *testing.T) {
	rep, run, err := RunSystem(testDataset(), "test", RunOptions{System: "test-peek", K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if lastPeek.ctx.Dataset.Qrels != nil {
		t.Error("system saw the qrels")
	}
	if len(lastPeek.ctx.Dataset.Queries) != 2 || lastPeek.ctx.Split != "test" {
		t.Errorf("context: %+v", lastPeek.ctx)
	}
	if !lastPeek.closed {
		t.Error("system not closed")
	}
	if rep.K != MinK || len(run["1"]) != MinK {
		t.Errorf("k = %d, %d hits; want %d", rep.K, len(run["1"]), MinK)
	}
	if run["1"][0].ID != "late" || run["1"][1].ID != "d1" {
		t.Errorf("run not in trec order: %v", run["1"][:3])
	}
	n := 0
	for _, h := range run["1"] {
		if h.ID == "d1" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("d1 appears %d times", n)
	}
	// q1 finds d1 at rank 2, q2 does not find it.
	if rep.Queries != 2 || rep.Metrics["mrr@10"] != 0.25 || rep.System != "test-peek" || rep.Dataset != "t" {
		t.Errorf("report: %+v", rep)
	}
	if _, err := lastPeek.ctx.LoadTrainQrels(); err == nil {
		t.Error("LoadTrainQrels without a train split succeeded")
	}
}

func TestRunSystemProgress(t *testing.T) {
	var buf bytes.Buffer
	if _, _, err := RunSystem(testDataset(), "test", RunOptions{System: "test-peek", Progress: &buf}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "queries") || !strings.Contains(buf.String(), "done, 2 queries") {
		t.Errorf("progress: %q", buf.String())
	}
}

func TestRunSystemRefusals(t *testing.T) {
	ds := testDataset()
	if _, _, err := RunSystem(ds, "test", RunOptions{System: "test-peek", TrainSplit: "test"}); err == nil ||
		!strings.Contains(err.Error(), "never see test judgments") {
		t.Errorf("train split = eval split: err = %v", err)
	}
	_, _, err := RunSystem(ds, "test", RunOptions{System: "nope"})
	if err == nil || !strings.Contains(err.Error(), `unknown system "nope"`) || !strings.Contains(err.Error(), "test-peek") {
		t.Errorf("unknown system: err = %v", err)
	}
	ds.Queries = append(ds.Queries, dataset.Query{ID: "boom"})
	if _, _, err := RunSystem(ds, "test", RunOptions{System: "test-peek"}); err == nil || !strings.Contains(err.Error(), "query boom") {
		t.Errorf("retrieve error: %v", err)
	}
	ctx := &SystemContext{Dataset: ds, TrainSplit: "test", Split: "test"}
	if _, err := ctx.LoadTrainQrels(); err == nil {
		t.Error("LoadTrainQrels returned the evaluation split")
	}
	ctx = &SystemContext{Dataset: ds, TrainSplit: "../train", Split: "test"}
	if _, err := ctx.LoadTrainQrels(); err == nil || !strings.Contains(err.Error(), "invalid split name") {
		t.Errorf("train split with a path separator: %v", err)
	}
}

func TestParams(t *testing.T) {
	ctx := &SystemContext{Params: map[string]string{"a": "1"}}
	if ctx.Param("a", "x") != "1" || ctx.Param("b", "x") != "x" {
		t.Error("Param")
	}
	if err := ctx.CheckParams("s", "a"); err != nil {
		t.Error(err)
	}
	if err := ctx.CheckParams("s", "b"); err == nil || !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("unknown param: %v", err)
	}
}
