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
	t.Parallel()
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
	// flip changes one byte: the first occurrence of marker in the files,
	// or (marker "") the byte at 30% of the first file.
	flip := func(pattern, marker string) {
		files, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			i := bytes.Index(b, []byte(marker))
			if marker == "" {
				i = len(b) * 3 / 10
			}
			if i < 0 {
				continue
			}
			b[i] ^= 1
			if err := os.WriteFile(f, b, 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatalf("%q not found in %s", marker, pattern)
	}
	flip("sparse/*.vlog", "Alterations of the architecture of cerebral white matter") // a stored text
	flip("bm25/store/*.zap", "")
	out.Reset()
	errb.Reset()
	code := dispatch([]string{"verify", "--index", dir}, nil, &out, &errb)
	if code == 0 || strings.Count(out.String(), "PROBLEM") != 2 || !strings.Contains(errb.String(), "2 problems found") {
		t.Fatalf("verify of a damaged index: exit %d\n%s%s", code, out.String(), errb.String())
	}
}
