package distill

import (
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill/teachers"
)

// negated is an adversarial teacher: it ranks backwards.
type negated struct{ t teachers.Teacher }

func (n negated) Name() string { return "neg-" + n.t.Name() }
func (n negated) Score(q dataset.Query, c []int) ([]float64, error) {
	s, err := n.t.Score(q, c)
	for i := range s {
		s[i] = -s[i]
	}
	return s, err
}

func TestTuneWeightsDropsBadTeacher(t *testing.T) {
	docs := tinyCorpus
	// every query also matches a decoy, so ranking matters
	qs := []dataset.Query{{ID: "q0", Text: "sparse retrieval"}, {ID: "q1", Text: "dense retrieval"}, {ID: "q2", Text: "water pasta"},
		{ID: "q3", Text: "documents frequency"}, {ID: "q4", Text: "water soil"}, {ID: "q5", Text: "tokens inverted"}}
	qrels := dataset.Qrels{"q0": {"d0": 1}, "q1": {"d1": 1}, "q2": {"d2": 1}, "q3": {"d3": 1}, "q4": {"d4": 1}, "q5": {"d0": 1}}
	good := tinyBM25(t, teachers.AnalyzerPorter)
	w, score, err := TuneWeights(docs, qs, qrels, []teachers.Teacher{negated{good}, good}, nil, ExampleOptions{Retrievers: []teachers.Retriever{good}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w[0] != 0 || w[1] == 0 {
		t.Errorf("weights %v, want the negated teacher dropped", w)
	}
	if score < 0.9 {
		t.Errorf("tuned NDCG@10 %.3f", score)
	}
	if _, _, err := TuneWeights(docs, qs, dataset.Qrels{}, []teachers.Teacher{good}, nil, ExampleOptions{}, nil); err == nil {
		t.Error("no judged queries accepted")
	}
}
