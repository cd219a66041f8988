package scoring

import "slices"

// topK is a bounded min-heap on the result order: h[0] is the worst kept hit.
type topK struct {
	k int
	h []Hit
}

// worse reports whether a ranks after b: lower score, then higher view, then higher doc.
func worse(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	if a.View != b.View {
		return a.View > b.View
	}
	return a.Doc > b.Doc
}

func (t *topK) reset(k int) {
	t.k = k
	if cap(t.h) < k {
		t.h = make([]Hit, 0, min(k, 1<<16))
	}
	t.h = t.h[:0]
}

func (t *topK) full() bool { return len(t.h) >= t.k }

// push inserts x if it beats the worst kept hit; it reports whether it did.
func (t *topK) push(x Hit) bool {
	if len(t.h) < t.k {
		t.h = append(t.h, x)
		// sift up
		i := len(t.h) - 1
		for i > 0 {
			p := (i - 1) / 2
			if !worse(t.h[i], t.h[p]) {
				break
			}
			t.h[i], t.h[p] = t.h[p], t.h[i]
			i = p
		}
		return true
	}
	if !worse(t.h[0], x) {
		return false
	}
	t.h[0] = x
	i, n := 0, len(t.h)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && worse(t.h[c+1], t.h[c]) {
			c++
		}
		if !worse(t.h[c], t.h[i]) {
			break
		}
		t.h[i], t.h[c] = t.h[c], t.h[i]
		i = c
	}
	return true
}

// sorted returns a copy of the hits, best first.
func (t *topK) sorted() []Hit {
	out := slices.Clone(t.h)
	slices.SortFunc(out, func(a, b Hit) int {
		if worse(a, b) {
			return 1
		}
		if worse(b, a) {
			return -1
		}
		return 0
	})
	return out
}
