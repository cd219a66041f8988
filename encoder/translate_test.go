package encoder

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/sparse"
)

// tinyTable: vocabulary of 8; token 1 -> {4: 0.5, 5: 0.25}, token 2 -> {5: 1, 6: 0.5}.
func tinyTable() *Translation {
	return &Translation{V: 8,
		Start: []int32{0, 0, 2, 4, 4, 4, 4, 4, 4},
		To:    []int32{4, 5, 5, 6},
		Lift:  []float32{0.5, 0.25, 1, 0.5}}
}

func TestTranslationExpand(t *testing.T) {
	tab := tinyTable()
	if err := tab.Validate(); err != nil {
		t.Fatal(err)
	}
	idf := []float32{1, 1, 1, 1, 1, 1, 1, 1}
	v := sparse.Vector{IDs: []int32{1, 2, 7}, Weights: []float32{2, 1, 3}}
	cfg := modeldir.TranslationConfig{SourceTerms: 8, Terms: 8, Weight: 2}
	got := tab.Expand(v, idf, nil, cfg)
	// 4: 0.5; 5: 0.25 + 1; 6: 0.5 -> weight 2*log1p(gain)
	want := sparse.Vector{IDs: []int32{1, 2, 4, 5, 6, 7}, Weights: []float32{2, 1, float32(2 * 0.4054651081081644), float32(2 * 0.8109302162511288), float32(2 * 0.4054651081081644), 3}}
	if !reflect.DeepEqual(got.IDs, want.IDs) {
		t.Fatalf("ids %v, want %v", got.IDs, want.IDs)
	}
	for i := range got.Weights {
		if d := got.Weights[i] - want.Weights[i]; d > 1e-6 || d < -1e-6 {
			t.Fatalf("weights %v, want %v", got.Weights, want.Weights)
		}
	}
	// Terms caps by gain (5 first; 4 and 6 tie at 0.5 -> smaller id), skip
	// drops a target, a token the document has is never added, and the
	// source terms are the largest by idf*weight.
	cfg.Terms = 2
	if got := tab.Expand(v, idf, nil, cfg); !reflect.DeepEqual(got.IDs, []int32{1, 2, 4, 5, 7}) {
		t.Fatalf("Terms 2: %v", got.IDs)
	}
	skip := make([]bool, 8)
	skip[5] = true
	if got := tab.Expand(v, idf, skip, cfg); !reflect.DeepEqual(got.IDs, []int32{1, 2, 4, 6, 7}) {
		t.Fatalf("skip 5: %v", got.IDs)
	}
	if got := tab.Expand(sparse.Vector{IDs: []int32{1, 4}, Weights: []float32{1, 1}}, idf, nil, cfg); !reflect.DeepEqual(got.IDs, []int32{1, 4, 5}) {
		t.Fatalf("present token re-added: %v", got.IDs)
	}
	cfg.SourceTerms = 1 // token 7 (3) wins, then 1 (2): only 7 translates, and it has no targets
	if got := tab.Expand(v, idf, nil, cfg); !reflect.DeepEqual(got, v) {
		t.Fatalf("SourceTerms 1: %v", got)
	}
}

func TestTranslationRoundTripAndCorruption(t *testing.T) {
	b, err := EncodeTranslation(tinyTable())
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeTranslation(b, 8)
	if err != nil || !reflect.DeepEqual(got, tinyTable()) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if _, err := DecodeTranslation(b, 9); err == nil {
		t.Fatal("table for another vocabulary accepted")
	}
	for name, mut := range map[string]func(*Translation){
		"target out of range": func(x *Translation) { x.To[0] = 8 },
		"targets unordered":   func(x *Translation) { x.To[0], x.To[1] = 5, 4 },
		"negative lift":       func(x *Translation) { x.Lift[2] = -1 },
		"offsets decrease":    func(x *Translation) { x.Start[2], x.Start[3] = 4, 2 },
		"short offsets":       func(x *Translation) { x.Start = x.Start[:8] },
	} {
		x := tinyTable()
		mut(x)
		if err := x.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if b, err := EncodeTranslation(x); err == nil {
			if _, err := DecodeTranslation(b, 8); err == nil {
				t.Errorf("%s: decoded", name)
			}
		}
	}
}

func FuzzDecodeTranslation(f *testing.F) {
	b, _ := EncodeTranslation(tinyTable())
	f.Add(b)
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := DecodeTranslation(data, 8)
		if err != nil {
			return
		}
		idf := make([]float32, 8)
		for i := range idf {
			idf[i] = 1
		}
		v := tab.Expand(sparse.Vector{IDs: []int32{0, 1, 2, 3}, Weights: []float32{1, 1, 1, 1}}, idf, nil, modeldir.TranslationConfig{SourceTerms: 4, Terms: 4, Weight: 1})
		for i := 1; i < len(v.IDs); i++ {
			if v.IDs[i] <= v.IDs[i-1] {
				t.Fatalf("unsorted ids %v", v.IDs)
			}
		}
	})
}

// TestModelDirTranslation: a model directory whose config has "translation"
// expands its vectors on load; a missing or bad table is a clear error.
func TestModelDirTranslation(t *testing.T) {
	tok := wordpiece.DefaultTokenizer()
	V := tok.VocabSize()
	idf := make([]float32, V)
	cat, _ := tok.ID("cat")
	dog, _ := tok.ID("dog")
	idf[cat], idf[dog] = 2, 3
	cfg := modeldir.Config{Architecture: modeldir.ArchBM25TF, VocabSize: V, MaxLength: 512, K1: 0.9, B: 0.4, AvgDL: 10}
	dir := t.TempDir()
	if err := WriteModelDir(dir, cfg, tok, idf); err != nil {
		t.Fatal(err)
	}
	plain, err := LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := plain.Encoder.Encode([]string{"cat"})

	tab := &Translation{V: V, Start: make([]int32, V+1), To: []int32{dog}, Lift: []float32{1}}
	for u := int(cat) + 1; u <= V; u++ {
		tab.Start[u] = 1
	}
	cfg.Translation = &modeldir.TranslationConfig{SourceTerms: 4, Terms: 4, Weight: 1}
	if err := WriteModelDir(dir, cfg, tok, idf); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadModel(dir); err == nil || !strings.Contains(err.Error(), modeldir.TranslationFile) {
		t.Fatalf("missing table: %v", err)
	}
	if err := WriteTranslation(dir, tab); err != nil {
		t.Fatal(err)
	}
	m, err := LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := m.Encoder.Encode([]string{"cat"})
	if len(got[0].IDs) != len(base[0].IDs)+1 || !reflect.DeepEqual(got[0].IDs, []int32{min(cat, dog), max(cat, dog)}) {
		t.Fatalf("expanded %v, plain %v", got[0], base[0])
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, modeldir.TranslationFile), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadModel(dir); err == nil || !strings.Contains(err.Error(), modeldir.TranslationFile) {
		t.Fatalf("bad table: %v", err)
	}
	cfg.Translation.Weight = -1
	if err := WriteModelDir(dir, cfg, tok, idf); err == nil {
		t.Fatal("negative translation weight accepted")
	}
}
