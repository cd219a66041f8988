package distill

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

func TestUnionIDF(t *testing.T) {
	tok := wordpiece.DefaultTokenizer()
	root := t.TempDir()
	write := func(name, body string) string {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "corpus.jsonl"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	a := write("a", `{"_id":"1","title":"","text":"protein folding"}`+"\n"+`{"_id":"2","title":"","text":"protein membrane"}`+"\n")
	b := write("b", `{"_id":"x","title":"","text":"ocean water"}`+"\n")
	idf, avgdl, n, err := UnionIDF(tok, nil, 512, []string{a, b}, MaxIDF)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || avgdl != 2 {
		t.Fatalf("n %d avgdl %v, want 3 and 2", n, avgdl)
	}
	id := func(s string) int32 {
		v, ok := tok.ID(s)
		if !ok {
			t.Fatalf("%q not in vocab", s)
		}
		return v
	}
	if !(idf[id("protein")] < idf[id("ocean")] && idf[id("ocean")] < idf[id("volcano")]) {
		t.Fatalf("idf protein %v ocean %v unseen volcano %v: want increasing", idf[id("protein")], idf[id("ocean")], idf[id("volcano")])
	}
	if idf[id("volcano")] != MaxIDF(3) || idf[id("[CLS]")] != 0 || idf[id("[unused5]")] != 0 {
		t.Fatalf("prior: volcano %v (want %v), [CLS] %v, [unused5] %v (want 0)", idf[id("volcano")], MaxIDF(3), idf[id("[CLS]")], idf[id("[unused5]")])
	}
	// a corpus named twice (e.g. --corpus also in --idf-corpora) counts once
	if idf2, _, n2, err := UnionIDF(tok, nil, 512, []string{a, b, a + "/"}, MaxIDF); err != nil || n2 != 3 || idf2[id("protein")] != idf[id("protein")] {
		t.Fatalf("repeated corpus: n %d (want 3), protein idf %v (want %v), %v", n2, idf2[id("protein")], idf[id("protein")], err)
	}
	if idf0, _, _, _ := UnionIDF(tok, nil, 512, []string{a, b}, nil); idf0[id("volcano")] != 0 {
		t.Fatal("nil prior: unseen token weighted")
	}
	if _, _, _, err := UnionIDF(tok, nil, 512, []string{filepath.Join(root, "missing")}, nil); err == nil {
		t.Fatal("missing corpus accepted")
	}
}
