package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/native"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/eval"
)

// TestTinySparse runs the sparse system on the vendored ten-document dataset
// with the bundled default model and with a bm25-tf model directory.
func TestTinySparse(t *testing.T) {
	bm := t.TempDir()
	docs, err := dataset.LoadCorpus("testdata/tiny/corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if err := encoder.BuildBM25Model(bm, wordpiece.DefaultTokenizer(), native.DefaultK1, native.DefaultB, 0, func(y func(string) error) error {
		for _, d := range docs {
			if err := y(encoder.DocText(d.Title, d.Text)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, model := range []string{"", bm} {
		dir := t.TempDir()
		jsonPath := filepath.Join(dir, "r.json")
		args := []string{"--data", "testdata/tiny", "--split", "test", "--system", "sparse", "--json", jsonPath, "--quiet"}
		if model != "" {
			args = append(args, "--model", model)
		}
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 0 {
			t.Fatalf("model %q: exit %d: %s", model, code, errOut.String())
		}
		rep, err := eval.ReadReportFile(jsonPath)
		if err != nil {
			t.Fatal(err)
		}
		if rep.System != "sparse" || rep.Queries != 5 {
			t.Fatalf("report %+v", rep)
		}
		// every tiny query has one unambiguous best document; the default model's
		// idf.json comes from SciFact, which lacks some of the tiny corpus's words
		floor := 0.8
		if model == "" {
			floor = 0.5
		}
		if rep.Metrics["mrr@10"] < floor {
			t.Errorf("model %q: mrr@10 %v", model, rep.Metrics["mrr@10"])
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"--data", "testdata/tiny", "--system", "sparse", "--model", filepath.Join(bm, "missing"), "--quiet"}, &out, &errOut); code == 0 {
		t.Fatal("missing model directory accepted")
	}
	if code := run([]string{"--data", "testdata/tiny", "--system", "sparse", "--param", "workers=x", "--quiet"}, &out, &errOut); code == 0 {
		t.Fatal("workers=x accepted")
	}
}
