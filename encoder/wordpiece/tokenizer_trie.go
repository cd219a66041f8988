package wordpiece

import (
	"slices"
)

// trie is a byte-wise double-array trie over the vocabulary. WordPiece's
// "longest vocabulary prefix" becomes one walk over the word's bytes instead
// of a hash lookup for every candidate length, which is what made the map
// version spend 80% of its time hashing.
//
// State s moves on byte c to t = base[s]+c+1 when check[t] == s; value[t] is
// the token id ending there, or -1. The three live in one struct so a step
// touches one cache line.
type trie struct {
	nodes []trieNode
}

type trieNode struct {
	base, check, value int32
}

const trieFree = -1

// buildTrie builds the trie of keys; ids[i] is the value of keys[i].
func buildTrie(keys []string, ids []int32) *trie {
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case keys[a] < keys[b]:
			return -1
		case keys[a] > keys[b]:
			return 1
		}
		return 0
	})
	sorted := make([]string, len(keys))
	vals := make([]int32, len(keys))
	for i, o := range order {
		sorted[i], vals[i] = keys[o], ids[o]
	}
	b := &trieBuilder{}
	b.grow(256 + 1)
	b.check[0] = -2 // root is occupied, owned by nobody
	b.build(0, sorted, vals, 0)
	n := len(b.check)
	for n > 1 && b.check[n-1] == trieFree { // trim the unused tail
		n--
	}
	t := &trie{nodes: make([]trieNode, n)}
	for i := range t.nodes {
		t.nodes[i] = trieNode{b.base[i], b.check[i], b.value[i]}
	}
	return t
}

type trieBuilder struct {
	base, check, value []int32
	skip               []int32 // for an occupied cell, a cell at or before the next free one
}

func (b *trieBuilder) grow(n int) {
	for len(b.check) < n {
		b.base = append(b.base, 0)
		b.check = append(b.check, trieFree)
		b.value = append(b.value, -1)
		b.skip = append(b.skip, int32(len(b.skip)+1))
	}
}

// nextFree returns the first free cell at or after p (union-find style with
// path compression, so placing ~100k states stays fast).
func (b *trieBuilder) nextFree(p int) int {
	b.grow(p + 1)
	root := p
	for b.check[root] != trieFree {
		root = int(b.skip[root])
		b.grow(root + 1)
	}
	for p != root {
		next := int(b.skip[p])
		b.skip[p] = int32(root)
		p = next
	}
	return root
}

// build places the children of state s, which spells keys[*][:depth]; keys
// are sorted and share that prefix.
func (b *trieBuilder) build(s int32, keys []string, vals []int32, depth int) {
	if len(keys) > 0 && len(keys[0]) == depth {
		b.value[s] = vals[0]
		keys, vals = keys[1:], vals[1:]
	}
	if len(keys) == 0 {
		return
	}
	// Distinct next bytes and the key ranges under them.
	var labels []byte
	var starts []int
	for i, k := range keys {
		if c := k[depth]; len(labels) == 0 || labels[len(labels)-1] != c {
			labels = append(labels, c)
			starts = append(starts, i)
		}
	}
	starts = append(starts, len(keys))
	base := b.findBase(labels)
	b.base[s] = int32(base)
	for _, c := range labels {
		b.check[base+int(c)+1] = s
	}
	for i, c := range labels {
		b.build(int32(base+int(c)+1), keys[starts[i]:starts[i+1]], vals[starts[i]:starts[i+1]], depth+1)
	}
}

// findBase returns the smallest base >= 0 whose cells base+c+1 are all free.
func (b *trieBuilder) findBase(labels []byte) int {
	for pos := b.nextFree(int(labels[0]) + 1); ; pos = b.nextFree(pos + 1) {
		base := pos - int(labels[0]) - 1
		b.grow(base + int(labels[len(labels)-1]) + 2)
		ok := true
		for _, c := range labels {
			if b.check[base+int(c)+1] != trieFree {
				ok = false
				break
			}
		}
		if ok {
			return base
		}
	}
}

// step follows byte c from state s; ok is false when there is no edge.
func (t *trie) step(s int32, c byte) (int32, bool) {
	n := t.nodes[s].base + int32(c) + 1
	if uint(n) < uint(len(t.nodes)) && t.nodes[n].check == s {
		return n, true
	}
	return 0, false
}

// longest returns the id and length of the longest key that prefixes w when
// starting from state s (0 for whole tokens; the "##" state for
// continuations), or n == 0 when none does.
func (t *trie) longest(s int32, w []byte) (id int32, n int) {
	nodes := t.nodes
	base := nodes[s].base
	for i := 0; i < len(w); i++ {
		next := base + int32(w[i]) + 1
		if uint(next) >= uint(len(nodes)) {
			break
		}
		nd := &nodes[next]
		if nd.check != s {
			break
		}
		s, base = next, nd.base
		if nd.value >= 0 {
			id, n = nd.value, i+1
		}
	}
	return id, n
}
