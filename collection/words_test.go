package collection

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/words"
)

func wordsOnly() *modeldir.Analysis {
	zero := 0.0
	return &modeldir.Analysis{PieceWeight: &zero}
}

// TestWordTermsAreBM25: with WordPiece tokens weighted 0, a collection's
// sparse score is exactly BM25 over its words (the in-memory reference
// words.Corpus), up to the engine's 8-bit impacts.
func TestWordTermsAreBM25(t *testing.T) {
	t.Parallel()
	c := newTestCollection(t, "", Options{InMemory: true, Analysis: wordsOnly()})
	en, _ := words.New(words.English)
	texts := make([]string, len(testDocs))
	for i, d := range testDocs {
		texts[i] = d.Title + " " + d.Text
	}
	ref := words.NewCorpus(en, words.Config{}, 0, texts)
	for _, q := range []string{"birds winter", "vitamin deficiency", "warm ocean currents", "sparrows flying"} {
		t.Run(q, func(t *testing.T) {
			res := mustSearch(t, c, Query{Text: q, K: 10})
			wq := ref.Query(q, true)
			if len(res.Hits) == 0 {
				t.Fatal("no hits")
			}
			for _, h := range res.Hits {
				i := docIndex(h.ID)
				want := float64(ref.Score(wq, i))
				if math.Abs(h.Score-want) > 0.02*want+1e-6 {
					t.Errorf("%s: score %v, BM25 over words %v", h.ID, h.Score, want)
				}
			}
		})
	}
}

func docIndex(id string) int {
	for i, d := range testDocs {
		if d.ID == id {
			return i
		}
	}
	return -1
}

// TestWordTermsFromTokensAndExplain: "w:" tokens index word terms as
// given, unknown query words match nothing, and explanations name word terms.
func TestWordTermsFromTokensAndExplain(t *testing.T) {
	t.Parallel()
	c := newTestCollection(t, "", Options{InMemory: true})
	ctx := context.Background()
	err := c.Upsert(ctx, []Document{{ID: "code", Title: "", Text: "",
		Tokens: map[string]float64{"w:rs10818488": 2, "gene": 0.5}}})
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := c.Get("code")
	if err != nil || !ok || got.Tokens["w:rs10818488"] != 2 || got.Tokens["gene"] != 0.5 {
		t.Fatalf("Get = %v, %v, %v", got.Tokens, ok, err)
	}
	res := mustSearch(t, c, Query{Text: "rs10818488", K: 3, Explain: true})
	if len(res.Hits) == 0 || res.Hits[0].ID != "code" {
		t.Fatalf("hits %v, want code first", ids(res.Hits))
	}
	if e := res.Hits[0].Explain; len(e) == 0 || e[0].Token != "w:rs10818488" {
		t.Errorf("explanation %+v, want the word term w:rs10818488 first", e)
	}
	if res := mustSearch(t, c, Query{Tokens: map[string]float64{"w:neverseen": 1}}); len(res.Hits) != 0 {
		t.Errorf("an unknown word matched %v", ids(res.Hits))
	}
	toks, err := c.QueryTokens("rs10818488 rs10818488")
	if err != nil {
		t.Fatal(err)
	}
	var wq float32
	for _, tw := range toks {
		if tw.Token == "w:rs10818488" {
			wq = tw.Weight
		}
	}
	st, _ := c.sparse.Snapshot().TermStats()
	id, _ := st.WordID("rs10818488")
	if want := 2 * words.IDF(st.NumDocs(), st.DocFreq(id)); wq != want {
		t.Errorf("query weight of a word said twice = %v, want 2 x idf = %v", wq, want)
	}
}

// TestAnalysisModes: the paper's analysis (WordPiece only, unique tokens,
// idf.json) gives documents no word terms and queries no counts.
func TestAnalysisModes(t *testing.T) {
	t.Parallel()
	paper := &modeldir.Analysis{Words: modeldir.WordsNone, QueryTerms: modeldir.QueryTermsOnce, IDF: modeldir.IDFModel}
	c := newTestCollection(t, "", Options{InMemory: true, Analysis: paper})
	toks, err := c.QueryTokens("winter winter birds")
	if err != nil {
		t.Fatal(err)
	}
	m := c.Model()
	for _, tw := range toks {
		if strings.HasPrefix(tw.Token, words.Prefix) {
			t.Errorf("word term %q with words none", tw.Token)
		}
		id, _ := m.Tokenizer.ID(tw.Token)
		if tw.Weight != m.IDF.Weight(id) {
			t.Errorf("%s: weight %v, want idf.json's %v once", tw.Token, tw.Weight, m.IDF.Weight(id))
		}
	}
	if d, _, _ := c.Get("d1"); len(d.Tokens) != len(testDocs[0].Tokens) {
		t.Errorf("stored tokens %v carry more than the given vector", d.Tokens)
	}
	if _, err := Create("", Options{InMemory: true, Models: testModels, Analysis: &modeldir.Analysis{Words: "klingon"}}); err == nil {
		t.Error("an unknown analyzer is accepted")
	}
}
