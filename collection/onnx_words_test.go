//go:build cgo

package collection

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/onnx"
	"github.com/sparrow-search/sparrow/models"
)

// onnxModelDir is a complete model directory around the tiny random BERT
// MLM fixture of encoder/onnx (a published-style WordPiece encoder): its
// graph and config, the bundled vocabulary and idf.json.
func onnxModelDir(t *testing.T) string {
	t.Helper()
	if _, _, err := onnx.RuntimeAvailable(); errors.Is(err, onnx.ErrRuntimeMissing) {
		t.Skipf("skipping: ONNX Runtime not available (%v); scripts/fetch-onnxruntime.sh fetches it", err)
	} else if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{"config.json", "model.onnx"} {
		b, err := os.ReadFile(filepath.Join("..", "encoder", "onnx", "testdata", "bert", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"vocab.txt", "idf.json"} {
		b, err := models.Default.ReadFile("default/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestONNXEncoderCompletedWithWords: a published WordPiece encoder (ONNX)
// keeps working in a collection, and its documents are completed with the
// word terms of the default analysis, so one index answers words the
// encoder's vocabulary splits (rs10818488) even though its weights here are
// random.
func TestONNXEncoderCompletedWithWords(t *testing.T) {
	t.Parallel()
	c := newTestCollection(t, "", Options{InMemory: true, Model: onnxModelDir(t)})
	if got := c.Model().Config.Architecture; got != "BertForMaskedLM" {
		t.Fatalf("architecture %q, want the ONNX fixture's", got)
	}
	err := c.Upsert(t.Context(), []Document{{ID: "snp", Title: "Variant rs10818488", Text: "The rs10818488 variant of TRAF1."}})
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := c.Get("snp")
	if err != nil || !ok {
		t.Fatalf("Get: %v %v", ok, err)
	}
	var pieces, words int
	for tok := range got.Tokens {
		if strings.HasPrefix(tok, "w:") {
			words++
		} else {
			pieces++
		}
	}
	if got.Tokens["w:rs10818488"] <= 0 || pieces == 0 {
		t.Fatalf("tokens %v: want the encoder's WordPiece weights and the word w:rs10818488", got.Tokens)
	}
	res := mustSearch(t, c, Query{Text: "rs10818488", K: 3, Explain: true})
	if len(res.Hits) == 0 || res.Hits[0].ID != "snp" {
		t.Fatalf("hits %v, want snp first", ids(res.Hits))
	}
	found := false
	for _, e := range res.Hits[0].Explain {
		found = found || e.Token == "w:rs10818488"
	}
	if !found {
		t.Errorf("explanation %+v lacks the word term", res.Hits[0].Explain)
	}
	t.Logf("snp: %d WordPiece tokens from the ONNX encoder, %d word terms", pieces, words)
}
