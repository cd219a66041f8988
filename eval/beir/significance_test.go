package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompareMain(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "qrels"), 0o755)
	os.WriteFile(filepath.Join(dir, "qrels", "test.tsv"), []byte("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n"), 0o644)
	a := filepath.Join(dir, "a.run")
	b := filepath.Join(dir, "b.run")
	os.WriteFile(a, []byte("q1 Q0 d9 1 2 a\nq1 Q0 d1 2 1 a\nq2 Q0 d2 1 1 a\n"), 0o644)
	os.WriteFile(b, []byte("q1 Q0 d1 1 2 b\nq2 Q0 d2 1 1 b\n"), 0o644)
	var out, errb bytes.Buffer
	if rc := run([]string{"--compare", "--data", dir, "--resamples", "200", a, b}, &out, &errb); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	// q1: ndcg@10 1/log2(3)=0.6309 for A vs 1 for B; q2 equal. diff = (1-0.6309)/2.
	if !strings.Contains(out.String(), "diff +0.1845") {
		t.Errorf("output %q", out.String())
	}
	out.Reset()
	if rc := run([]string{"--compare", a, b}, &out, &errb); rc != 1 || !strings.Contains(errb.String(), "need --data") {
		t.Errorf("run without --data: rc %d, %q", rc, errb.String())
	}
	if rc := run([]string{"--compare", a}, &out, &errb); rc != 2 {
		t.Errorf("one file: rc %d", rc)
	}
}

// The --json comparison must be valid JSON whatever the input file names
// (Go's %q escapes such as \x7f are not JSON).
func TestCompareJSON(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "qrels"), 0o755)
	os.WriteFile(filepath.Join(dir, "qrels", "test.tsv"), []byte("q1\td1\t1\nq2\td2\t1\n"), 0o644)
	a := filepath.Join(dir, "a\x7f.run")
	b := filepath.Join(dir, "b.run")
	os.WriteFile(a, []byte("q1 Q0 d9 1 2 a\nq1 Q0 d1 2 1 a\nq2 Q0 d2 1 1 a\n"), 0o644)
	os.WriteFile(b, []byte("q1 Q0 d1 1 2 b\nq2 Q0 d2 1 1 b\n"), 0o644)
	out := filepath.Join(dir, "c.json")
	var stdout, stderr bytes.Buffer
	if rc := run([]string{"--compare", "--data", dir, "--resamples", "200", "--json", out, a, b}, &stdout, &stderr); rc != 0 {
		t.Fatalf("rc %d: %s", rc, stderr.String())
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		A, B    string
		Queries int
		Diff    float64
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("invalid JSON %q: %v", raw, err)
	}
	if got.A != a || got.B != b || got.Queries != 2 || got.Diff < 0.1845 || got.Diff > 0.1846 {
		t.Errorf("got %+v from %s", got, raw)
	}
}
