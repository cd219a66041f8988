package distill

import (
	"reflect"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder"
)

// TestFitAssociations: a query is listed for each document judged relevant
// to it once per grade (capped), in query order; judged-irrelevant pairs,
// documents outside the corpus, empty queries and queries without a
// relevant document are left out; the key is the document's text.
func TestFitAssociations(t *testing.T) {
	docs := []dataset.Doc{{ID: "d0", Title: "Cats", Text: "sit on mats"}, {ID: "d1", Text: "dogs bark"}, {ID: "d2", Text: "fish swim"}}
	queries := []dataset.Query{{ID: "q0", Text: "feline"}, {ID: "q1", Text: "pets"}, {ID: "q2", Text: " "}, {ID: "q3", Text: "none"}}
	qrels := dataset.Qrels{
		"q0": {"d0": 2, "d2": 0},
		"q1": {"d1": 1, "d0": 9, "gone": 1},
		"q2": {"d2": 1},
		"q3": {"d2": -1},
	}
	a := FitAssociations(docs, queries, qrels)
	want := &encoder.Associations{
		Queries: []string{"feline", "pets"},
		Docs: map[uint64][]int32{
			encoder.DocKey("Cats sit on mats"): {0, 0, 1, 1, 1},
			encoder.DocKey("dogs bark"):        {1},
		},
	}
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("got %+v\nwant %+v", a, want)
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := a.Text(encoder.DocText("Cats", "sit on mats")); got != "Cats sit on mats feline feline pets pets pets" {
		t.Fatalf("Text = %q", got)
	}
}
