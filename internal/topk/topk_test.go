package topk

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

type item struct {
	score float64
	id    int
}

// worseItem orders by score descending, then id ascending.
func worseItem(a, b item) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.id > b.id
}

// The heap keeps exactly what sorting everything and cutting at k keeps,
// for every k and stream shape (ties included).
func TestMatchesSort(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		n      int
		levels int // distinct scores (0: continuous)
	}{
		{"empty", 0, 0}, {"one", 1, 0}, {"continuous", 500, 0}, {"ties", 500, 3}, {"all-equal", 200, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(1, uint64(c.n)))
			items := make([]item, c.n)
			for i := range items {
				s := r.Float64()
				if c.levels > 0 {
					s = float64(r.IntN(c.levels))
				}
				items[i] = item{s, i}
			}
			want := slices.Clone(items)
			slices.SortFunc(want, func(a, b item) int {
				if worseItem(a, b) {
					return 1
				}
				return -1
			})
			h := New(0, worseItem)
			for _, k := range []int{-1, 0, 1, 2, 10, 499, 500, 501, 1000} {
				h.Reset(k)
				for _, x := range items {
					h.Push(x)
				}
				w := want[:min(max(k, 0), len(want))]
				if got := h.Sorted(); !slices.Equal(got, w) {
					t.Fatalf("k=%d: got %v, want %v", k, head(got), head(w))
				}
				if h.Len() != len(w) || h.Full() != (h.Len() >= max(k, 0)) {
					t.Fatalf("k=%d: Len %d Full %v", k, h.Len(), h.Full())
				}
				if len(w) > 0 && h.Worst() != w[len(w)-1] {
					t.Fatalf("k=%d: Worst %v, want %v", k, h.Worst(), w[len(w)-1])
				}
			}
		})
	}
}

func TestPushReportsKept(t *testing.T) {
	t.Parallel()
	h := New(2, worseItem)
	for i, c := range []struct {
		x    item
		kept bool
	}{{item{1, 1}, true}, {item{2, 2}, true}, {item{0, 3}, false}, {item{1, 0}, true}, {item{1, 4}, false}, {item{3, 5}, true}} {
		if got := h.Push(c.x); got != c.kept {
			t.Fatalf("push %d %v: kept %v, want %v", i, c.x, got, c.kept)
		}
	}
	if got := h.Sorted(); !slices.Equal(got, []item{{3, 5}, {2, 2}}) {
		t.Fatal(got)
	}
}

func head(s []item) string {
	if len(s) > 5 {
		return fmt.Sprint(s[:5], "...")
	}
	return fmt.Sprint(s)
}

func Example() {
	type doc struct {
		name  string
		score float64
	}
	// Best first: higher score, ties by name.
	worse := func(a, b doc) bool {
		if a.score != b.score {
			return a.score < b.score
		}
		return a.name > b.name
	}
	h := New(2, worse)
	for _, d := range []doc{{"a", 0.5}, {"b", 0.9}, {"c", 0.1}, {"d", 0.9}} {
		h.Push(d)
	}
	fmt.Println(h.Sorted())
	// Output: [{b 0.9} {d 0.9}]
}
