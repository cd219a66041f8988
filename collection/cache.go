package collection

import (
	"sync"
	"weak"

	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/scoring"
)

// bounded is a concurrent map holding at most max units of cost, the one
// eviction policy of a collection's caches: when a put would pass max,
// every entry goes. Crude, but O(1) amortised with memory bounded, and the
// hot set refills within a few queries. A nil *bounded is a cache that is
// off: it never hits and keeps nothing.
type bounded[K comparable, V any] struct {
	mu   sync.RWMutex
	max  int
	used int
	m    map[K]V
}

func newBounded[K comparable, V any](max int) *bounded[K, V] {
	if max <= 0 {
		return nil
	}
	return &bounded[K, V]{max: max, m: make(map[K]V)}
}

func (c *bounded[K, V]) get(k K) (V, bool) {
	if c == nil {
		var zero V
		return zero, false
	}
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

// put keeps v under k at cost units; a value costing more than the whole
// cache is not kept.
func (c *bounded[K, V]) put(k K, v V, cost int) {
	if c == nil || cost > c.max {
		return
	}
	c.mu.Lock()
	if _, ok := c.m[k]; !ok {
		if c.used+cost > c.max {
			c.m, c.used = make(map[K]V, len(c.m)/4), 0
		}
		c.m[k] = v
		c.used += cost
	}
	c.mu.Unlock()
}

// docCache keeps the stored fields a hit shows (title, fields) by
// (segment, local doc), one unit per document. A segment's documents never
// change, so entries never go stale: an upsert gets a new (segment, doc)
// and the old entry is merely unreachable until the cache is cleared.
// Without it, every hit decodes the whole document (text and vector
// included) from Badger: a third of a SciFact search's CPU in the profile.
type docCache = bounded[docKey, cachedDoc]

// docKey holds its segment weakly: a strong pointer would keep segments
// that compaction merged away (postings and all) alive in the cache until
// it is next cleared. A weak pointer never equals one made from another
// segment, even after this one is collected.
type docKey struct {
	seg weak.Pointer[segment.Segment]
	doc uint32
}

func newDocKey(seg *segment.Segment, doc uint32) docKey {
	return docKey{weak.Make(seg), doc}
}

type cachedDoc struct {
	title  string
	fields map[string]string
}

func newDocCache(max int) *docCache { return newBounded[docKey, cachedDoc](max) }

// resultCache keeps the sparse engine's ranked hits of a query text (as
// Solr's queryResultCache does), costed in bytes. The key holds the
// snapshot that answered, weakly as docKey holds its segment: every write
// and compaction publishes a new snapshot, so an entry is never read by a
// search that could see a different collection, and entries of retired
// snapshots are merely unreachable until the cache is cleared. Only what
// decides the ranking is in the key (text, k): queries with a raw token
// vector or a filter are not cached.
type resultCache = bounded[resultKey, []scoring.Hit]

func newResultCache(max int) *resultCache { return newBounded[resultKey, []scoring.Hit](max) }

type resultKey struct {
	snap weak.Pointer[index.Snapshot]
	text string
	k    int
}

// resultCost is an entry's bytes: its hits, its text, and the map entry
// with the headers of both.
func resultCost(k resultKey, hits []scoring.Hit) int {
	const hitBytes, entryBytes = 16, 64
	return hitBytes*len(hits) + len(k.text) + entryBytes
}
