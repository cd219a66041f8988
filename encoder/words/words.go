// Package words is the word side of Sparrow's extended vocabulary: whole
// words (and codes such as rs10818488 or tfrc1) analysed the way a careful
// lexical engine does, as index terms beside the WordPiece ids.
//
// WordPiece splits names, codes and rare words into common pieces (rs10818488
// becomes rs ##10 ##8 ##18 ##48 ##8), which then match unrelated documents;
// whole-word terms keep them apart, and with Porter stemming and a stop list
// they are exactly what the BM25 baseline matches. Queries stay
// inference-free: analysis and a weight lookup (the extended-vocabulary idea
// of Dudek et al., "Learning Sparse Lexical Representations Over Expanded
// Vocabularies for Retrieval", CIKM 2023, and of DyVo, Nguyen et al., EMNLP
// 2024, without a model at query time).
//
// A word term is written with the prefix "w:" wherever terms are named as
// strings (explanations, stored vectors, exports): WordPiece tokens never
// contain ':' with other characters, so "w:flow" cannot clash with a token.
//
// Errors start with "words:".
package words

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/standard" // registers "standard"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/en"           // registers "en"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
)

// Prefix marks a word term among token strings ("w:flow").
const Prefix = "w:"

// Analyzer names.
const (
	// English is bleve's "en" analyzer: Unicode word segmentation,
	// possessive stripping, lower-casing, the 174 Snowball English stop
	// words and Porter stemming — the analysis of the BM25 baseline. Codes
	// made of letters and digits stay one term (rs10818488, tfrc1, p53);
	// hyphenated ones split (hsv-2 -> hsv, 2): joining them as well was
	// measured and did not help (docs/RESULTS.md, "Words beside WordPiece").
	English = "en"
	// Standard is bleve's "standard" analyzer: English without possessive
	// stripping and stemming.
	Standard = "standard"
)

// DefaultAnalyzer is the analyzer of a zero Config.
const DefaultAnalyzer = English

// BM25 parameters of the word weights: Robertson's k1 = 1.2, b = 0.75
// (also bleve's and Lucene's). On the tuning splits (SciFact train,
// NFCorpus-pp dev, the dev halves of Cranfield, CACM and ADI) the grid
// k1 in {0.9, 1.2, 1.5, 2}, b in {0.4, 0.6, 0.75, 0.9} has no setting
// better on all five; these are the standard ones (docs/RESULTS.md).
const (
	DefaultK1 = 1.2
	DefaultB  = 0.75
)

var (
	cacheMu sync.Mutex
	cache   = map[string]*Analyzer{}
)

// Analyzer turns text into word terms. Safe for concurrent use.
type Analyzer struct {
	name string
	a    analysis.Analyzer
}

// New returns the named analyzer (English or Standard; "" = English).
// Analyzers are shared: the same name returns the same value.
func New(name string) (*Analyzer, error) {
	if name == "" {
		name = DefaultAnalyzer
	}
	if name != English && name != Standard {
		return nil, fmt.Errorf("words: unknown analyzer %q (want %q or %q)", name, English, Standard)
	}
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if a, ok := cache[name]; ok {
		return a, nil
	}
	ba, err := registry.NewCache().AnalyzerNamed(name)
	if err != nil {
		return nil, fmt.Errorf("words: bleve analyzer %q: %w", name, err)
	}
	a := &Analyzer{name: name, a: faster(ba)}
	cache[name] = a
	return a, nil
}

// Name is the analyzer's name.
func (a *Analyzer) Name() string { return a.name }

// Terms returns text's terms in text order, repeats kept.
func (a *Analyzer) Terms(text string) []string {
	ts := a.a.Analyze([]byte(text))
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t.Term)
	}
	return out
}

// Counts are distinct terms with their frequencies.
type Counts struct {
	Terms []string // ascending
	TF    []int32  // TF[i] is the count of Terms[i]
	Len   int      // number of terms counted, repeats included (the document length)
}

// Count counts terms (in any order).
func Count(terms []string) Counts {
	s := slices.Clone(terms)
	slices.Sort(s)
	c := Counts{Len: len(terms)}
	for i := 0; i < len(s); {
		j := i + 1
		for j < len(s) && s[j] == s[i] {
			j++
		}
		c.Terms = append(c.Terms, s[i])
		c.TF = append(c.TF, int32(j-i))
		i = j
	}
	return c
}

// Config is the word part of a model or collection (config.json "words").
// The zero value means the defaults.
type Config struct {
	Analyzer string  `json:"analyzer,omitempty"` // default DefaultAnalyzer
	K1       float64 `json:"k1,omitempty"`       // default DefaultK1
	B        float64 `json:"b,omitempty"`        // default DefaultB
}

// EnsureDefaults fills zero fields with the defaults.
func (c *Config) EnsureDefaults() {
	if c.Analyzer == "" {
		c.Analyzer = DefaultAnalyzer
	}
	if c.K1 == 0 {
		c.K1 = DefaultK1
	}
	if c.B == 0 {
		c.B = DefaultB
	}
}

// Validate reports every problem of c (after EnsureDefaults).
func (c Config) Validate() error {
	var errs []string
	if c.Analyzer != English && c.Analyzer != Standard {
		errs = append(errs, fmt.Sprintf("analyzer %q: want %q or %q", c.Analyzer, English, Standard))
	}
	if !(c.K1 > 0 && c.K1 <= 100) {
		errs = append(errs, fmt.Sprintf("k1 %v: want 0 < k1 <= 100", c.K1))
	}
	if !(c.B >= 0 && c.B <= 1) {
		errs = append(errs, fmt.Sprintf("b %v: want 0 <= b <= 1", c.B))
	}
	if len(errs) > 0 {
		return fmt.Errorf("words: %s", strings.Join(errs, "; "))
	}
	return nil
}

// Weight is BM25's saturated, length-normalised term frequency
// tf*(k1+1) / (tf + k1*(1-b+b*dl/avgdl)): with the term's idf as the query
// weight, the inference-free score is exactly BM25. avgdl <= 0 (an empty
// corpus) is taken as dl, i.e. no length normalisation.
func (c Config) Weight(tf int32, dl int, avgdl float64) float32 {
	if avgdl <= 0 {
		avgdl = float64(max(dl, 1))
	}
	f := float64(tf)
	norm := c.K1 * (1 - c.B + c.B*float64(dl)/avgdl)
	return float32(f * (c.K1 + 1) / (f + norm))
}

// IDF is BM25's (Lucene's) inverse document frequency
// log(1 + (n - df + 0.5)/(df + 0.5)) of a term in df of n documents; 0 when
// df <= 0 or df > n (a term no live document holds matches nothing).
func IDF(n, df int) float32 {
	if df <= 0 || df > n {
		return 0
	}
	return float32(math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5)))
}

// IsTerm reports whether a token string names a word term ("w:flow").
func IsTerm(s string) bool { return len(s) > len(Prefix) && strings.HasPrefix(s, Prefix) }

// Bigrams returns the adjacent pairs of terms, each written "a b" (terms
// never contain spaces). A pair matches a document only where the two words
// stand next to each other after analysis (stop words removed), a cheap form
// of the sequential dependence model's ordered window (Metzler and Croft,
// SIGIR 2005).
func Bigrams(terms []string) []string {
	if len(terms) < 2 {
		return nil
	}
	out := make([]string, len(terms)-1)
	for i := range out {
		out[i] = terms[i] + " " + terms[i+1]
	}
	return out
}

// faster returns bleve's analyzer a with two exact speed-ups: the ASCII
// fast path of its Unicode tokenizer and a memo of its Porter stemmer (a
// itself when it is not bleve's DefaultAnalyzer). Terms are bleve's, token
// for token (tests compare them).
func faster(a analysis.Analyzer) analysis.Analyzer {
	da, ok := a.(*analysis.DefaultAnalyzer)
	if !ok {
		return a
	}
	out := *da
	if u, ok := da.Tokenizer.(*unicode.UnicodeTokenizer); ok {
		out.Tokenizer = &asciiTokenizer{general: u}
	}
	out.TokenFilters = make([]analysis.TokenFilter, len(da.TokenFilters))
	for i, f := range da.TokenFilters {
		if _, ok := f.(*porter.PorterStemmer); ok {
			f = newStemCache(f)
		}
		out.TokenFilters[i] = f
	}
	return &out
}
