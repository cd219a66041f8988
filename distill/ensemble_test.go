package distill

import (
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
)

// negated is an adversarial teacher: it ranks backwards.
type negated struct{ t Teacher }

func (n negated) Name() string { return "neg-" + n.t.Name() }
func (n negated) Score(q dataset.Query, c []int) ([]float64, error) {
	s, err := n.t.Score(q, c)
	for i := range s {
		s[i] = -s[i]
	}
	return s, err
}

func TestTuneWeightsDropsBadTeacher(t *testing.T) {
	docs, qs, qrels := synthCorpus(20)
	good, err := NewBM25(docs, BM25Options{Analyzer: AnalyzerPorter, Field: FieldTitle})
	if err != nil {
		t.Fatal(err)
	}
	w, score, err := TuneWeights(docs, qs, qrels, []Teacher{negated{good}, good}, nil, ExampleOptions{Retrievers: []Retriever{good}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w[0] != 0 || w[1] == 0 {
		t.Errorf("weights %v, want the negated teacher dropped", w)
	}
	if score < 0.9 {
		t.Errorf("tuned NDCG@10 %.3f", score)
	}
	if _, _, err := TuneWeights(docs, qs, dataset.Qrels{}, []Teacher{good}, nil, ExampleOptions{}, nil); err == nil {
		t.Error("no judged queries accepted")
	}
}
