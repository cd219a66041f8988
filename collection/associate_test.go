package collection

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sparrow-search/sparrow/encoder"
)

// TestModelAssociations: a model with query association (the bundled
// default plus an associations file) indexes an associated document with
// its queries' text, vectors and word terms alike, so a query word found
// only there reaches it; the same document indexed with the plain model,
// or any other document, is not reached.
func TestModelAssociations(t *testing.T) {
	t.Parallel()
	plain := filepath.Join(t.TempDir(), "model")
	if err := os.CopyFS(plain, os.DirFS(filepath.Join("..", "models", "default"))); err != nil {
		t.Fatal(err)
	}
	m, err := encoder.LoadModel(plain)
	if err != nil {
		t.Fatal(err)
	}
	assoc := filepath.Join(t.TempDir(), "assoc")
	if err := os.CopyFS(assoc, os.DirFS(plain)); err != nil {
		t.Fatal(err)
	}
	a := &encoder.Associations{
		Queries: []string{"sunshine hormone"},
		Docs:    map[uint64][]int32{encoder.DocKey(encoder.DocText("Vitamin D", "Vitamin D deficiency is common in winter.")): {0}},
	}
	cfg := m.Config
	if cfg.Associations, err = encoder.WriteAssociations(assoc, a); err != nil {
		t.Fatal(err)
	}
	if err := encoder.WriteModelDir(assoc, cfg, m.Tokenizer, m.IDF.Weights()); err != nil {
		t.Fatal(err)
	}
	docs := []Document{
		{ID: "d3", Title: "Vitamin D", Text: "Vitamin D deficiency is common in winter."},
		{ID: "d4", Title: "Bird migration", Text: "Many birds migrate south for the winter."},
	}
	for _, c := range []struct {
		model string
		want  []string
	}{{assoc, []string{"d3"}}, {plain, nil}} {
		t.Run(filepath.Base(c.model), func(t *testing.T) {
			col, err := Create(filepath.Join(t.TempDir(), "c"), Options{Model: c.model, Logger: quiet, Models: new(Models)})
			if err != nil {
				t.Fatal(err)
			}
			defer col.Close()
			if err := col.Upsert(context.Background(), docs); err != nil {
				t.Fatal(err)
			}
			res := mustSearch(t, col, Query{Text: "sunshine", Mode: ModeSparse})
			if got := ids(res.Hits); !slices.Equal(got, c.want) {
				t.Fatalf("'sunshine': %v, want %v", got, c.want)
			}
			if d, _, _ := col.Get("d3"); d.Text != docs[0].Text {
				t.Fatalf("stored text changed: %q", d.Text)
			}
		})
	}
}
