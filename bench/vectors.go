package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/sparrow-search/sparrow/encoder"
)

// vectorLine is contract 4's pre-encoded document (and the query format).
type vectorLine struct {
	ID     string             `json:"id"`
	Vector map[string]float32 `json:"vector"`
}

// readVectors reads a vector JSONL file, mapping WordPiece tokens to ids.
func readVectors(path string, tok *encoder.Tokenizer, fn func(id string, v encoder.SparseVector) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	line := 0
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
			var vl vectorLine
			if jerr := json.Unmarshal(b, &vl); jerr != nil {
				return fmt.Errorf("%s:%d: %v", path, line, jerr)
			}
			v, verr := toVector(vl.Vector, tok)
			if verr != nil {
				return fmt.Errorf("%s:%d: %v", path, line, verr)
			}
			if ferr := fn(vl.ID, v); ferr != nil {
				return fmt.Errorf("%s:%d: %v", path, line, ferr)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
}

func toVector(m map[string]float32, tok *encoder.Tokenizer) (encoder.SparseVector, error) {
	type e struct {
		id int32
		w  float32
	}
	es := make([]e, 0, len(m))
	for t, w := range m {
		id, ok := tok.ID(t)
		if !ok {
			return encoder.SparseVector{}, fmt.Errorf("token %q not in the vocabulary", t)
		}
		es = append(es, e{id, w})
	}
	slices.SortFunc(es, func(a, b e) int { return int(a.id) - int(b.id) })
	var v encoder.SparseVector
	for _, x := range es {
		v.IDs = append(v.IDs, x.id)
		v.Weights = append(v.Weights, x.w)
	}
	return v, nil
}
