package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/index"
)

const demoCorpus = "../../testdata/demo/corpus.jsonl"

// smallCorpus writes the first n demo documents (plus a blank line) to a file.
func smallCorpus(t *testing.T, n int) string {
	t.Helper()
	fh, err := os.Open(demoCorpus)
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

func openIdx(t *testing.T, dir string) *index.Index {
	t.Helper()
	ix, err := index.Open(filepath.Join(dir, sparseDir), index.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestBuildResumesAfterInterruption(t *testing.T) {
	corpus := smallCorpus(t, 60)
	dir := filepath.Join(t.TempDir(), "idx")
	f := buildFlags{corpus: corpus, indexDir: dir, batch: 7, workers: 3, quiet: true, failAfter: 4}
	if err := build(f, io.Discard, io.Discard); !errors.Is(err, errInterrupted) {
		t.Fatalf("interrupted build: %v", err)
	}
	ix := openIdx(t, dir)
	partial := ix.Stats().Docs
	ix.Close()
	if partial != 28 {
		t.Fatalf("after 4 batches of 7: %d docs", partial)
	}
	var stderr bytes.Buffer
	f.failAfter = 0
	if err := build(f, io.Discard, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "resuming: 29 input lines already committed" /* 28 docs + 1 blank line */) {
		t.Fatalf("resume not reported: %q", stderr.String())
	}
	ix = openIdx(t, dir)
	if st := ix.Stats(); st.Docs != 60 || st.Segments != 1 {
		t.Fatalf("after resume: %d docs in %d segments, want 60 in 1 (compacted)", st.Docs, st.Segments)
	}
	ix.Close()
	// complete: a rerun does nothing; a different source is refused
	var out bytes.Buffer
	if err := build(f, &out, io.Discard); err != nil || !strings.Contains(out.String(), "nothing to do") {
		t.Fatalf("rerun: %v %q", err, out.String())
	}
	f.corpus = smallCorpus(t, 10)
	if err := build(f, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("other source without --force: %v", err)
	}
	f.force = true
	if err := build(f, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, bm25Dir)); err != nil {
		t.Fatalf("no bm25 index: %v", err)
	}
}

// A resume point that is not a line count is refused, not read as 0.
func TestBuildRefusesInvalidResumePoint(t *testing.T) {
	corpus := smallCorpus(t, 20)
	dir := filepath.Join(t.TempDir(), "idx")
	f := buildFlags{corpus: corpus, indexDir: dir, batch: 7, workers: 1, quiet: true, failAfter: 1}
	if err := build(f, io.Discard, io.Discard); !errors.Is(err, errInterrupted) {
		t.Fatalf("interrupted build: %v", err)
	}
	ix := openIdx(t, dir)
	if err := ix.SetMeta(metaCommitted, "seven"); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	f.failAfter = 0
	if err := build(f, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "invalid resume point") {
		t.Fatalf("build with a corrupt resume point: %v, want it refused", err)
	}
}

// encode -> build --vectors gives the same vectors as build --corpus, and
// export writes well-formed OpenSearch files.
func TestEncodeVectorsRoundTripAndExport(t *testing.T) {
	corpus := smallCorpus(t, 25)
	tmp := t.TempDir()
	vecs := filepath.Join(tmp, "vecs.jsonl")
	if code := dispatch([]string{"encode", "--corpus", corpus, "--out", vecs}, nil, io.Discard, io.Discard); code != 0 {
		t.Fatalf("encode exit %d", code)
	}
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	var stderr bytes.Buffer
	if code := dispatch([]string{"build", "--corpus", corpus, "--index", a, "--quiet"}, nil, io.Discard, &stderr); code != 0 {
		t.Fatalf("build: %s", stderr.String())
	}
	if code := dispatch([]string{"build", "--vectors", vecs, "--index", b, "--quiet"}, nil, io.Discard, &stderr); code != 0 {
		t.Fatalf("build --vectors: %s", stderr.String())
	}
	ia, ib := openIdx(t, a), openIdx(t, b)
	defer ia.Close()
	defer ib.Close()
	ids := 0
	var first string
	sc := bufio.NewScanner(strings.NewReader(mustRead(t, vecs)))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var rec struct{ ID string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		if first == "" {
			first = rec.ID
		}
		da, okA, _ := ia.Get(rec.ID)
		db, okB, _ := ib.Get(rec.ID)
		if !okA || !okB || len(da.Vector.IDs) != len(db.Vector.IDs) || da.Title != db.Title {
			t.Fatalf("doc %s differs between --corpus and --vectors builds", rec.ID)
		}
		for i := range da.Vector.IDs {
			if da.Vector.IDs[i] != db.Vector.IDs[i] || da.Vector.Weights[i] != db.Vector.Weights[i] {
				t.Fatalf("doc %s: vector entry %d differs", rec.ID, i)
			}
		}
		ids++
	}
	if ids != 25 {
		t.Fatalf("encode wrote %d lines, want 25", ids)
	}
	ia.Close()

	out := filepath.Join(tmp, "os")
	if code := dispatch([]string{"export", "--index", a, "--out", out}, nil, io.Discard, &stderr); code != 0 {
		t.Fatalf("export: %s", stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(mustRead(t, filepath.Join(out, exportBulk))), "\n")
	if len(lines) != 50 {
		t.Fatalf("bulk has %d lines, want 50", len(lines))
	}
	for i := 0; i < len(lines); i += 2 {
		var action map[string]map[string]string
		var src map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &action); err != nil || action["index"]["_id"] == "" {
			t.Fatalf("bad action line %q", lines[i])
		}
		if err := json.Unmarshal([]byte(lines[i+1]), &src); err != nil {
			t.Fatalf("bad source line: %v", err)
		}
		feats, ok := src["sparse_embedding"].(map[string]any)
		if !ok || len(feats) == 0 {
			t.Fatalf("source lacks rank features: %.200s", lines[i+1])
		}
		for tok, w := range feats {
			if f, ok := w.(float64); !ok || f <= 0 {
				t.Fatalf("feature %q = %v, want a positive number", tok, w)
			}
		}
	}
	var mapping map[string]any
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(out, exportMapping))), &mapping); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(mustRead(t, filepath.Join(out, exportMapping)), `"rank_features"`) {
		t.Fatal("mapping lacks rank_features")
	}
	var idf map[string]float64
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(out, exportIDF))), &idf); err != nil || len(idf) < 1000 {
		t.Fatalf("idf.json: %v (%d tokens)", err, len(idf))
	}
}

func TestBuildBadInput(t *testing.T) {
	tmp := t.TempDir()
	bad := filepath.Join(tmp, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"_id\":\"a\",\"text\":\"x\"}\n{\"text\":\"no id\"}\n"), 0o644)
	badVec := filepath.Join(tmp, "badvec.jsonl")
	os.WriteFile(badVec, []byte("{\"id\":\"a\",\"vector\":{\"zzqqxxnotatoken\":1}}\n"), 0o644)
	hugeVec := filepath.Join(tmp, "hugevec.jsonl")
	os.WriteFile(hugeVec, []byte("{\"id\":\"a\",\"vector\":{\"bird\":1e39}}\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"build", "--index", filepath.Join(tmp, "i1")}, "exactly one of"},
		{[]string{"build", "--corpus", bad}, "--index DIR is required"},
		{[]string{"build", "--corpus", bad, "--index", filepath.Join(tmp, "i2"), "--quiet"}, "bad.jsonl:2: missing"},
		{[]string{"build", "--vectors", badVec, "--index", filepath.Join(tmp, "i3"), "--quiet"}, "not in the model's vocabulary"},
		{[]string{"build", "--vectors", hugeVec, "--index", filepath.Join(tmp, "i5"), "--quiet"}, `token "bird": weight must be a finite number >= 0 that fits a float32`},
		{[]string{"build", "--corpus", tmp, "--index", filepath.Join(tmp, "i4")}, "no corpus.jsonl"},
		{[]string{"export", "--index", tmp, "--out", filepath.Join(tmp, "o")}, "not an index directory"},
		{[]string{"export", "--index", tmp, "--out", tmp, "--format", "solr"}, "not supported"},
	} {
		var stderr bytes.Buffer
		if code := dispatch(c.args, nil, io.Discard, &stderr); code == 0 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q, want it to mention %q", c.args, code, stderr.String(), c.want)
		}
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{`{"_id":"a","title":"t","text":"x"}`, `{"id":5,"vector":{"a":1}}`, `{"_id":null}`, `[]`, `{`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, line []byte, vectors bool) {
		r, err := parseRecord(line, vectors)
		if err == nil && (r.doc.ID == "" || vectors && r.tokens == nil) {
			t.Fatalf("accepted %q as %+v", line, r)
		}
	})
}

func TestParseRecordIDs(t *testing.T) {
	for line, want := range map[string]string{
		`{"_id":"a","text":"x"}`:         "a",
		`{"_id":42,"text":"x"}`:          "42",
		`{"id":"b","text":"x"}`:          "b",
		`{"_id":null,"id":7,"text":"x"}`: "7",
	} {
		r, err := parseRecord([]byte(line), false)
		if err != nil || r.doc.ID != want {
			t.Errorf("%s: id %q, err %v; want %q", line, r.doc.ID, err, want)
		}
	}
	for _, line := range []string{`{"text":"x"}`, `{"_id":"","text":"x"}`, `{"_id":{"x":1}}`, `{"_id":true}`} {
		if _, err := parseRecord([]byte(line), false); err == nil {
			t.Errorf("%s: accepted", line)
		}
	}
}
