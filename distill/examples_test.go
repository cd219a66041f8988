package distill

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill/teachers"
)

var tinyCorpus = []dataset.Doc{
	{ID: "d0", Title: "Sparse retrieval", Text: "Learned sparse retrieval uses an inverted index of tokens."},
	{ID: "d1", Title: "Dense retrieval", Text: "Dense retrieval embeds queries and documents as vectors."},
	{ID: "d2", Title: "Cooking pasta", Text: "Boil water, add salt and cook the pasta for ten minutes."},
	{ID: "d3", Title: "BM25", Text: "BM25 ranks documents by term frequency and inverse document frequency of query tokens."},
	{ID: "d4", Title: "Gardening", Text: "Tomatoes need sun, water and well drained soil."},
}

func tinyBM25(t *testing.T, analyzer string) *teachers.BM25 {
	t.Helper()
	m, err := teachers.NewBM25(tinyCorpus, teachers.BM25Options{Analyzer: analyzer})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBuildExamples(t *testing.T) {
	a, b := tinyBM25(t, teachers.AnalyzerWord), tinyBM25(t, teachers.AnalyzerPorter)
	qs := []dataset.Query{
		{ID: "q1", Text: "sparse retrieval tokens"},
		{ID: "q2", Text: "pasta"},
		{ID: "q3", Text: "zzzz"}, // no candidates: dropped
	}
	qrels := dataset.Qrels{"q1": {"d0": 1, "d3": 1, "missing": 1}, "q2": {"d4": 1, "d2": 0}}
	exs, err := BuildExamples(tinyCorpus, qs, qrels, []teachers.Teacher{a, b}, ExampleOptions{K: 2, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != 2 || exs[0].QueryID != "q1" || exs[1].QueryID != "q2" {
		t.Fatalf("examples %+v", exs)
	}
	e := exs[0]
	if !reflect.DeepEqual(e.Positives, []int{0, 3}) {
		t.Errorf("q1 positives %v", e.Positives)
	}
	for i := 1; i < len(e.Cands); i++ {
		if e.Cands[i] <= e.Cands[i-1] {
			t.Errorf("cands not ascending: %v", e.Cands)
		}
	}
	var hi float32
	for i, x := range e.Targets {
		if x < 0 || x > 30 {
			t.Errorf("target %v out of [0,30]", x)
		}
		hi = max(hi, x)
		want := 15 * (e.Teachers[0][i] + e.Teachers[1][i])
		if math.Abs(float64(x-want)) > 1e-4 {
			t.Errorf("target %d = %v, want %v", i, x, want)
		}
	}
	if hi != 30 { // both teachers agree on the best candidate here (d0)
		t.Errorf("max target %v, want 30", hi)
	}
	// q2: positive d4 was added although only d2 matches "pasta".
	if !reflect.DeepEqual(exs[1].Cands, []int{2, 4}) || !reflect.DeepEqual(exs[1].Positives, []int{4}) {
		t.Errorf("q2 cands %v positives %v", exs[1].Cands, exs[1].Positives)
	}
	again, _ := BuildExamples(tinyCorpus, qs, qrels, []teachers.Teacher{a, b}, ExampleOptions{K: 2, Workers: 1})
	if !reflect.DeepEqual(again, exs) {
		t.Error("BuildExamples not deterministic across worker counts")
	}
	if err := e.Reweight([]float64{1, 0}, 10); err != nil {
		t.Fatal(err)
	}
	for i, x := range e.Targets {
		if math.Abs(float64(x-10*e.Teachers[0][i])) > 1e-5 {
			t.Errorf("reweighted target %v", x)
		}
	}
	if _, err := BuildExamples(tinyCorpus, qs, nil, nil, ExampleOptions{}); err == nil {
		t.Error("no teachers accepted")
	}
}

func TestLoadTrainingSplitRefusesTest(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "qrels"), 0o755)
	os.WriteFile(filepath.Join(dir, "queries.jsonl"), []byte(`{"_id":"q1","text":"a"}`+"\n"+`{"_id":"q2","text":"b"}`+"\n"), 0o644)
	for _, s := range []string{"train", "test"} {
		os.WriteFile(filepath.Join(dir, "qrels", s+".tsv"), []byte("query-id\tcorpus-id\tscore\nq1\td1\t1\n"), 0o644)
	}
	qs, qrels, err := LoadTrainingSplit(dir, "train")
	if err != nil || len(qs) != 1 || qs[0].ID != "q1" || qrels["q1"]["d1"] != 1 {
		t.Fatalf("train: %v %v %v", qs, qrels, err)
	}
	for _, s := range []string{"test", "TEST", "test-b", ""} {
		t.Run(s, func(t *testing.T) {
			t.Parallel()
			if _, _, err := LoadTrainingSplit(dir, s); err == nil {
				t.Errorf("split %q accepted", s)
			}
		})
	}
}
