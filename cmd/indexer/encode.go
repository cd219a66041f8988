package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/internal/progress"
	"github.com/sparrow-search/sparrow/sparse"
)

func init() {
	register("encode", "encode a corpus into sparse vectors JSONL (the --vectors input of build)", runEncode)
}

func runEncode(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("encode", stderr, "encode --corpus DIR|FILE.jsonl --out FILE.jsonl|- [--model MODELDIR] [flags]")
	corpus := fs.String("corpus", "", "BEIR dataset directory or corpus JSONL file (required)")
	out := fs.String("out", "", "output JSONL file ({\"id\",\"vector\":{\"token\":weight},\"title\",\"text\"} a line); - = stdout (required)")
	model := fs.String("model", "", "model directory (default: the bundled default model)")
	noText := fs.Bool("no-text", false, "omit title and text from the output")
	batch := fs.Int("batch", 512, "documents per encoding batch")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "parallel encoding workers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *corpus == "" || *out == "" {
		return errors.New("--corpus and --out are required")
	}
	if *batch <= 0 || *workers <= 0 {
		return errors.New("--batch and --workers must be >= 1")
	}
	m, err := new(collection.Models).Load(*model)
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	src, err := collection.FileSource(*corpus, false)
	if err != nil {
		return fmt.Errorf("--corpus: %w", err)
	}
	var w io.Writer = stdout
	var fh *os.File
	if *out != "-" {
		if fh, err = os.Create(*out); err != nil {
			return err
		}
		defer fh.Close()
		w = fh
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	total, err := src.Len()
	if err != nil {
		return err
	}
	bar := progress.New(stderr, total, "encoding", "docs")
	defer bar.Close()
	var line []byte
	opts := collection.LoadOptions{BatchSize: *batch, Workers: *workers}
	err = collection.EncodeSource(context.Background(), src, m, opts, func(docs []index.Document) error {
		defer bar.Add(len(docs))
		for _, d := range docs {
			line = appendVectorLine(line[:0], d, m.Tokenizer, !*noText)
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if fh != nil {
		if err := fh.Close(); err != nil {
			return err
		}
	}
	bar.Finish()
	return nil
}

// appendVectorLine writes one contract-4 line, tokens in id order.
func appendVectorLine(b []byte, d index.Document, tok *wordpiece.Tokenizer, withText bool) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, d.ID)
	b = append(b, `,"vector":`...)
	b = appendTokenMap(b, d.Vector, tok, nil)
	if withText {
		b = append(b, `,"title":`...)
		b = appendJSONString(b, d.Title)
		b = append(b, `,"text":`...)
		b = appendJSONString(b, d.Text)
	}
	return append(b, "}\n"...)
}

// appendTokenMap writes {"token": weight, ...}; skip drops tokens.
func appendTokenMap(b []byte, v sparse.Vector, tok *wordpiece.Tokenizer, skip func(string) bool) []byte {
	b = append(b, '{')
	first := true
	for i, id := range v.IDs {
		t := tok.Token(id)
		if skip != nil && skip(t) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, t)
		b = append(b, ':')
		b = strconv.AppendFloat(b, float64(v.Weights[i]), 'g', -1, 32)
	}
	return append(b, '}')
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// appendTokens writes a {token: weight} vector as a JSON object, tokens in
// ascending order (deterministic output), leaving out those skip names.
func appendTokens(b []byte, tokens map[string]float64, skip func(string) bool) []byte {
	keys := make([]string, 0, len(tokens))
	for t := range tokens {
		if skip == nil || !skip(t) {
			keys = append(keys, t)
		}
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, t := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, t)
		b = append(b, ':')
		b = strconv.AppendFloat(b, tokens[t], 'g', -1, 32)
	}
	return append(b, '}')
}
