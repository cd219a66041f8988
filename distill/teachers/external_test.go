package teachers

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
)

func TestParseScoresTSV(t *testing.T) {
	s, err := ParseScoresTSV(strings.NewReader("qid\tdocid\tscore\nq1\td0\t2.5\n\nq1 d2 -1\nq2 Q0 d3 1 7 run\n"), "x.tsv")
	if err != nil {
		t.Fatal(err)
	}
	want := Scores{"q1": {"d0": 2.5, "d2": -1}, "q2": {"d3": 7}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got %v, want %v", s, want)
	}
	for in, msg := range map[string]string{
		"q1 d0 1\nq1 d0 2\n":   "x.tsv:2: duplicate",
		"q1 d0 1\nq1 d1 abc\n": "x.tsv:2: score \"abc\"",
		"q1 d0\n":              "x.tsv:1: want",
		"q1 d0 NaN\n":          "x.tsv:1: score NaN",
	} {
		_, err := ParseScoresTSV(strings.NewReader(in), "x.tsv")
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: error %v, want %q", in, err, msg)
		}
	}
}

func TestParseScoresJSONL(t *testing.T) {
	s, err := ParseScoresJSONL(strings.NewReader(`{"qid":"q1","docid":"d0","score":1}`+"\n"+`{"qid":3,"docid":12,"score":-0.5}`+"\n"), "x.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, Scores{"q1": {"d0": 1}, "3": {"12": -0.5}}) {
		t.Errorf("got %v", s)
	}
	for in, msg := range map[string]string{
		`{"qid":"q","docid":"d"}`:             "x.jsonl:1: missing score",
		"\n" + `{"qid":"q","score":1}`:        "x.jsonl:2: docid: missing",
		`{"qid":[1],"docid":"d","score":1}`:   "x.jsonl:1: qid",
		`{"qid":"q","docid":"d","score":"1"}`: "x.jsonl:1:",
		`not json`:                            "x.jsonl:1:",
	} {
		_, err := ParseScoresJSONL(strings.NewReader(in), "x.jsonl")
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: error %v, want %q", in, err, msg)
		}
	}
}

func TestExternalTeacher(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.jsonl")
	os.WriteFile(p, []byte(`{"qid":"q1","docid":"d3","score":5}`+"\n"+`{"qid":"q1","docid":"d1","score":2}`+"\n"+`{"qid":"q1","docid":"nope","score":9}`+"\n"), 0o644)
	s, err := LoadScores(p)
	if err != nil {
		t.Fatal(err)
	}
	e := NewExternal("ce", tinyCorpus, s)
	got, err := e.Score(dataset.Query{ID: "q1"}, []int{0, 1, 3})
	if err != nil || !reflect.DeepEqual(got, []float64{2, 2, 5}) {
		t.Errorf("Score = %v %v", got, err)
	}
	hits, _ := e.Retrieve(dataset.Query{ID: "q1"}, 5)
	if !reflect.DeepEqual(hits, []Scored{{3, 5}, {1, 2}}) {
		t.Errorf("Retrieve = %v", hits)
	}
	if hits, err := e.Retrieve(dataset.Query{ID: "q1"}, -1); err != nil || len(hits) != 0 {
		t.Errorf("Retrieve k=-1 = %v %v", hits, err)
	}
	if _, err := e.Score(dataset.Query{ID: "q9"}, []int{0}); err == nil {
		t.Error("missing query accepted")
	}
	e.AllowMissingQueries = true
	if got, err := e.Score(dataset.Query{ID: "q9"}, []int{0}); err != nil || got[0] != 0 {
		t.Errorf("missing query: %v %v", got, err)
	}
	if _, err := LoadScores(filepath.Join(dir, "absent.tsv")); err == nil {
		t.Error("absent file accepted")
	}
}

func checkScores(t *testing.T, s Scores) {
	for q, m := range s {
		for d, v := range m {
			if q == "" || d == "" || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("bad entry %q %q %v", q, d, v)
			}
		}
	}
}

func FuzzParseScoresTSV(f *testing.F) {
	for _, s := range []string{"qid docid score\nq1 d1 1.5\n", "q Q0 d 1 2 t\n", "a b c\n", "\n\n# c\nq d 1e308\n", "q d 1\nq d 2\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseScoresTSV(strings.NewReader(in), "f")
		if err == nil {
			checkScores(t, s)
		}
	})
}

func FuzzParseScoresJSONL(f *testing.F) {
	for _, s := range []string{`{"qid":"q","docid":"d","score":1}`, `{"qid":1,"docid":2,"score":-3.5}` + "\n", `{"qid":null}`, "[]", `{"score":1e999}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseScoresJSONL(strings.NewReader(in), "f")
		if err == nil {
			checkScores(t, s)
		}
	})
}
