package wordpiece

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/internal/testenv"
)

// readTSV reads "id TAB text" lines (optionally gzipped) into a map and the
// ids in file order.
func readTSV(t *testing.T, path string) (map[string]string, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r = gz
	}
	m := map[string]string{}
	var order []string
	br := bufio.NewReader(r)
	for line := 1; ; line++ {
		l, err := br.ReadString('\n')
		if l == "" && err != nil {
			if err != io.EOF {
				t.Fatalf("%s: %v", path, err)
			}
			break
		}
		l = strings.TrimSuffix(l, "\n")
		id, text, ok := strings.Cut(l, "\t")
		if !ok {
			t.Fatalf("%s:%d: no tab in line %q", path, line, l)
		}
		if _, dup := m[id]; dup {
			t.Fatalf("%s:%d: duplicate id %q", path, line, id)
		}
		m[id] = text
		order = append(order, id)
	}
	return m, order
}

// TestTokenizerOracle compares against bert-base-uncased WordPiece tokens of
// BEIR (and MS MARCO / TREC DL) queries shipped with Anserini: every
// *.wp.tsv.gz with a matching raw query file must agree on 100% of queries.
func TestTokenizerOracle(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(testenv.SharedData(t), "beir-topics", "topics")
	wps, err := filepath.Glob(filepath.Join(dir, "*.wp.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if len(wps) == 0 {
		t.Skipf("no *.wp.tsv.gz oracle files under %s", dir)
	}
	sort.Strings(wps)
	tok := DefaultTokenizer()
	var files, total, failed, testFiles, testQueries int
	for _, wp := range wps {
		base := strings.TrimSuffix(wp, ".wp.tsv.gz")
		raw := ""
		for _, cand := range []string{base + ".tsv.gz", base + ".txt"} {
			if _, err := os.Stat(cand); err == nil {
				raw = cand
				break
			}
		}
		if raw == "" {
			t.Logf("%s: no matching raw query file, skipped", filepath.Base(wp))
			continue
		}
		want, order := readTSV(t, wp)
		texts, _ := readTSV(t, raw)
		bad := 0
		for _, qid := range order {
			text, ok := texts[qid]
			if !ok {
				t.Errorf("%s: query %s has tokens but no text in %s", filepath.Base(wp), qid, filepath.Base(raw))
				bad++
				continue
			}
			got := strings.Join(tok.Tokenize(text), " ")
			if got != want[qid] {
				bad++
				if bad <= 5 {
					t.Errorf("%s: query %s %q:\n%s", filepath.Base(wp), qid, text, tokenDiff(strings.Fields(want[qid]), strings.Fields(got)))
				}
			}
		}
		files++
		total += len(order)
		failed += bad
		if strings.HasSuffix(wp, ".test.wp.tsv.gz") {
			testFiles++
			testQueries += len(order)
		}
		t.Logf("%-55s %6d queries, %6d equal", filepath.Base(wp), len(order), len(order)-bad)
	}
	t.Logf("oracle: %d files (%d BEIR *.test), %d queries (%d BEIR test), %d equal (%.2f%%)",
		files, testFiles, total, testQueries, total-failed, 100*float64(total-failed)/float64(max(total, 1)))
	if testFiles == 0 {
		t.Errorf("no *.test.wp.tsv.gz file had a matching *.test.tsv.gz")
	}
}

// tokenDiff shows where two token sequences first diverge.
func tokenDiff(want, got []string) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	lo := max(i-3, 0)
	return fmt.Sprintf("  first difference at token %d\n  want ...%q\n  got  ...%q",
		i, want[lo:min(len(want), i+6)], got[lo:min(len(got), i+6)])
}
