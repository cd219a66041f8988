package words

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestTerms(t *testing.T) {
	t.Parallel()
	en, err := New(English)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"The flows of the rivers", []string{"flow", "river"}},
		{"rs10818488 and TFRC1 in p53", []string{"rs10818488", "tfrc1", "p53"}},
		{"HSV-2 infection", []string{"hsv", "2", "infect"}},
		{"the patient's", []string{"patient"}},
		{"", []string{}},
		{"the of and", []string{}},
	} {
		t.Run(tc.text, func(t *testing.T) {
			if got := en.Terms(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("Terms(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	a, err := New("")
	if err != nil || a.Name() != English {
		t.Fatalf(`New("") = %v, %v; want the English analyzer`, a, err)
	}
	b, _ := New(English)
	if a != b {
		t.Error("New returns a new analyzer for a name it already made")
	}
	if _, err := New("klingon"); err == nil {
		t.Error("New accepts an unknown analyzer name")
	}
}

func TestCount(t *testing.T) {
	t.Parallel()
	c := Count([]string{"b", "a", "b", "c", "b"})
	if !slices.Equal(c.Terms, []string{"a", "b", "c"}) || !slices.Equal(c.TF, []int32{1, 3, 1}) || c.Len != 5 {
		t.Errorf("Count = %+v", c)
	}
	if c := Count(nil); len(c.Terms) != 0 || c.Len != 0 {
		t.Errorf("Count(nil) = %+v", c)
	}
}

func TestWeightIsBM25(t *testing.T) {
	t.Parallel()
	c := Config{}
	c.EnsureDefaults()
	// tf 2 in a document of average length: 2*2.2/(2+1.2)
	if got, want := c.Weight(2, 100, 100), float32(2*2.2/3.2); math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("Weight(2, 100, 100) = %v, want %v", got, want)
	}
	// longer documents weigh a term less; saturation bounds it by k1+1
	if c.Weight(2, 200, 100) >= c.Weight(2, 100, 100) {
		t.Error("a longer document does not weigh a term less")
	}
	if w := c.Weight(1e6, 100, 100); w > 2.2 || w < 2.19 {
		t.Errorf("Weight saturates at %v, want k1+1 = 2.2", w)
	}
	// avgdl 0 (empty corpus): no length normalisation
	if c.Weight(1, 7, 0) != c.Weight(1, 7, 7) {
		t.Error("avgdl 0 is not taken as dl")
	}
}

func TestIDF(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n, df int
		want  float64
	}{
		{100, 1, math.Log(1 + 99.5/1.5)},
		{100, 100, math.Log(1 + 0.5/100.5)},
		{100, 0, 0},
		{100, 101, 0},
	} {
		t.Run(fmt.Sprintf("n%d_df%d", tc.n, tc.df), func(t *testing.T) {
			if got := IDF(tc.n, tc.df); math.Abs(float64(got)-tc.want) > 1e-6 {
				t.Errorf("IDF(%d, %d) = %v, want %v", tc.n, tc.df, got, tc.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	c := Config{Analyzer: "x", K1: -1, B: 2}
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate accepts a bad config")
	}
	for _, want := range []string{`analyzer "x"`, "k1 -1", "b 2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	var z Config
	z.EnsureDefaults()
	if err := z.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestIsTerm(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"w:flow": true, "w:": false, "flow": false, "##w": false, ":": false} {
		if IsTerm(s) != want {
			t.Errorf("IsTerm(%q) = %v", s, !want)
		}
	}
}

func ExampleAnalyzer_Terms() {
	en, _ := New(English)
	fmt.Println(en.Terms("The rivers' flows carry rs10818488"))
	// Output: [river flow carri rs10818488]
}

func TestBigrams(t *testing.T) {
	t.Parallel()
	if got := Bigrams([]string{"a", "b", "c"}); !slices.Equal(got, []string{"a b", "b c"}) {
		t.Errorf("Bigrams = %q", got)
	}
	if got := Bigrams([]string{"a"}); got != nil {
		t.Errorf("Bigrams of one term = %q", got)
	}
}

func TestCorpusScoresBM25(t *testing.T) {
	t.Parallel()
	en, _ := New(English)
	texts := []string{"rivers flow to the sea", "the sea is salty", "mountains"}
	c := NewCorpus(en, Config{}, 0, texts)
	if got, want := c.AvgDL(), (3.0+2+1)/3; math.Abs(got-want) > 1e-9 {
		t.Fatalf("AvgDL = %v, want %v", got, want)
	}
	q := c.Query("sea sea flows", true)
	cfg := Config{}
	cfg.EnsureDefaults()
	// doc 0 (river flow sea): flow (df 1) and sea (df 2, counted twice)
	want := IDF(3, 1)*cfg.Weight(1, 3, c.AvgDL()) + 2*IDF(3, 2)*cfg.Weight(1, 3, c.AvgDL())
	if got := c.Score(q, 0); math.Abs(float64(got-want)) > 1e-5 {
		t.Errorf("Score(doc 0) = %v, want %v", got, want)
	}
	if got := c.Score(q, 2); got != 0 {
		t.Errorf("Score(doc 2) = %v, want 0", got)
	}
	if q1 := c.Query("sea sea", false); q1["sea"] != IDF(3, 2) {
		t.Errorf("unique query weight = %v, want idf %v", q1["sea"], IDF(3, 2))
	}
	cb := NewCorpus(en, Config{}, 0.5, texts)
	if qb := cb.Query("salty sea", true); qb["sea salti"] != 0 || len(cb.Query("sea salty", true)) != 3 {
		t.Errorf("bigram query terms: %v / %v", qb, cb.Query("sea salty", true))
	}
}
