// Package memo is a bounded memo of a pure function for the query path.
// Lookups of published entries load an immutable map without a lock
// (queries run on every core) and allocate nothing. New entries wait in a
// pending map under a mutex, where lookups still find them; the pending
// entries are published (a new immutable map) once lookups have found
// pending entries an eighth as often as the published map has entries, so
// hot entries become lock-free soon and the copying costs O(1) per lookup,
// amortised (sync.Map's scheme, with string keys looked up by []byte and a
// geometric threshold). The memo stops growing at its capacity: word
// frequencies are Zipfian, so the first words seen cover nearly every later
// lookup. Safe for concurrent use; use New.
package memo

import (
	"maps"
	"sync"
	"sync/atomic"
)

// Memo maps string keys to values of a pure function of the key.
type Memo[V any] struct {
	capacity int
	read     atomic.Pointer[map[string]V]
	full     atomic.Bool // capacity reached and everything published: no locking

	mu      sync.Mutex
	pending map[string]V
	misses  int // lookups answered from pending since the last publish
}

// New returns an empty memo that holds at most capacity entries.
func New[V any](capacity int) *Memo[V] {
	m := &Memo[V]{capacity: capacity, pending: map[string]V{}}
	m.read.Store(&map[string]V{})
	return m
}

// Get returns key's value if the memo holds it. A published entry costs one
// map load and allocates nothing.
func (m *Memo[V]) Get(key []byte) (V, bool) {
	if v, ok := (*m.read.Load())[string(key)]; ok || m.full.Load() {
		return v, ok
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.pending[string(key)]
	if ok {
		m.misses++
		if m.misses > len(*m.read.Load())/8 {
			m.publish()
		}
	}
	return v, ok
}

// Put remembers key's value (a no-op once the memo is full or holds key).
// Values must not be changed afterwards: readers share them.
func (m *Memo[V]) Put(key string, v V) {
	if m.full.Load() {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	read := *m.read.Load()
	if _, ok := read[key]; ok {
		return
	}
	if _, ok := m.pending[key]; ok {
		return
	}
	m.pending[key] = v
	if len(read) == 0 || len(read)+len(m.pending) >= m.capacity {
		m.publish()
	}
}

// publish makes the pending entries lock-free; m.mu is held.
func (m *Memo[V]) publish() {
	read := *m.read.Load()
	next := make(map[string]V, len(read)+len(m.pending))
	maps.Copy(next, read)
	maps.Copy(next, m.pending)
	m.read.Store(&next)
	clear(m.pending)
	m.misses = 0
	m.full.Store(len(next) >= m.capacity)
}

// Len is the number of entries held, published or pending.
func (m *Memo[V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(*m.read.Load()) + len(m.pending)
}
