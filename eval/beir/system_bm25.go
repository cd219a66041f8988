package main

import (
	"fmt"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/eval"
	"github.com/sparrow-search/sparrow/lexical"
)

// System "bm25": bleve/v2 BM25 over title+text, built in memory from the
// corpus. Parameters: analyzer (standard|en), fields (joined|separate).
func init() {
	eval.RegisterSystem("bm25", openBM25)
}

type bm25System struct{ ix *lexical.Index }

func openBM25(ctx *eval.SystemContext) (eval.Retriever, error) {
	if err := ctx.CheckParams("bm25", "analyzer", "fields"); err != nil {
		return nil, err
	}
	if ctx.ModelDir != "" {
		return nil, fmt.Errorf("system bm25 takes no --model (got %q)", ctx.ModelDir)
	}
	opts := lexical.Options{
		Analyzer: ctx.Param("analyzer", ""),
		Fields:   ctx.Param("fields", ""),
		Progress: ctx.Progress,
	}
	ix, err := lexical.Build(ctx.Dataset.Corpus, "", opts)
	if err != nil {
		return nil, err
	}
	return &bm25System{ix: ix}, nil
}

func (s *bm25System) Retrieve(q dataset.Query, k int) ([]eval.Hit, error) {
	return s.ix.Search(q.Text, k) // lexical.Hit is eval.Hit (sparse.Hit)
}

func (s *bm25System) Close() error { return s.ix.Close() }
