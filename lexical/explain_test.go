package lexical

import (
	"context"
	"math"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
)

func TestExplainSumsToScore(t *testing.T) {
	t.Parallel()
	docs := []dataset.Doc{
		{ID: "a", Title: "Vitamin D", Text: "Vitamin D deficiency is common in winter; vitamin supplements help."},
		{ID: "b", Text: "Sparrows are small birds that fly in winter flocks."},
		{ID: "c", Text: "Deficiency of iron causes anaemia."},
		{ID: "d", Text: "Nothing relevant here at all."},
	}
	for _, fields := range []string{FieldsJoined, FieldsSeparate} {
		t.Run(fields, func(t *testing.T) {
			ix, err := Build(docs, "", Options{Fields: fields})
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			const q = "vitamin deficiency in winter winter"
			hits, err := ix.Search(q, 10)
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]string, len(hits))
			for i, h := range hits {
				ids[i] = h.ID
			}
			ex, err := ix.Explain(context.Background(), q, ids)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hits {
				terms := ex[h.ID]
				var sum float64
				seen := map[string]bool{}
				for _, ts := range terms {
					if seen[ts.Term] {
						t.Errorf("%s: term %q listed twice", h.ID, ts.Term)
					}
					seen[ts.Term] = true
					sum += ts.Score
					if ts.QueryWeight <= 0 || ts.Term == "" {
						t.Errorf("%s: term %+v", h.ID, ts)
					}
				}
				if len(terms) == 0 || math.Abs(sum-h.Score) > 1e-9*h.Score {
					t.Errorf("%s: terms %+v sum to %v, score %v", h.ID, terms, sum, h.Score)
				}
			}
		})
	}
}
