package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/internal/testenv"
)

// TestVerifyCommand: a fresh index verifies OK; a flipped byte in the
// sparse store's value log and one in a bm25 segment are both listed, and
// the command fails.
func TestVerifyCommand(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dir := filepath.Join(t.TempDir(), "ix")
	var out, errb bytes.Buffer
	if code := dispatch([]string{"build", "--corpus", filepath.Join(root, "testdata/demo/corpus.jsonl"), "--index", dir}, nil, &out, &errb); code != 0 {
		t.Fatalf("build: %s", errb.String())
	}
	out.Reset()
	if code := dispatch([]string{"verify", "--index", dir}, nil, &out, &errb); code != 0 || !strings.HasSuffix(out.String(), ": OK\n") {
		t.Fatalf("verify of a fresh index: exit %d\n%s%s", code, out.String(), errb.String())
	}
	flip := func(pattern string, at float64) {
		files, _ := filepath.Glob(filepath.Join(dir, pattern))
		if len(files) == 0 {
			t.Fatalf("no %s", pattern)
		}
		b, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		b[int(at*float64(len(b)))] ^= 1
		if err := os.WriteFile(files[0], b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	flip("sparse/*.vlog", 0.5)
	flip("bm25/store/*.zap", 0.3)
	out.Reset()
	errb.Reset()
	code := dispatch([]string{"verify", "--index", dir}, nil, &out, &errb)
	if code == 0 || strings.Count(out.String(), "PROBLEM") != 2 || !strings.Contains(errb.String(), "2 problems found") {
		t.Fatalf("verify of a damaged index: exit %d\n%s%s", code, out.String(), errb.String())
	}
}
