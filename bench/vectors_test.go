package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/sparse"
)

func TestReadVectors(t *testing.T) {
	tok := wordpiece.DefaultTokenizer()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	os.WriteFile(good, []byte(`{"id":"a","vector":{"the":1.5,"cat":0.5}}`+"\n"+`{"id":"b","vector":{}}`+"\n"), 0o644)
	var got []sparse.Vector
	if err := readVectors(good, tok, func(_ string, v sparse.Vector) error {
		got = append(got, v)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0].IDs) != 2 || got[0].IDs[0] >= got[0].IDs[1] {
		t.Fatalf("got %+v", got)
	}
	for name, body := range map[string]string{
		"unknown token": `{"id":"a","vector":{"the":1}}` + "\n" + `{"id":"b","vector":{"notawordpiece!!":1}}`,
		"bad json":      `{"id":"a","vector":{"the":1}}` + "\n" + `{"id":`,
		"negative":      `{"id":"a","vector":{"the":1}}` + "\n" + `{"id":"b","vector":{"the":-1}}`,
	} {
		p := filepath.Join(dir, "bad.jsonl")
		os.WriteFile(p, []byte(body), 0o644)
		err := readVectors(p, tok, func(string, sparse.Vector) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "bad.jsonl:2") {
			t.Errorf("%s: error %v, want one naming bad.jsonl:2", name, err)
		}
	}
}

func TestRender(t *testing.T) {
	v := sparse.Vector{IDs: []int32{5, 9}, Weights: []float32{3, 0.1}}
	if got := render(v, 3); got != "t5 t5 t5 t5 t5 t9 " {
		t.Fatalf("render = %q", got)
	}
	if got := queryText(v); got != "t5 t9 " {
		t.Fatalf("queryText = %q", got)
	}
}
