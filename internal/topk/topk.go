// Package topk keeps the k best items of a stream: a bounded binary heap
// whose root is the worst item kept, so that most items of a long stream
// cost one comparison against it. It imports only the standard library.
//
// The order is given once, as worse(a, b): a ranks after b. It must be a
// strict weak order; for results that do not depend on the arrival order,
// make it total (break ties, e.g. on an id).
package topk

import "slices"

// Heap holds the k best items pushed since the last Reset. The zero value
// keeps nothing; use New. A Heap is not safe for concurrent use.
type Heap[T any] struct {
	worse func(a, b T) bool
	k     int
	h     []T // min-heap on the result order: h[0] is the worst kept item
}

// New returns an empty heap that keeps the k best items under worse
// (k <= 0 keeps none).
func New[T any](k int, worse func(a, b T) bool) *Heap[T] {
	t := &Heap[T]{worse: worse}
	t.Reset(k)
	return t
}

// Reset empties the heap and sets a new k, keeping its storage.
func (t *Heap[T]) Reset(k int) {
	t.k = max(k, 0)
	if cap(t.h) < t.k {
		t.h = make([]T, 0, min(t.k, 1<<16))
	}
	t.h = t.h[:0]
}

// K is the number of items the heap keeps.
func (t *Heap[T]) K() int { return t.k }

// Len is the number of items kept so far (at most K).
func (t *Heap[T]) Len() int { return len(t.h) }

// Full reports whether K items are kept: from then on an item enters only
// by beating Worst.
func (t *Heap[T]) Full() bool { return len(t.h) >= t.k }

// Worst is the worst item kept (the zero T when empty).
func (t *Heap[T]) Worst() T {
	if len(t.h) == 0 {
		var zero T
		return zero
	}
	return t.h[0]
}

// Push offers x and reports whether it was kept: always while the heap is
// not full, afterwards only if Worst is worse than x (x then replaces it).
func (t *Heap[T]) Push(x T) bool {
	h := t.h
	if len(h) < t.k {
		h = append(h, x)
		t.h = h
		for i := len(h) - 1; i > 0; { // sift up
			p := (i - 1) / 2
			if !t.worse(h[i], h[p]) {
				break
			}
			h[i], h[p] = h[p], h[i]
			i = p
		}
		return true
	}
	if len(h) == 0 || !t.worse(h[0], x) {
		return false
	}
	// Bottom-up replacement of the root (Floyd): move the hole down to a
	// leaf along the worse children, then sift x up from there. One
	// comparison per level on the way down instead of two: x usually
	// belongs near the leaves.
	n := len(h)
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && t.worse(h[c+1], h[c]) {
			c++
		}
		h[i] = h[c]
		i = c
	}
	for i > 0 {
		p := (i - 1) / 2
		if !t.worse(x, h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = x
	return true
}

// AppendSorted appends the kept items to dst, best first, and returns it.
// The heap is unchanged.
func (t *Heap[T]) AppendSorted(dst []T) []T {
	n := len(dst)
	dst = append(dst, t.h...)
	slices.SortFunc(dst[n:], func(a, b T) int {
		switch {
		case t.worse(a, b):
			return 1
		case t.worse(b, a):
			return -1
		}
		return 0
	})
	return dst
}

// Sorted returns the kept items in a new slice, best first.
func (t *Heap[T]) Sorted() []T { return t.AppendSorted(make([]T, 0, len(t.h))) }
