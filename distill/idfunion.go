package distill

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// UnionIDF computes BM25 idf weights (by token id) from the documents of
// several corpora together (corpus.jsonl of each BEIR directory; never queries
// or qrels), so that a model's idf.json covers more than its training corpus's
// vocabulary. Tokens that occur in none of the documents get prior (typically
// MaxIDF(N): as rare as a token seen once or less) instead of 0, so that a query
// word never seen in training is still matched rather than dropped; control
// tokens ([PAD], [CLS], [unusedN], ...) stay 0. A directory named twice is
// read once. Returns the weights, the mean document length in tokens (after
// maxLen truncation) and the document count. With a conflation, document
// frequencies are counted as encoder.ConflatedCorpusStats does.
func UnionIDF(tok *wordpiece.Tokenizer, conf *wordpiece.Conflation, maxLen int, dirs []string, prior func(n int) float32) ([]float32, float64, int, error) {
	if len(dirs) == 0 {
		return nil, 0, 0, fmt.Errorf("union idf: no corpora")
	}
	seen := map[string]bool{}
	var uniq []string
	for _, d := range dirs {
		if c := filepath.Clean(d); !seen[c] {
			seen[c] = true
			uniq = append(uniq, d)
		}
	}
	dirs = uniq
	st, err := encoder.ConflatedCorpusStats(tok, conf, maxLen, func(y func(string) error) error {
		for _, dir := range dirs {
			err := dataset.ReadCorpus(filepath.Join(dir, "corpus.jsonl"), func(d dataset.Doc) error {
				return y(encoder.DocText(d.Title, d.Text))
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, 0, err
	}
	if st.N == 0 {
		return nil, 0, 0, fmt.Errorf("union idf: %s: no documents", strings.Join(dirs, ","))
	}
	idf := st.IDFWeights(tok)
	if prior != nil {
		p := prior(st.N)
		for id, df := range st.DF {
			if df == 0 && !isControl(tok.Token(int32(id))) {
				idf[id] = p
			}
		}
	}
	return idf, st.AvgDL, st.N, nil
}

// MaxIDF is the BM25 idf of a token with document frequency 0 among n
// documents: the prior UnionIDF gives to unseen tokens.
func MaxIDF(n int) float32 {
	return float32(math.Log(1 + (float64(n)+0.5)/0.5))
}

// isControl reports BERT's bracketed special tokens ([PAD], [unused0], ...).
func isControl(t string) bool {
	return strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]")
}
