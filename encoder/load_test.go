package encoder

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/native"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/sparse"
)

// Every architecture LoadModel lists is wired to a back end: loading a
// directory that names it fails, if at all, for a reason other than an
// unknown architecture.
func TestArchitecturesAreWired(t *testing.T) {
	good := writeBM25Dir(t, tinyCorpus)
	for _, arch := range Architectures() {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for _, f := range []string{modeldir.VocabFile, modeldir.IDFFile} {
				b, err := os.ReadFile(filepath.Join(good, f))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cfg := `{"architecture": "` + arch + `", "vocab_size": 30522, "k1": 0.9, "avgdl": 3, "dim": 2, "hidden": 2}`
			if err := os.WriteFile(filepath.Join(dir, modeldir.ConfigFile), []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := LoadModel(dir)
			if err != nil && strings.Contains(err.Error(), "unknown architecture") {
				t.Fatal(err)
			}
			if err == nil {
				m.Close()
			}
		})
	}
}

// The bundled default (a native model) copied to disk loads through
// LoadModel into the same encoder as LoadDefault: bit-identical vectors.
// Missing or corrupt weights name model.safetensors.
func TestLoadModelNative(t *testing.T) {
	def, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "models", "default"))); err != nil {
		t.Fatal(err)
	}
	m, err := LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Encoder.(*native.Model); !ok {
		t.Fatalf("encoder is %T", m.Encoder)
	}
	texts := []string{"Protein folding in the cell membrane.", "Vitamin D deficiency and bone density", ""}
	got, err := m.Encoder.Encode(texts)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := def.Encoder.Encode(texts)
	for i := range got {
		if !slices.Equal(got[i].IDs, want[i].IDs) || !slices.Equal(got[i].Weights, want[i].Weights) {
			t.Fatalf("doc %d: from disk %v, embedded %v", i, got[i], want[i])
		}
	}
	weights := filepath.Join(dir, modeldir.SafetensorsFile)
	if err := os.WriteFile(weights, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadModel(dir); err == nil || !strings.Contains(err.Error(), "model.safetensors: native: invalid safetensors") {
		t.Fatalf("corrupt weights: %v", err)
	}
	os.Remove(weights)
	if _, err := LoadModel(dir); err == nil || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "model.safetensors") {
		t.Fatalf("missing weights: %v", err)
	}
}

// TestConflatedBM25MatchesVariants: with conflated idf and weights, a query
// word scores every document exactly like its stem siblings do, as a
// stemming analyzer's BM25 would.
func TestConflatedBM25MatchesVariants(t *testing.T) {
	t.Parallel()
	tok := wordpiece.DefaultTokenizer()
	c, _ := wordpiece.NewConflation(tok, wordpiece.ConflatePorter)
	docs := []string{"The river flows north.", "Flowing water and flowed lava.", "A slow flow.", "Nothing here.", "Cats computing."}
	st, err := ConflatedCorpusStats(tok, c, 0, func(y func(string) error) error {
		for _, d := range docs {
			if err := y(d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	idf := NewIDF(st.IDFWeights(tok))
	enc, err := native.NewBM25TF(tok, modeldir.Config{Architecture: modeldir.ArchBM25TF, VocabSize: tok.VocabSize(), K1: native.DefaultK1, B: native.DefaultB, AvgDL: st.AvgDL, Conflate: wordpiece.ConflatePorter})
	if err != nil {
		t.Fatal(err)
	}
	vecs, err := enc.Encode(docs)
	if err != nil {
		t.Fatal(err)
	}
	score := func(q string, d sparse.Vector) float32 {
		qv := idf.Query(tok, q)
		var s float32
		for i, id := range qv.IDs {
			if j, ok := slices.BinarySearch(d.IDs, id); ok {
				s += qv.Weights[i] * d.Weights[j]
			}
		}
		return s
	}
	for i, d := range vecs {
		a, b, w := score("flow", d), score("flowed", d), score("flowing", d)
		if a != b || a != w {
			t.Errorf("doc %d: flow %v flowed %v flowing %v", i, a, b, w)
		}
		if (i < 3) != (a > 0) {
			t.Errorf("doc %d: flow scores %v", i, a)
		}
	}
	// computing and computers share a class: the query matches doc 4
	if score("computers", vecs[4]) <= 0 {
		t.Error("computers does not match computing")
	}
}
