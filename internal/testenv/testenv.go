// Package testenv locates what tests share across packages: the module root
// and the evaluation collections in ../shared/data, which exist on the
// developers' machines and in CI but not in a plain clone.
package testenv

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// ModuleRoot returns the directory holding go.mod above the working
// directory, or skips the test when there is none.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the test directory; cannot locate ../shared/data")
		}
		dir = parent
	}
}

// SharedData returns ../shared/data relative to the module root, or skips the
// test with a message naming the missing directory.
func SharedData(t testing.TB) string {
	t.Helper()
	d := filepath.Join(ModuleRoot(t), "..", "shared", "data")
	if _, err := os.Stat(d); err != nil {
		t.Skipf("shared data not present at %s (CI has it; a plain clone may not): %v", d, err)
	}
	return d
}

// DemoCorpus writes the first n documents of the bundled demo corpus
// (testdata/demo/corpus.jsonl, 500 SciFact abstracts) to a file in a
// temporary directory, with a blank line after the fourth (a resume point
// then counts lines, not documents), and returns its path.
func DemoCorpus(t testing.TB, n int) string {
	t.Helper()
	fh, err := os.Open(filepath.Join(ModuleRoot(t), "testdata", "demo", "corpus.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var b bytes.Buffer
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for i := 0; i < n && sc.Scan(); i++ {
		b.Write(sc.Bytes())
		b.WriteByte('\n')
		if i == 3 {
			b.WriteByte('\n')
		}
	}
	p := filepath.Join(t.TempDir(), "corpus.jsonl")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// LongEnv is the environment variable `make test-long` sets to run the
// heavy suites (fault-injection trial counts, soaks) in full.
const LongEnv = "SPARROW_TEST_LONG"

// Long reports whether the heavy suites run in full (see LongEnv).
func Long() bool { return os.Getenv(LongEnv) != "" }

// Trials returns short normally and long under `make test-long`.
func Trials(short, long int) int {
	if Long() {
		return long
	}
	return short
}
