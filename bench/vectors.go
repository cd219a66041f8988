package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/sparse"
)

// vectorLine is contract 4's pre-encoded document (and the query format).
type vectorLine struct {
	ID     string             `json:"id"`
	Vector map[string]float64 `json:"vector"`
}

// readVectors reads a vector JSONL file, mapping WordPiece tokens to ids.
func readVectors(path string, tok *wordpiece.Tokenizer, fn func(id string, v sparse.Vector) error) error {
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
			v, verr := encoder.VectorFromTokens(tok, vl.Vector)
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
