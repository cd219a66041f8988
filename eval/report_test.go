package eval

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportJSONContract(t *testing.T) {
	r := &Report{Dataset: "scifact", Split: "test", System: "bm25", Queries: 2,
		Metrics: map[string]float64{"ndcg@10": 0.5, "recall@100": 0.75, "mrr@10": 0.25}, Seconds: 1.5}
	path := filepath.Join(t.TempDir(), "r.json")
	if err := WriteReportFile(path, r); err != nil {
		t.Fatal(err)
	}
	back, err := ReadReportFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Dataset != "scifact" || back.Metrics["recall@100"] != 0.75 || back.Seconds != 1.5 {
		t.Errorf("round trip: %+v", back)
	}
	b, _ := json.Marshal(r)
	var generic map[string]any
	json.Unmarshal(b, &generic)
	for _, k := range []string{"dataset", "split", "system", "queries", "metrics", "seconds"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("contract key %q missing from %s", k, b)
		}
	}
}

func TestMarkdownTable(t *testing.T) {
	rs := []*Report{
		{Dataset: "scifact", Split: "test", System: "sparse", Queries: 300, Metrics: map[string]float64{"ndcg@10": 0.7}, Seconds: 3},
		{Dataset: "cacm", Split: "test", System: "b|m", Queries: 52, Metrics: map[string]float64{"ndcg@10": 0.4, "mrr@10": 0.5}, Seconds: 1},
	}
	got := MarkdownTable(rs, []string{"ndcg@10", "mrr@10"})
	want := "| dataset | split | system | queries | ndcg@10 | mrr@10 | seconds |\n" +
		"|---|---|---|---:|---:|---:|---:|\n" +
		"| cacm | test | b\\|m | 52 | 0.4000 | 0.5000 | 1.0 |\n" +
		"| scifact | test | sparse | 300 | 0.7000 | – | 3.0 |\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if l := (&Report{System: "bm25", Params: map[string]string{"b": "2", "a": "1"}}).Label(); l != "bm25 (a=1,b=2)" {
		t.Errorf("Label = %q", l)
	}
	p := PivotTable(rs, "ndcg@10")
	if !strings.HasPrefix(p, "| ndcg@10 | cacm | scifact |\n|---|---:|---:|\n| b\\|m | 0.4000 | – |\n") {
		t.Errorf("pivot:\n%s", p)
	}
}
