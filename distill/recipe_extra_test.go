package distill_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/distill"
	"github.com/sparrow-search/sparrow/encoder"
)

// writeQrels adds queries.jsonl and qrels/SPLIT.tsv to a tiny BEIR corpus:
// query i asks for document i's title word.
func writeQrels(t *testing.T, corpus, split string, n int) {
	t.Helper()
	words := strings.Fields("protein membrane vitamin bone tumor therapy virus vaccine neuron cortex blood heart")
	var q, qr strings.Builder
	qr.WriteString("query-id\tcorpus-id\tscore\n")
	for i := range n {
		fmt.Fprintf(&q, `{"_id": "q%d", "text": "%s study"}`+"\n", i, words[i%len(words)])
		fmt.Fprintf(&qr, "q%d\td%d\t1\n", i, i)
	}
	if err := os.WriteFile(filepath.Join(corpus, "queries.jsonl"), []byte(q.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(corpus, "qrels"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(corpus, "qrels", split+".tsv"), []byte(qr.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRecipeRunExtra: a supervised run with an extra labelled collection
// (a test split, which only Extra may name) trains on both, on top of word
// terms, and records the analysis in config.json.
func TestRecipeRunExtra(t *testing.T) {
	t.Parallel()
	main, emb := writeTinyCorpus(t.TempDir())
	other, _ := writeTinyCorpus(t.TempDir())
	writeQrels(t, main, "train", 12)
	writeQrels(t, other, "test", 8)
	r := distill.Supervised()
	r.Corpus, r.Out, r.GloVe = main, filepath.Join(t.TempDir(), "model"), emb
	r.Teachers = []string{"bm25wp", "bm25porter"}
	r.Epochs, r.Hidden = 1, 4
	r.Extra = []distill.TrainingSet{{Dir: other, Split: "test", MaxQueries: 5}}
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Queries != 12 || sum.Examples != 12+5 {
		t.Errorf("queries %d, examples %d; want 12 and 12+5 (the extra set capped at 5)", sum.Queries, sum.Examples)
	}
	m, err := encoder.LoadModel(r.Out)
	if err != nil {
		t.Fatal(err)
	}
	if a := m.Config.Analysis.Resolve(); m.Config.Analysis == nil || !a.WordTerms() || !a.QueryCounts {
		t.Errorf("config.json analysis %+v, want word terms and query counts recorded", m.Config.Analysis)
	}
}

// TestRecipeStudentAlone: with StudentAlone the student learns without the
// word part of the score (its losses differ from the same recipe on top of
// words), and the model still records word terms for serving.
func TestRecipeStudentAlone(t *testing.T) {
	t.Parallel()
	main, emb := writeTinyCorpus(t.TempDir())
	writeQrels(t, main, "train", 12)
	run := func(alone bool) ([]float64, *encoder.Model) {
		r := distill.Supervised()
		r.Corpus, r.Out, r.GloVe = main, filepath.Join(t.TempDir(), "model"), emb
		r.Teachers = []string{"bm25wp", "bm25porter"}
		r.Epochs, r.Hidden = 1, 4
		r.StudentAlone = alone
		sum, err := r.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		m, err := encoder.LoadModel(r.Out)
		if err != nil {
			t.Fatal(err)
		}
		return sum.EpochLosses, m
	}
	onTop, _ := run(false)
	alone, m := run(true)
	if len(onTop) != 1 || len(alone) != 1 || onTop[0] == alone[0] {
		t.Errorf("epoch losses on top of words %v, alone %v: want one each, different", onTop, alone)
	}
	if a := m.Config.Analysis.Resolve(); !a.WordTerms() {
		t.Errorf("config.json analysis %+v, want word terms for serving", m.Config.Analysis)
	}
}
