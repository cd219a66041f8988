package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/eval"
)

// System "sparse": the inference-free learned sparse retriever, run exactly
// as searchd serves it: the corpus is loaded into an in-memory collection
// (package collection: encoded with the model, --model MODELDIR or the
// bundled default, committed in batches and compacted) and every query is a
// collection search in mode sparse (WordPiece tokens weighted by the
// collection's analysis: word terms beside WordPiece, query term counts,
// the served corpus's idf; no model at query time). Parameters: algorithm
// (the scoring algorithm; default the collection's choice), workers
// (encoding goroutines, default GOMAXPROCS), and overrides of the model's
// config.json "analysis" (modeldir.Analysis) for ablations: words
// (en|standard|none), k1, b, bigram_weight, query_terms (count|unique), idf
// (corpus|model), piece_weight.
func init() {
	eval.RegisterSystem("sparse", openSparse)
}

func openSparse(ctx *eval.SystemContext) (eval.Retriever, error) {
	if err := ctx.CheckParams("sparse", append([]string{"algorithm", "workers"}, analysisParams...)...); err != nil {
		return nil, err
	}
	ana, err := analysisOverride(ctx)
	if err != nil {
		return nil, fmt.Errorf("sparse: %w", err)
	}
	c, err := loadCollection(ctx, collection.Options{Algorithm: ctx.Param("algorithm", ""), Analysis: ana})
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

// analysisParams are the --param keys that override the model's analysis.
var analysisParams = []string{"words", "k1", "b", "bigram_weight", "query_terms", "idf", "piece_weight"}

// analysisOverride is the model's analysis with ctx's overrides (nil when
// none is given).
func analysisOverride(ctx *eval.SystemContext) (*modeldir.Analysis, error) {
	given := false
	for _, k := range analysisParams {
		if _, ok := ctx.Params[k]; ok {
			given = true
		}
	}
	if !given {
		return nil, nil
	}
	m, err := new(collection.Models).Load(ctx.ModelDir)
	if err != nil {
		return nil, err
	}
	a := modeldir.Analysis{}
	if m.Config.Analysis != nil {
		a = *m.Config.Analysis
	}
	num := func(key string, dst **float64) error {
		s, ok := ctx.Params[key]
		if !ok {
			return nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%s=%q: want a number", key, s)
		}
		*dst = &f
		return nil
	}
	var k1, bw *float64
	for key, dst := range map[string]**float64{"k1": &k1, "b": &a.B, "bigram_weight": &bw, "piece_weight": &a.PieceWeight} {
		if err := num(key, dst); err != nil {
			return nil, err
		}
	}
	if k1 != nil {
		a.K1 = *k1
	}
	if bw != nil {
		a.BigramWeight = *bw
	}
	a.Words = ctx.Param("words", a.Words)
	a.QueryTerms = ctx.Param("query_terms", a.QueryTerms)
	a.IDF = ctx.Param("idf", a.IDF)
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &a, nil
}
