package distill

import (
	"container/heap"
	"fmt"

	"github.com/sparrow-search/sparrow/dataset"
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
	h := make(minHeap, 0, k)
	for d, s := range scores {
		if s <= floor {
			continue
		}
		if len(h) < k {
			heap.Push(&h, Scored{d, s})
		} else if better(Scored{d, s}, h[0]) {
			h[0] = Scored{d, s}
			heap.Fix(&h, 0)
		}
	}
	out := make([]Scored, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&h).(Scored)
	}
	return out
}

// better reports whether a ranks above b.
func better(a, b Scored) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.Doc < b.Doc
}

type minHeap []Scored

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return better(h[j], h[i]) }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(Scored)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// checkCands rejects candidate indices outside the corpus.
func checkCands(name string, cands []int, n int) error {
	for _, c := range cands {
		if c < 0 || c >= n {
			return fmt.Errorf("distill: teacher %s: candidate %d out of range [0,%d)", name, c, n)
		}
	}
	return nil
}
