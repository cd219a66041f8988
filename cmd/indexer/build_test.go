package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/internal/testenv"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/index"
)

func openIdx(t *testing.T, dir string) *index.Index {
	t.Helper()
	ix, err := index.Open(filepath.Join(dir, collection.SparseDir), index.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// encode -> build --vectors gives the same vectors as build --corpus, and
// export writes well-formed OpenSearch files.
func TestEncodeVectorsRoundTripAndExport(t *testing.T) {
	t.Parallel()
	corpus := testenv.DemoCorpus(t, 25)
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
	t.Parallel()
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
		{[]string{"build", "--vectors", hugeVec, "--index", filepath.Join(tmp, "i5"), "--quiet"}, `token "bird": weight 1e+39 is above the largest allowed weight 10000`},
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

// build --help exits 0 and shows no testing-only flags.
func TestBuildHelp(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	if code := dispatch([]string{"build", "--help"}, nil, io.Discard, &stderr); code != 0 {
		t.Fatalf("build --help exited %d:\n%s", code, stderr.String())
	}
	help := stderr.String()
	if !strings.Contains(help, "-corpus") || strings.Contains(help, "test") || strings.Contains(help, "help requested") {
		t.Errorf("build --help:\n%s", help)
	}
}
