package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/distill/teachers"
	"github.com/sparrow-search/sparrow/eval"
)

// Every retrieving teacher of the registry is a BEIR system.
func TestEveryTeacherIsASystem(t *testing.T) {
	have := map[string]bool{}
	for _, s := range eval.Systems() {
		have[s] = true
	}
	for _, spec := range teachers.Specs() {
		if spec.Retrieves && !have["teacher-"+spec.Name] {
			t.Errorf("teacher %s has no system teacher-%s", spec.Name, spec.Name)
		}
	}
}

// The lexical teachers must be perfect on the vendored tiny dataset, as bm25 is.
func TestTeacherSystemsTiny(t *testing.T) {
	for _, args := range [][]string{
		{"--system", "teacher-bm25wp"},
		{"--system", "teacher-bm25porter"},
		{"--system", "teacher-bm25en"},
		{"--system", "teacher-bm25snow"},
		{"--system", "teacher-bm25word"},
		{"--system", "ensemble", "--param", "teachers=bm25wp,bm25porter", "--param", "weights=1,2"},
	} {
		t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
			t.Parallel()
			jsonPath := filepath.Join(t.TempDir(), "r.json")
			var out, errOut bytes.Buffer
			full := append([]string{"--data", "testdata/tiny", "--split", "test", "--json", jsonPath, "--quiet"}, args...)
			if code := run(full, &out, &errOut); code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
			}
			rep, err := eval.ReadReportFile(jsonPath)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Metrics["ndcg@10"] != 1 {
				t.Errorf("%v: ndcg@10 %v, want 1", args, rep.Metrics["ndcg@10"])
			}
		})
	}
}

func TestTeacherSystemErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--system", "teacher-ltr"}, "no --train-split"},
		{[]string{"--system", "teacher-ltr", "--train-split", "test"}, "never see test"},
		{[]string{"--system", "teacher-ltr", "--train-split", "train"}, "at least 5 training queries"},
		{[]string{"--system", "teacher-external"}, "scores=FILE"},
		{[]string{"--system", "ensemble", "--param", "teachers=bm25wp,nope"}, "unknown teacher"},
		{[]string{"--system", "ensemble", "--param", "weights=x"}, "bad weight"},
		// depth is checked before any teacher is built (the bad teacher would fail later)
		{[]string{"--system", "ensemble", "--param", "teachers=bm25wp,nope", "--param", "depth=0"}, "bad depth"},
		{[]string{"--system", "teacher-bm25wp", "--param", "ltr-trees=-1"}, "positive integer"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			full := append([]string{"--data", "testdata/tiny", "--split", "test", "--quiet"}, c.args...)
			if code := run(full, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), c.want) {
				t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errOut.String(), c.want)
			}
		})
	}
}
