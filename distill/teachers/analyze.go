package teachers

import (
	"fmt"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/en" // registers the "en" analyzer
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
	porterstemmer "github.com/blevesearch/go-porterstemmer"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// Analyzer turns text into index terms. It must be safe for concurrent use.
type Analyzer func(text string) []string

// Analyzer names accepted by NewAnalyzer.
const (
	// AnalyzerWordPiece: bert-base-uncased WordPiece tokens (the student's vocabulary).
	AnalyzerWordPiece = "wordpiece"
	// AnalyzerEn: bleve's "en" analyzer (possessives, lowercase, stop words, Porter).
	AnalyzerEn = "en"
	// AnalyzerPorter: Unicode words, lowercase, Lucene's 33 English stop words, Porter
	// stemming (the Anserini/Pyserini default; strongest plain BM25 in issue 4).
	AnalyzerPorter = "porter"
	// AnalyzerWord: Unicode words, lowercase, no stop words, no stemming.
	AnalyzerWord = "word"
)

// luceneStop is Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET.
var luceneStop = map[string]bool{}

func init() {
	for _, w := range strings.Fields("a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with") {
		luceneStop[w] = true
	}
}

var (
	enOnce     sync.Once
	enAnalyzer analysis.Analyzer
	enErr      error
)

// NewAnalyzer returns the named analyzer (see the Analyzer* constants).
func NewAnalyzer(name string) (Analyzer, error) {
	switch name {
	case AnalyzerWordPiece:
		tok := wordpiece.DefaultTokenizer()
		return tok.Tokenize, nil
	case AnalyzerEn:
		enOnce.Do(func() { enAnalyzer, enErr = registry.NewCache().AnalyzerNamed("en") })
		if enErr != nil {
			return nil, fmt.Errorf("teachers: bleve en analyzer: %w", enErr)
		}
		a := enAnalyzer
		return func(text string) []string {
			ts := a.Analyze([]byte(text))
			out := make([]string, len(ts))
			for i, t := range ts {
				out[i] = string(t.Term)
			}
			return out
		}, nil
	case AnalyzerPorter:
		return func(text string) []string {
			words := Words(text)
			out := words[:0]
			for _, w := range words {
				if luceneStop[w] {
					continue
				}
				out = append(out, porterstemmer.StemString(w))
			}
			return out
		}, nil
	case AnalyzerWord:
		return Words, nil
	}
	return nil, fmt.Errorf("teachers: unknown analyzer %q (want %s, %s, %s or %s)", name, AnalyzerWordPiece, AnalyzerEn, AnalyzerPorter, AnalyzerWord)
}

var wordTokenizer = unicode.NewUnicodeTokenizer()

// StopWord reports whether w (lower case) is on Lucene's English stop list.
func StopWord(w string) bool { return luceneStop[w] }

// Words are text's words by Unicode word segmentation (bleve's unicode
// tokenizer), lower-cased.
func Words(text string) []string {
	ts := wordTokenizer.Tokenize([]byte(text))
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = strings.ToLower(string(t.Term))
	}
	return out
}
