package distill

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill/teachers"
	"github.com/sparrow-search/sparrow/encoder"
)

// Pseudo-query kinds.
const (
	PseudoTitle     = "title"     // the document's title
	PseudoSentence  = "sentence"  // a sampled sentence of the body (capped length)
	PseudoKeyphrase = "keyphrase" // a few of the document's top TF-IDF words
)

// PseudoOptions configure PseudoQueries. Zero values mean the defaults.
type PseudoOptions struct {
	// Queries is how many to make (default min(len(corpus), 2000)). Source
	// documents are sampled without replacement while possible.
	Queries int
	// Kinds to draw from, uniformly (default all three; a kind a document
	// cannot give, e.g. an empty title, falls back to another).
	Kinds []string
	// Seed makes the output reproducible (default 1).
	Seed uint64
	// MaxWords caps sentence queries (default 20).
	MaxWords int
	// KeyphraseTerms is the range of words in a keyphrase query (default 2..5),
	// drawn from the document's top 2*max TF-IDF words.
	MinKeyTerms, MaxKeyTerms int
}

// PseudoQueries makes queries from the corpus alone and qrels marking each
// query's source document relevant (1). IDs are "pq<i>-<kind>-<docid>".
func PseudoQueries(corpus []dataset.Doc, opts PseudoOptions) ([]dataset.Query, dataset.Qrels, error) {
	if opts.Queries <= 0 {
		opts.Queries = min(len(corpus), 2000)
	}
	if len(opts.Kinds) == 0 {
		opts.Kinds = []string{PseudoTitle, PseudoSentence, PseudoKeyphrase}
	}
	for _, k := range opts.Kinds {
		if k != PseudoTitle && k != PseudoSentence && k != PseudoKeyphrase {
			return nil, nil, fmt.Errorf("distill: unknown pseudo-query kind %q (want %s, %s or %s)", k, PseudoTitle, PseudoSentence, PseudoKeyphrase)
		}
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.MaxWords <= 0 {
		opts.MaxWords = 20
	}
	if opts.MinKeyTerms <= 0 {
		opts.MinKeyTerms = 2
	}
	if opts.MaxKeyTerms < opts.MinKeyTerms {
		opts.MaxKeyTerms = max(5, opts.MinKeyTerms)
	}
	if len(corpus) == 0 {
		return nil, nil, fmt.Errorf("distill: pseudo-queries from an empty corpus")
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	df := map[string]int{}
	docWords := make([][]string, len(corpus))
	for i, d := range corpus {
		ws := contentWords(encoder.DocText(d.Title, d.Text))
		docWords[i] = ws
		seen := map[string]bool{}
		for _, w := range ws {
			if !seen[w] {
				seen[w] = true
				df[w]++
			}
		}
	}
	var qs []dataset.Query
	qrels := dataset.Qrels{}
	var order []int
	for len(qs) < opts.Queries {
		if len(order) == 0 {
			order = rng.Perm(len(corpus))
		}
		d := order[0]
		order = order[1:]
		kinds := slices.Clone(opts.Kinds)
		rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
		var text, kind string
		for _, k := range kinds {
			switch k {
			case PseudoTitle:
				text = strings.TrimSpace(corpus[d].Title)
			case PseudoSentence:
				text = sampleSentence(corpus[d].Text, opts.MaxWords, rng)
			case PseudoKeyphrase:
				text = keyphrase(docWords[d], df, len(corpus), opts.MinKeyTerms, opts.MaxKeyTerms, rng)
			}
			if text != "" {
				kind = k
				break
			}
		}
		if text == "" {
			if len(order) == 0 && len(qs) == 0 {
				return nil, nil, fmt.Errorf("distill: no document yields a pseudo-query")
			}
			continue
		}
		id := fmt.Sprintf("pq%d-%s-%s", len(qs), kind, corpus[d].ID)
		qs = append(qs, dataset.Query{ID: id, Text: text})
		qrels[id] = map[string]int{corpus[d].ID: 1}
	}
	return qs, qrels, nil
}

// contentWords are lowercased words of 3+ characters, not stop words, not numbers.
func contentWords(text string) []string {
	var out []string
	for _, w := range teachers.Words(text) {
		if len([]rune(w)) < 3 || teachers.StopWord(w) || strings.IndexFunc(w, unicode.IsLetter) < 0 {
			continue
		}
		out = append(out, w)
	}
	return out
}

func sampleSentence(text string, maxWords int, rng *rand.Rand) string {
	var sents []string
	start := 0
	for i := 0; i < len(text); i++ {
		if (text[i] == '.' || text[i] == '?' || text[i] == '!') && (i+1 == len(text) || text[i+1] == ' ') {
			sents = append(sents, text[start:i])
			start = i + 1
		}
	}
	sents = append(sents, text[start:])
	var good []string
	for _, s := range sents {
		if n := len(strings.Fields(s)); n >= 4 {
			good = append(good, s)
		}
	}
	if len(good) == 0 {
		return ""
	}
	f := strings.Fields(good[rng.IntN(len(good))])
	if len(f) > maxWords {
		off := rng.IntN(len(f) - maxWords + 1)
		f = f[off : off+maxWords]
	}
	return strings.Join(f, " ")
}

func keyphrase(words []string, df map[string]int, n, lo, hi int, rng *rand.Rand) string {
	tf := map[string]int{}
	for _, w := range words {
		tf[w]++
	}
	type tw struct {
		w string
		s float64
	}
	var ts []tw
	for w, c := range tf {
		ts = append(ts, tw{w, float64(c) * math.Log(float64(n+1)/float64(df[w]))})
	}
	if len(ts) < lo {
		return ""
	}
	slices.SortFunc(ts, func(a, b tw) int {
		if a.s != b.s {
			if a.s > b.s {
				return -1
			}
			return 1
		}
		return strings.Compare(a.w, b.w)
	})
	ts = ts[:min(len(ts), 2*hi)]
	m := min(lo+rng.IntN(hi-lo+1), len(ts))
	pick := rng.Perm(len(ts))[:m]
	slices.Sort(pick) // keep TF-IDF order
	out := make([]string, m)
	for i, p := range pick {
		out[i] = ts[p].w
	}
	return strings.Join(out, " ")
}
