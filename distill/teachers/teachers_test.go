package teachers

import (
	"math"
	"reflect"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
)

var tinyCorpus = []dataset.Doc{
	{ID: "d0", Title: "Sparse retrieval", Text: "Learned sparse retrieval uses an inverted index of tokens."},
	{ID: "d1", Title: "Dense retrieval", Text: "Dense retrieval embeds queries and documents as vectors."},
	{ID: "d2", Title: "Cooking pasta", Text: "Boil water, add salt and cook the pasta for ten minutes."},
	{ID: "d3", Title: "BM25", Text: "BM25 ranks documents by term frequency and inverse document frequency of query tokens."},
	{ID: "d4", Title: "Gardening", Text: "Tomatoes need sun, water and well drained soil."},
}

func tinyBM25(t *testing.T, analyzer string) *BM25 {
	t.Helper()
	m, err := NewBM25(tinyCorpus, BM25Options{Analyzer: analyzer})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBM25MatchesFormula(t *testing.T) {
	m := tinyBM25(t, AnalyzerWord)
	// "pasta" occurs only in d2: score = idf * tf/(tf + k1*(1-b+b*dl/avgdl)).
	s, err := m.Score(dataset.Query{ID: "q", Text: "pasta"}, []int{0, 2})
	if err != nil {
		t.Fatal(err)
	}
	if s[0] != 0 {
		t.Errorf("d0 score %v, want 0", s[0])
	}
	var total float64
	for _, d := range tinyCorpus {
		total += float64(len(Words(d.Title + " " + d.Text)))
	}
	avgdl := total / float64(len(tinyCorpus))
	dl := float64(len(Words(tinyCorpus[2].Title + " " + tinyCorpus[2].Text)))
	idf := math.Log(1 + (5-1+0.5)/(1+0.5))
	want := idf * 2 / (2 + 0.9*(1-0.4+0.4*dl/avgdl)) // "pasta" twice in d2
	if math.Abs(s[1]-want) > 1e-12 {
		t.Errorf("d2 score %v, want %v", s[1], want)
	}
	hits, _ := m.Retrieve(dataset.Query{Text: "pasta water"}, 10)
	if len(hits) != 2 || hits[0].Doc != 2 || hits[1].Doc != 4 {
		t.Errorf("hits %v, want d2 then d4", hits)
	}
	if _, err := m.Score(dataset.Query{Text: "x"}, []int{7}); err == nil {
		t.Error("out-of-range candidate accepted")
	}
}

func TestAnalyzers(t *testing.T) {
	for name, want := range map[string][]string{
		AnalyzerWord:   {"the", "runners", "are", "running"},
		AnalyzerPorter: {"runner", "run"},
		AnalyzerEn:     {"runner", "run"},
	} {
		a, err := NewAnalyzer(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := a("The runners are running"); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if _, err := NewAnalyzer("nope"); err == nil {
		t.Error("unknown analyzer accepted")
	}
}

func TestNormalizeCombine(t *testing.T) {
	n, err := Normalize([]float64{2, 4, 3})
	if err != nil || !reflect.DeepEqual(n, []float64{0, 1, 0.5}) {
		t.Errorf("Normalize = %v %v", n, err)
	}
	n, _ = Normalize([]float64{5, 5}) // fusion's: a constant list is all ones
	if !reflect.DeepEqual(n, []float64{1, 1}) {
		t.Errorf("constant Normalize = %v", n)
	}
	if _, err := Normalize([]float64{1, math.NaN()}); err == nil {
		t.Error("NaN accepted")
	}
	c, err := Combine([][]float64{{0, 10}, {3, 1}}, []float64{3, 1})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, []float64{0.25, 0.75}) {
		t.Errorf("Combine = %v, want [0.25 0.75]", c)
	}
	if _, err := Combine([][]float64{{1}}, []float64{-1}); err == nil {
		t.Error("negative weight accepted")
	}
}
