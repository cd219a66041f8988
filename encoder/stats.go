package encoder

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// BM25Stats are corpus statistics over WordPiece tokens.
type BM25Stats struct {
	N     int     // documents
	AvgDL float64 // mean tokens per document (after MaxLength truncation)
	DF    []int32 // document frequency by token id
}

// CorpusStats counts document frequencies of texts' tokens. maxLen truncates
// like the encoder does (0 = no limit).
func CorpusStats(tok *wordpiece.Tokenizer, maxLen int, texts func(yield func(string) error) error) (*BM25Stats, error) {
	return ConflatedCorpusStats(tok, nil, maxLen, texts)
}

// ConflatedCorpusStats is CorpusStats counting, like an encoder with conflation
// c, a document for every member of a stem class one of its words is in: the
// idf of "flows" is then the idf of the class, as a stemming analyzer's is.
func ConflatedCorpusStats(tok *wordpiece.Tokenizer, c *wordpiece.Conflation, maxLen int, texts func(yield func(string) error) error) (*BM25Stats, error) {
	st := &BM25Stats{DF: make([]int32, tok.VocabSize())}
	var ids []int32
	var total float64
	none := make([]bool, tok.VocabSize()) // every token counts, control tokens too
	err := texts(func(t string) error {
		ids = tok.AppendIDs(ids[:0], t)
		if maxLen > 0 && len(ids) > maxLen {
			ids = ids[:maxLen]
		}
		total += float64(len(ids))
		st.N++
		for _, id := range wordpiece.CountTerms(ids, none, c).IDs {
			st.DF[id]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if st.N > 0 {
		st.AvgDL = total / float64(st.N)
	}
	return st, nil
}

// IDFWeights returns BM25 (Lucene) IDFs log(1+(N-df+0.5)/(df+0.5)) for tokens
// seen in the corpus, 0 for unseen and special tokens.
func (st *BM25Stats) IDFWeights(tok *wordpiece.Tokenizer) []float32 {
	w := make([]float32, len(st.DF))
	special := tok.ControlMask()
	n := float64(st.N)
	for id, df := range st.DF {
		if df == 0 || special[id] {
			continue
		}
		d := float64(df)
		w[id] = float32(math.Log(1 + (n-d+0.5)/(d+0.5)))
	}
	return w
}

// WriteModelDir writes config.json, vocab.txt and idf.json into dir (created if
// needed). Back ends add their own files (native.WriteParams).
func WriteModelDir(dir string, cfg modeldir.Config, tok *wordpiece.Tokenizer, idf []float32) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("encoder: config: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cb, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	ib, err := MarshalIDF(tok, idf)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{modeldir.ConfigFile, append(cb, '\n')}, {modeldir.VocabFile, tok.VocabBytes()}, {modeldir.IDFFile, append(ib, '\n')}} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// BuildBM25Model writes a bm25-tf model directory for a corpus: idf.json holds
// the corpus's BM25 IDFs and config.json its average length.
func BuildBM25Model(dir string, tok *wordpiece.Tokenizer, k1, b float64, maxLen int, texts func(yield func(string) error) error) error {
	st, err := CorpusStats(tok, maxLen, texts)
	if err != nil {
		return err
	}
	if st.N == 0 {
		return fmt.Errorf("encoder: bm25 model: empty corpus")
	}
	cfg := modeldir.Config{Architecture: modeldir.ArchBM25TF, VocabSize: tok.VocabSize(), MaxLength: maxLen, K1: k1, B: b, AvgDL: st.AvgDL}
	return WriteModelDir(dir, cfg, tok, st.IDFWeights(tok))
}
