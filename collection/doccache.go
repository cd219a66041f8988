package collection

import (
	"sync"
	"weak"

	"github.com/sparrow-search/sparrow/index/segment"
)

// docCache keeps the stored fields a hit shows (title, fields) by
// (segment, local doc). A segment's documents never change, so entries never
// go stale: an upsert gets a new (segment, doc) and the old entry is merely
// unreachable until the cache is cleared. Without it, every hit decodes the
// whole document (text and vector included) from Badger: a third of a
// SciFact search's CPU in the profile.
type docCache struct {
	mu  sync.RWMutex
	max int
	m   map[docKey]cachedDoc
}

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

func newDocCache(max int) *docCache {
	if max <= 0 {
		return nil
	}
	return &docCache{max: max, m: make(map[docKey]cachedDoc)}
}

func (c *docCache) get(k docKey) (cachedDoc, bool) {
	if c == nil {
		return cachedDoc{}, false
	}
	c.mu.RLock()
	d, ok := c.m[k]
	c.mu.RUnlock()
	return d, ok
}

func (c *docCache) put(k docKey, d cachedDoc) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		// Dropping everything is crude but O(1) amortised and keeps memory
		// bounded; the hot set refills within a few queries.
		c.m = make(map[docKey]cachedDoc, c.max/4)
	}
	c.m[k] = d
	c.mu.Unlock()
}
