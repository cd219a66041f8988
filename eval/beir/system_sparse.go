package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/eval"
)

// System "sparse": the inference-free learned sparse retriever, run exactly
// as searchd serves it: the corpus is loaded into an in-memory collection
// (package collection: encoded with the model, --model MODELDIR or the
// bundled default, committed in batches and compacted) and every query is a
// collection search in mode sparse (WordPiece tokens weighted by the
// model's idf.json; no model at query time). Parameters: algorithm (the
// scoring algorithm; default the collection's choice), workers (encoding
// goroutines, default GOMAXPROCS).
func init() {
	eval.RegisterSystem("sparse", openSparse)
}

func openSparse(ctx *eval.SystemContext) (eval.Retriever, error) {
	if err := ctx.CheckParams("sparse", "algorithm", "workers"); err != nil {
		return nil, err
	}
	c, err := loadCollection(ctx, collection.Options{Algorithm: ctx.Param("algorithm", "")})
	if err != nil {
		return nil, fmt.Errorf("sparse: %w", err)
	}
	return &collectionSystem{c: c, mode: collection.ModeSparse}, nil
}

// loadCollection loads the evaluation corpus into an in-memory collection
// with ctx's model and the "workers" parameter.
func loadCollection(ctx *eval.SystemContext, opts collection.Options) (*collection.Collection, error) {
	lo := collection.LoadOptions{
		// bleve's BM25 normalisation depends on how its segments were
		// batched; lexical.Build's batch size keeps mode bm25 and hybrid
		// scoring like the `bm25` system.
		BatchSize: 1000,
		Progress:  ctx.Progress,
	}
	if s := ctx.Param("workers", ""); s != "" {
		var err error
		if lo.Workers, err = strconv.Atoi(s); err != nil || lo.Workers < 1 {
			return nil, fmt.Errorf("workers=%q: want a positive integer", s)
		}
	}
	opts.InMemory = true
	opts.Model = ctx.ModelDir
	c, err := collection.Create("", opts)
	if err != nil {
		return nil, err
	}
	if ctx.Progress != nil {
		fmt.Fprintf(ctx.Progress, "loading %d documents into an in-memory collection (model %s)\n", len(ctx.Dataset.Corpus), c.Manifest().Model)
	}
	src := collection.DocsSource("beir "+ctx.Dataset.Dir, ctx.Dataset.Corpus)
	if _, err := c.Load(context.Background(), src, lo); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// collectionSystem answers queries with collection searches: the served
// path, ids and scores only.
type collectionSystem struct {
	c      *collection.Collection
	mode   string
	hybrid *collection.HybridOptions
}

func (s *collectionSystem) Retrieve(q dataset.Query, k int) ([]eval.Hit, error) {
	res, err := s.c.Search(context.Background(), collection.Query{Text: q.Text, K: k, Mode: s.mode, Hybrid: s.hybrid, IDsOnly: true})
	if err != nil {
		return nil, err
	}
	out := make([]eval.Hit, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.Hit
	}
	return out, nil
}

func (s *collectionSystem) Close() error { return s.c.Close() }
