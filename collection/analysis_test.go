package collection

import (
	"slices"
	"testing"

	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/modeldir"
)

// fakeStats gives every word an id of its own and every term a document
// frequency that depends on its id, so weights differ between terms.
type fakeStats struct{ ids map[string]int32 }

func (fakeStats) NumDocs() int         { return 1000 }
func (fakeStats) DocFreq(id int32) int { return 1 + int(uint32(id)%97) }
func (s fakeStats) WordIDs(dst []int32, texts []string) []int32 {
	for _, t := range texts {
		id, ok := s.ids[t]
		if !ok {
			id = int32(40000 + len(s.ids))
			s.ids[t] = id
		}
		dst = append(dst, id)
	}
	return dst
}

// TestQueryVectorTerms: a query vector's ids ascend without repeats; with
// query_terms "count" a repeated term's weight is the sum of its
// occurrences' weights (added in query order), with "unique" one
// occurrence's.
func TestQueryVectorTerms(t *testing.T) {
	m, err := encoder.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	const text = "sparrow birds and sparrow nests birds birds sparrow"
	for _, qt := range []string{modeldir.QueryTermsCount, modeldir.QueryTermsOnce} {
		t.Run(qt, func(t *testing.T) {
			a, err := newAnalysis(m, &modeldir.Analysis{QueryTerms: qt})
			if err != nil {
				t.Fatal(err)
			}
			st := fakeStats{ids: map[string]int32{}}
			v := a.query(text, st)
			if len(v.IDs) == 0 || !slices.IsSorted(v.IDs) || len(slices.Compact(slices.Clone(v.IDs))) != len(v.IDs) {
				t.Fatalf("ids not ascending and unique: %v", v.IDs)
			}
			once := a.query("sparrow birds and nests", st)
			if !slices.Equal(once.IDs, v.IDs) {
				t.Fatalf("ids %v, want those of each term once %v", v.IDs, once.IDs)
			}
			repeats := 0
			for i := range v.IDs {
				ratio := v.Weights[i] / once.Weights[i]
				if qt == modeldir.QueryTermsOnce && ratio != 1 {
					t.Errorf("term %d: weight %v, want one occurrence's %v", v.IDs[i], v.Weights[i], once.Weights[i])
				}
				if ratio > 1 {
					repeats++
				}
			}
			if qt == modeldir.QueryTermsCount && repeats == 0 {
				t.Errorf("no repeated term weighs more than once: %v against %v", v.Weights, once.Weights)
			}
		})
	}
}
