package encoder

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// tinyAssociations: "a cat sat" has query 0 twice (grade 2) and query 1;
// "dogs bark" has query 1.
func tinyAssociations() *Associations {
	return &Associations{
		Queries: []string{"feline posture", "pets"},
		Docs: map[uint64][]int32{
			DocKey("a cat sat"): {0, 0, 1},
			DocKey("dogs bark"): {1},
		},
	}
}

func TestAssociationsText(t *testing.T) {
	a := tinyAssociations()
	for _, c := range []struct{ in, want string }{
		{"a cat sat", "a cat sat feline posture feline posture pets"},
		{"dogs bark", "dogs bark pets"},
		{"dogs bark!", "dogs bark!"}, // another text is another document
		{"", ""},
	} {
		t.Run(c.in, func(t *testing.T) {
			if got := a.Text(c.in); got != c.want {
				t.Fatalf("Text(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestAssociationsRoundTripAndCorruption(t *testing.T) {
	b, err := EncodeAssociations(tinyAssociations())
	if err != nil {
		t.Fatal(err)
	}
	cfg := &modeldir.AssociationsConfig{Documents: 2, Queries: 2}
	got, err := DecodeAssociations(b, cfg)
	if err != nil || !reflect.DeepEqual(got, tinyAssociations()) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if b2, _ := EncodeAssociations(got); string(b2) != string(b) {
		t.Fatalf("not deterministic:\n%s\n%s", b, b2)
	}
	if _, err := DecodeAssociations(b, &modeldir.AssociationsConfig{Documents: 3, Queries: 2}); err == nil || !strings.Contains(err.Error(), "config.json says 3") {
		t.Fatalf("count mismatch: %v", err)
	}
	k := DocKey("dogs bark")
	for _, c := range []struct {
		name string
		mut  func(*Associations)
		want string
	}{
		{"query out of range", func(a *Associations) { a.Docs[k] = []int32{2} }, "outside the 2 queries"},
		{"negative query", func(a *Associations) { a.Docs[k] = []int32{-1} }, "outside"},
		{"no queries", func(a *Associations) { a.Docs[k] = nil }, "0 queries"},
		{"empty query", func(a *Associations) { a.Queries[1] = " " }, "query 1 is empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := tinyAssociations()
			c.mut(a)
			if err := a.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate: %v, want %q", err, c.want)
			}
			if _, err := EncodeAssociations(a); err == nil {
				t.Fatal("encoded")
			}
		})
	}
	for _, c := range []struct{ name, file, want string }{
		{"short key", `{"queries":["q"],"documents":{"abc":[0]}}`, "16 lower-case hex"},
		{"upper-case key", `{"queries":["q"],"documents":{"00000000000000AB":[0]}}`, "16 lower-case hex"},
		{"not hex", `{"queries":["q"],"documents":{"000000000000000g":[0]}}`, "16 lower-case hex"},
		{"index out of range", `{"queries":["q"],"documents":{"00000000000000ab":[1]}}`, "outside"},
		{"trailing", `{"queries":["q"],"documents":{}} {}`, "trailing"},
		{"truncated", `{"queries":["q"],"docu`, "invalid JSON"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := DecodeAssociations([]byte(c.file), nil); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func FuzzDecodeAssociations(f *testing.F) {
	b, _ := EncodeAssociations(tinyAssociations())
	f.Add(b)
	f.Add([]byte(`{"queries":["q"],"documents":{"00000000000000ab":[0,0]}}`))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeAssociations(data, nil)
		if err != nil {
			return
		}
		for k := range a.Docs {
			_ = a.Text("x")
			if _, err := EncodeAssociations(a); err != nil {
				t.Fatalf("decoded %016x but cannot encode: %v", k, err)
			}
		}
	})
}

// TestModelDirAssociations: a model directory whose config has
// "associations" loads them, Model.DocText adds the associated queries to
// exactly those documents, and a missing or mismatched file is a clear
// error naming it.
func TestModelDirAssociations(t *testing.T) {
	tok := wordpiece.DefaultTokenizer()
	V := tok.VocabSize()
	idf := make([]float32, V)
	cfg := modeldir.Config{Architecture: modeldir.ArchBM25TF, VocabSize: V, MaxLength: 512, K1: 0.9, B: 0.4, AvgDL: 10}
	dir := t.TempDir()
	ac, err := WriteAssociations(dir, tinyAssociations())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Associations = ac
	if err := WriteModelDir(dir, cfg, tok, idf); err != nil {
		t.Fatal(err)
	}
	m, err := LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := m.DocText("a", "cat sat"); got != "a cat sat feline posture feline posture pets" {
		t.Fatalf("DocText = %q", got)
	}
	if got := m.DocText("", "a cat"); got != "a cat" {
		t.Fatalf("DocText of another document = %q", got)
	}

	if err := os.WriteFile(filepath.Join(dir, modeldir.AssociationsFile), []byte(`{"queries":["q"],"documents":{"00000000000000ab":[0]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadModel(dir); err == nil || !strings.Contains(err.Error(), modeldir.AssociationsFile) || !strings.Contains(err.Error(), "config.json says 2 and 2") {
		t.Fatalf("mismatched file: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, modeldir.AssociationsFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadModel(dir); err == nil || !strings.Contains(err.Error(), modeldir.AssociationsFile) {
		t.Fatalf("missing file: %v", err)
	}
}
