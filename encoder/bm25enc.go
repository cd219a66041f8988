package encoder

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/sparrow-search/sparrow/sparse"
)

// ArchBM25TF is the "bm25-tf" architecture: a document's weight for token t is
// BM25's saturated, length-normalised term frequency
//
//	w_dt = tf*(k1+1) / (tf + k1*(1-b+b*dl/avgdl))
//
// over WordPiece tokens, so with idf.json holding BM25 IDFs the inference-free
// score sum_t idf_t*w_dt is exactly BM25 over WordPiece tokens.
const ArchBM25TF = "bm25-tf"

// Default BM25 parameters: the best plain-BM25 setting measured on SciFact.
const (
	DefaultK1 = 0.9
	DefaultB  = 0.4
)

func init() {
	registerBackendFS(ArchBM25TF, func(_ fs.FS, _ string, cfg Config, tok *Tokenizer, _ *IDF) (Encoder, error) {
		return NewBM25TF(tok, cfg)
	})
}

// BM25TF is the bm25-tf encoder.
type BM25TF struct {
	tok    *Tokenizer
	k1, b  float64
	avgdl  float64
	maxLen int
	terms  docTerms
}

// NewBM25TF builds the encoder from cfg's k1, b, avgdl and max_length.
func NewBM25TF(tok *Tokenizer, cfg Config) (*BM25TF, error) {
	if cfg.AvgDL <= 0 {
		return nil, fmt.Errorf("bm25-tf needs \"avgdl\" > 0 in config.json")
	}
	if cfg.K1 <= 0 {
		return nil, fmt.Errorf("bm25-tf needs \"k1\" > 0 in config.json")
	}
	terms, err := newDocTerms(tok, cfg)
	if err != nil {
		return nil, err
	}
	return &BM25TF{tok: tok, k1: cfg.K1, b: cfg.B, avgdl: cfg.AvgDL, maxLen: cfg.MaxLength, terms: terms}, nil
}

// controlTokens marks the BERT control tokens present in tok's vocabulary
// ([PAD] [UNK] [CLS] [SEP] [MASK]), which document vectors never carry.
func controlTokens(tok *Tokenizer) []bool {
	s := make([]bool, tok.VocabSize())
	for _, sp := range tok.special {
		s[sp.id] = true
	}
	return s
}

// Encode implements Encoder.
func (e *BM25TF) Encode(texts []string) ([]sparse.Vector, error) {
	out := make([]sparse.Vector, len(texts))
	var ids []int32
	for i, t := range texts {
		ids = e.tok.AppendIDs(ids[:0], t)
		if e.maxLen > 0 && len(ids) > e.maxLen {
			ids = ids[:e.maxLen]
		}
		out[i] = e.encodeIDs(ids)
	}
	return out, nil
}

// encodeIDs returns the weights of a document's tokens (in text order).
func (e *BM25TF) encodeIDs(ids []int32) sparse.Vector {
	norm := e.k1 * (1 - e.b + e.b*float64(len(ids))/e.avgdl)
	tc := e.terms.count(ids)
	v := sparse.Vector{IDs: tc.IDs, Weights: make([]float32, len(tc.IDs))}
	for i, f := range tc.TF {
		tf := float64(f)
		v.Weights[i] = float32(tf * (e.k1 + 1) / (tf + norm))
	}
	return v
}

// BM25Stats are corpus statistics over WordPiece tokens.
type BM25Stats struct {
	N     int     // documents
	AvgDL float64 // mean tokens per document (after MaxLength truncation)
	DF    []int32 // document frequency by token id
}

// CorpusStats counts document frequencies of texts' tokens. maxLen truncates
// like the encoder does (0 = no limit).
func CorpusStats(tok *Tokenizer, maxLen int, texts func(yield func(string) error) error) (*BM25Stats, error) {
	return ConflatedCorpusStats(tok, nil, maxLen, texts)
}

// ConflatedCorpusStats is CorpusStats counting, like an encoder with conflation
// c, a document for every member of a stem class one of its words is in: the
// idf of "flows" is then the idf of the class, as a stemming analyzer's is.
func ConflatedCorpusStats(tok *Tokenizer, c *Conflation, maxLen int, texts func(yield func(string) error) error) (*BM25Stats, error) {
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
		for _, id := range CountTerms(ids, none, c).IDs {
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
func (st *BM25Stats) IDFWeights(tok *Tokenizer) []float32 {
	w := make([]float32, len(st.DF))
	special := controlTokens(tok)
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
// needed). Backends add their own files.
func WriteModelDir(dir string, cfg Config, tok *Tokenizer, idf []float32) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
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
	}{{ConfigFile, append(cb, '\n')}, {VocabFile, vocabBytes(tok)}, {IDFFile, append(ib, '\n')}} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// BuildBM25Model writes a bm25-tf model directory for a corpus: idf.json holds
// the corpus's BM25 IDFs and config.json its average length.
func BuildBM25Model(dir string, tok *Tokenizer, k1, b float64, maxLen int, texts func(yield func(string) error) error) error {
	st, err := CorpusStats(tok, maxLen, texts)
	if err != nil {
		return err
	}
	if st.N == 0 {
		return fmt.Errorf("bm25 model: empty corpus")
	}
	cfg := Config{Architecture: ArchBM25TF, VocabSize: tok.VocabSize(), MaxLength: maxLen, K1: k1, B: b, AvgDL: st.AvgDL}
	return WriteModelDir(dir, cfg, tok, st.IDFWeights(tok))
}
