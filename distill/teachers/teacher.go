package teachers

import (
	"fmt"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/internal/topk"
)

// Teacher scores candidate documents for a query. Candidates are indices into
// the corpus slice the teacher was built over. Implementations must be safe for
// concurrent use; scores are only compared within one query (they are min-max
// normalised per query before averaging), so any scale is fine.
type Teacher interface {
	Name() string
	Score(q dataset.Query, cands []int) ([]float64, error)
}

// Scored is a corpus document index with a score.
type Scored struct {
	Doc   int
	Score float64
}

// Retriever generates candidates: the top k documents of the corpus for a
// query, best first (ties by ascending Doc). Teachers that can search the
// whole corpus cheaply implement it too, and BuildExamples takes the union of
// their top-k lists as the candidate set.
type Retriever interface {
	Retrieve(q dataset.Query, k int) ([]Scored, error)
}

// TopK returns the k best entries of scores (index = doc), best first, ties
// by ascending doc. Documents whose score is not above floor are skipped.
func TopK(scores []float64, k int, floor float64) []Scored {
	if k <= 0 {
		return nil
	}
	h := topk.New(k, func(a, b Scored) bool { return better(b, a) })
	for d, s := range scores {
		if s > floor {
			h.Push(Scored{d, s})
		}
	}
	return h.Sorted()
}

// better reports whether a ranks above b.
func better(a, b Scored) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.Doc < b.Doc
}

// checkCands rejects candidate indices outside the corpus.
func checkCands(name string, cands []int, n int) error {
	for _, c := range cands {
		if c < 0 || c >= n {
			return fmt.Errorf("teachers: teacher %s: candidate %d out of range [0,%d)", name, c, n)
		}
	}
	return nil
}
