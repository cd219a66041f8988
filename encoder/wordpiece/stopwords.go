package wordpiece

import (
	"fmt"
	"strings"

	en "github.com/blevesearch/bleve/v2/analysis/lang/en"
)

// Stop-word lists accepted in config.json's "stopwords".
const (
	// StopwordsNone (the default) keeps every token.
	StopwordsNone = ""
	// StopwordsSnowball drops the Snowball English stop list (174 words, the
	// list of bleve's "en" analyzer, i.e. of the BM25 baseline) from document
	// vectors: a query's function words ("what", "which", "of") then match
	// nothing instead of adding noise, and the index holds fewer postings.
	StopwordsSnowball = "snowball"
)

// snowballStop is the Snowball English stop list as bleve ships it.
var snowballStop = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(string(en.EnglishStopWords), "\n") {
		l, _, _ = strings.Cut(l, "|") // comments start with '|'
		if f := strings.Fields(l); len(f) > 0 {
			m[f[0]] = true
		}
	}
	return m
}()

// DocSkip returns, by token id, the tokens a document vector never carries:
// BERT's control tokens and the stop list named by stop.
func DocSkip(tok *Tokenizer, stop string) ([]bool, error) {
	skip := tok.ControlMask()
	switch stop {
	case StopwordsNone:
		return skip, nil
	case StopwordsSnowball:
	default:
		return nil, fmt.Errorf("wordpiece: stopwords %q: want %q or none", stop, StopwordsSnowball)
	}
	for id := range skip {
		if snowballStop[tok.Token(int32(id))] {
			skip[id] = true
		}
	}
	return skip, nil
}
