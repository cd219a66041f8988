package native

import (
	"fmt"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/sparse"
)

// Default BM25 parameters: the best plain-BM25 setting measured on SciFact.
const (
	DefaultK1 = 0.9
	DefaultB  = 0.4
)

// BM25TF is the "bm25-tf" architecture (modeldir.ArchBM25TF): a document's
// weight for token t is BM25's saturated, length-normalised term frequency
//
//	w_dt = tf*(k1+1) / (tf + k1*(1-b+b*dl/avgdl))
//
// over WordPiece tokens, so with idf.json holding BM25 IDFs the inference-free
// score sum_t idf_t*w_dt is exactly BM25 over WordPiece tokens. Safe for
// concurrent use.
type BM25TF struct {
	tok    *wordpiece.Tokenizer
	k1, b  float64
	avgdl  float64
	maxLen int
	terms  wordpiece.Analysis
}

// NewBM25TF builds the encoder from cfg's k1, b, avgdl and max_length.
func NewBM25TF(tok *wordpiece.Tokenizer, cfg modeldir.Config) (*BM25TF, error) {
	if cfg.AvgDL <= 0 {
		return nil, fmt.Errorf("native: bm25-tf needs \"avgdl\" > 0 in config.json")
	}
	if cfg.K1 <= 0 {
		return nil, fmt.Errorf("native: bm25-tf needs \"k1\" > 0 in config.json")
	}
	terms, err := wordpiece.NewAnalysis(tok, cfg.Conflate, cfg.Stopwords)
	if err != nil {
		return nil, err // already "wordpiece: ..."
	}
	return &BM25TF{tok: tok, k1: cfg.K1, b: cfg.B, avgdl: cfg.AvgDL, maxLen: cfg.MaxLength, terms: terms}, nil
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
	tc := e.terms.Count(ids)
	v := sparse.Vector{IDs: tc.IDs, Weights: make([]float32, len(tc.IDs))}
	for i, f := range tc.TF {
		tf := float64(f)
		v.Weights[i] = float32(tf * (e.k1 + 1) / (tf + norm))
	}
	return v
}
