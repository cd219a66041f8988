package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestGenerate(t *testing.T) {
	var vocab []string
	for i := range 2000 {
		vocab = append(vocab, fmt.Sprintf("tok%d", i))
	}
	gen := func(seed int64) []byte {
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		if err := generate(w, 50, vocab, seed); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		return buf.Bytes()
	}
	a := gen(1)
	if !bytes.Equal(a, gen(1)) {
		t.Fatal("same seed, different output")
	}
	if bytes.Equal(a, gen(2)) {
		t.Fatal("different seeds, same output")
	}
	lines := bytes.Split(bytes.TrimSuffix(a, []byte("\n")), []byte("\n"))
	if len(lines) != 50 {
		t.Fatalf("%d lines, want 50", len(lines))
	}
	for i, l := range lines {
		var d struct {
			ID     string             `json:"id"`
			Vector map[string]float64 `json:"vector"`
		}
		if err := json.Unmarshal(l, &d); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if d.ID != fmt.Sprintf("d%d", i) || len(d.Vector) < 20 || len(d.Vector) > 1000 {
			t.Fatalf("line %d: id %q, %d tokens", i, d.ID, len(d.Vector))
		}
		for tok, w := range d.Vector {
			if w <= 0 {
				t.Fatalf("line %d: %s has weight %v", i, tok, w)
			}
		}
	}
}

func TestTokens(t *testing.T) {
	got := tokens("[PAD]\n[unused0]\nthe\n\"q\nback\\slash\n##ing\n")
	if fmt.Sprint(got) != "[the ##ing]" {
		t.Fatalf("tokens = %v", got)
	}
}

func TestGenerateQueries(t *testing.T) {
	vocab := []string{"##ing", "Caps", "x1"}
	for i := range 200 {
		vocab = append(vocab, fmt.Sprintf("w%c%c", 'a'+i%26, 'a'+i/26))
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if err := generateQueries(w, 20, vocab, 1); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	lines := bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
	if len(lines) != 20 {
		t.Fatalf("%d lines, want 20", len(lines))
	}
	for i, l := range lines {
		var q struct {
			Query string `json:"query"`
			K     int    `json:"k"`
			Mode  string `json:"mode"`
		}
		if err := json.Unmarshal(l, &q); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		words := strings.Fields(q.Query)
		if len(words) != 8 || q.K != 10 || q.Mode != "sparse" {
			t.Fatalf("line %d: %+v", i, q)
		}
		for _, wd := range words {
			if wd[0] != 'w' {
				t.Fatalf("line %d: %q is not a whole lower-case word", i, wd)
			}
		}
	}
}
