package encoder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/sparse"
)

// IDF holds the query-side token weights of idf.json ({"token": weight}, the
// OpenSearch convention). Queries are never run through a model: a query is its
// deduplicated WordPiece tokens, each weighted by its IDF.
type IDF struct {
	w []float32 // by token id; 0 = unknown/dropped
}

// NewIDF wraps weights indexed by token id (copied).
func NewIDF(weights []float32) *IDF {
	return &IDF{w: append([]float32(nil), weights...)}
}

// LoadIDF reads idf.json from path; tokens must be in tok's vocabulary.
func LoadIDF(path string, tok *wordpiece.Tokenizer) (*IDF, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("encoder: idf: %w", err)
	}
	return ParseIDF(b, path, tok)
}

// ParseIDF decodes idf.json contents; name is used in errors.
func ParseIDF(data []byte, name string, tok *wordpiece.Tokenizer) (*IDF, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%s: invalid JSON: %w", name, err)
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%s: want a JSON object {\"token\": weight, ...}", name)
	}
	idf := &IDF{w: make([]float32, tok.VocabSize())}
	seen := make(map[int32]bool)
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: invalid JSON at byte %d: %w", name, dec.InputOffset(), err)
		}
		key := kt.(string) // object keys are always strings
		vt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: token %q: invalid JSON: %w", name, key, err)
		}
		num, ok := vt.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s: token %q: weight must be a number, got %v", name, key, vt)
		}
		f, err := num.Float64()
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > math.MaxFloat32 {
			return nil, fmt.Errorf("%s: token %q: weight %s must be a finite non-negative number", name, key, num)
		}
		id, ok := tok.ID(key)
		if !ok {
			return nil, fmt.Errorf("%s: token %q is not in the vocabulary", name, key)
		}
		if seen[id] {
			return nil, fmt.Errorf("%s: token %q appears twice", name, key)
		}
		seen[id] = true
		idf.w[id] = float32(f)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%s: invalid JSON: %w", name, err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("%s: trailing data after the JSON object", name)
	}
	return idf, nil
}

// Weight is the IDF of token id (0 when unknown or out of range).
func (idf *IDF) Weight(id int32) float32 {
	if id < 0 || int(id) >= len(idf.w) {
		return 0
	}
	return idf.w[id]
}

// Weights returns the weight table indexed by token id (shared; do not modify).
func (idf *IDF) Weights() []float32 { return idf.w }

// Query turns query text into a sparse vector: tokenize, deduplicate, weight =
// IDF; tokens with zero (or unknown) IDF are dropped.
func (idf *IDF) Query(tok *wordpiece.Tokenizer, text string) sparse.Vector {
	return idf.query(tok, text, false)
}

// QueryCounted is Query keeping each token's number of occurrences in the
// query: weight = count * IDF (a repeated word in a long query counts as
// often as it occurs, as BM25 engines do; docs/RESULTS.md, "Words beside
// WordPiece").
func (idf *IDF) QueryCounted(tok *wordpiece.Tokenizer, text string) sparse.Vector {
	return idf.query(tok, text, true)
}

func (idf *IDF) query(tok *wordpiece.Tokenizer, text string, counted bool) sparse.Vector {
	ids := tok.AppendIDs(make([]int32, 0, min(len(text), 256)), text) // a token spans >= 1 byte
	slices.Sort(ids)
	// two allocations per query (the serving hot path): ids is compacted in
	// place into the vector's IDs, weights sized once.
	v := sparse.Vector{IDs: ids[:0], Weights: make([]float32, 0, len(ids))}
	for i := 0; i < len(ids); {
		id, j := ids[i], i+1
		for j < len(ids) && ids[j] == id {
			j++
		}
		count := float32(1)
		if counted {
			count = float32(j - i)
		}
		i = j
		if w := idf.Weight(id); w > 0 {
			v.IDs = append(v.IDs, id)
			v.Weights = append(v.Weights, count*w)
		}
	}
	if len(v.IDs) == 0 {
		return sparse.Vector{}
	}
	return v
}

// MarshalIDF encodes weights (by token id) as idf.json, skipping zeros. Keys
// are sorted, so output is deterministic.
func MarshalIDF(tok *wordpiece.Tokenizer, weights []float32) ([]byte, error) {
	if len(weights) > tok.VocabSize() {
		// ids past the vocabulary have no token: they would all be written as "".
		return nil, fmt.Errorf("encoder: idf: %d weights for a vocabulary of %d tokens", len(weights), tok.VocabSize())
	}
	m := make(map[string]float32)
	for id, w := range weights {
		if w > 0 {
			m[tok.Token(int32(id))] = w
		}
	}
	return json.MarshalIndent(m, "", " ")
}
