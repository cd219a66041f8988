package words

import (
	"github.com/blevesearch/bleve/v2/analysis"

	"github.com/sparrow-search/sparrow/internal/memo"
)

// stemCacheSize bounds the memo of stemCache: word frequencies are Zipfian,
// so the first words seen cover nearly every later lookup, and the memo
// never grows past a few MB however much text is analysed.
const stemCacheSize = 1 << 16

// stemCache is bleve's Porter stemmer filter with a memo of its results.
// Stemming is a pure function of the term and cost about 300 ns a word
// (decoding to runes and back), so a memo answers identically to bleve.
type stemCache struct {
	stem analysis.TokenFilter
	memo *memo.Memo[string]
}

func newStemCache(stem analysis.TokenFilter) *stemCache {
	return &stemCache{stem: stem, memo: memo.New[string](stemCacheSize)}
}

// Filter stems every token that is not a keyword, as porter.PorterStemmer.
func (c *stemCache) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		if t.KeyWord {
			continue
		}
		if s, ok := c.memo.Get(t.Term); ok {
			t.Term = []byte(s)
			continue
		}
		word := string(t.Term)
		c.stem.Filter(analysis.TokenStream{t})
		c.memo.Put(word, string(t.Term))
	}
	return in
}
