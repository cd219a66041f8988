package words

import (
	"maps"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/analysis"
)

// stemCacheSize bounds the memo of stemCache: word frequencies are Zipfian,
// so the first words seen cover nearly every later lookup, and the memo
// never grows past a few MB however much text is analysed.
const stemCacheSize = 1 << 16

// stemCache is bleve's Porter stemmer filter with a memo of its results.
// Stemming is a pure function of the term and cost about 300 ns a word
// (decoding to runes and back), so a memo answers identically to bleve. Readers load an immutable map without a
// lock (queries run on every core); new stems wait in a small pending map
// and are published in batches, so the copying stays bounded in total.
type stemCache struct {
	stem analysis.TokenFilter
	read atomic.Pointer[map[string]string]

	full atomic.Bool // the memo holds stemCacheSize words: misses stop locking

	mu      sync.Mutex
	pending map[string]string
}

// stemPublish is how many new stems wait before a new read map is published.
const stemPublish = 512

func newStemCache(stem analysis.TokenFilter) *stemCache {
	c := &stemCache{stem: stem, pending: map[string]string{}}
	c.read.Store(&map[string]string{})
	return c
}

// Filter stems every token that is not a keyword, as porter.PorterStemmer.
func (c *stemCache) Filter(in analysis.TokenStream) analysis.TokenStream {
	read := *c.read.Load()
	for _, t := range in {
		if t.KeyWord {
			continue
		}
		if s, ok := read[string(t.Term)]; ok { // the conversion allocates nothing here
			t.Term = []byte(s)
			continue
		}
		word := string(t.Term)
		c.stem.Filter(analysis.TokenStream{t})
		c.remember(word, string(t.Term))
	}
	return in
}

func (c *stemCache) remember(word, stem string) {
	if c.full.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	read := *c.read.Load()
	if len(read)+len(c.pending) >= stemCacheSize {
		c.full.Store(true)
		return
	}
	c.pending[word] = stem
	if len(c.pending) < stemPublish && len(read) > 0 {
		return
	}
	next := make(map[string]string, len(read)+len(c.pending))
	maps.Copy(next, read)
	maps.Copy(next, c.pending)
	c.read.Store(&next)
	clear(c.pending)
}
