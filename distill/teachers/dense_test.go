package teachers

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill/glove"
)

const tinyWink = `{"precision":8,"l2NormIndex":3,"wordIndex":4,"size":4,"dimensions":3,"words":["cat","dog","car","road"],
"vectors":{"cat":[1,0.1,0,1.0,0],"dog":[0.9,0.2,0,1,1],"car":[0,1,0.1,1,2],"road":[0,0.9,0.3,1,3],"skip":[5,5,5,1,4]},"unkVector":[0]}`

func TestWinkVectorsAndDense(t *testing.T) {
	p := filepath.Join(t.TempDir(), "v.json")
	os.WriteFile(p, []byte(tinyWink), 0o644)
	wv, err := glove.Load(p, func(w string) bool { return w != "skip" })
	if err != nil {
		t.Fatal(err)
	}
	if wv.Dim != 3 || len(wv.Vectors) != 4 || wv.Vectors["dog"][1] != float32(0.2) {
		t.Fatalf("vectors %+v", wv)
	}
	docs := []dataset.Doc{{ID: "p", Text: "cat cat dog"}, {ID: "v", Text: "car road road"}, {ID: "x", Text: "cat road"}}
	d, err := NewDense(docs, wv, DenseOptions{KeepPC: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.Score(dataset.Query{Text: "dog"}, []int{0, 1})
	if err != nil || !(s[0] > s[1]) {
		t.Errorf("dog: scores %v %v", s, err)
	}
	hits, _ := d.Retrieve(dataset.Query{Text: "road"}, 1)
	if len(hits) != 1 || hits[0].Doc != 1 {
		t.Errorf("road: %v", hits)
	}
	// With the common component removed, vectors stay unit length and finite.
	d2, err := NewDense(docs, wv, DenseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range d2.docs {
		if n := dot32(v, v); n < 0.99 || n > 1.01 {
			t.Errorf("doc vector norm^2 %v", n)
		}
	}
}

func TestLexicalAndRegistry(t *testing.T) {
	ts, err := New(tinyCorpus, []string{"bm25wp", "bm25en", "bm25porter", "bm25word", "rm3", "bm25snow"}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	q := dataset.Query{ID: "q", Text: "cooking pasta"}
	for _, tc := range ts {
		s, err := tc.Score(q, []int{0, 2})
		if err != nil {
			t.Fatalf("%s: %v", tc.Name(), err)
		}
		if !(s[1] > s[0]) {
			t.Errorf("%s: scores %v, want pasta doc first", tc.Name(), s)
		}
		hits, err := tc.(Retriever).Retrieve(q, 3)
		if err != nil || len(hits) == 0 || hits[0].Doc != 2 {
			t.Errorf("%s: hits %v %v", tc.Name(), hits, err)
		}
	}
	defer ts[1].(*Lexical).Close()
	if _, err := New(tinyCorpus, []string{"ltr"}, Config{}); err == nil {
		t.Error("ltr without train qrels accepted")
	}
	if _, err := New(tinyCorpus, []string{"bogus"}, Config{}); err == nil {
		t.Error("unknown teacher accepted")
	}
	e, err := NewEnsemble("", ts[:2], nil)
	if err != nil {
		t.Fatal(err)
	}
	hits, err := e.Retrieve(dataset.Query{Text: "pasta water"}, 2)
	if err != nil || len(hits) == 0 || hits[0].Doc != 2 || hits[0].Score != 1 {
		t.Errorf("ensemble hits %v %v", hits, err)
	}
}

func TestTeacherRound(t *testing.T) {
	// two bleve scores one ulp apart (different clause summation order) meet
	a := 1.2345678901234567
	b := math.Nextafter(a, 2)
	if teacherRound(a) != teacherRound(b) || teacherRound(a) != 1.23457 {
		t.Errorf("%v %v", teacherRound(a), teacherRound(b))
	}
	for _, x := range []float64{0, math.Inf(1)} {
		if teacherRound(x) != x {
			t.Errorf("teacherRound(%v) = %v", x, teacherRound(x))
		}
	}
}
