package main

import (
	"fmt"
	"runtime"
	"strconv"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/eval"
	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/scoring"
)

// System "sparse": the inference-free learned sparse retriever. Documents are
// encoded with the model (--model MODELDIR, default: the bundled model) in
// parallel, indexed into one segment and searched with scoring.Search;
// queries are their WordPiece tokens weighted by the model's idf.json (no
// model at query time). Parameters: algorithm (scoring algorithm, default the
// engine's), workers (encoding goroutines, default GOMAXPROCS).
func init() {
	eval.RegisterSystem("sparse", openSparse)
}

type sparseSystem struct {
	m     *encoder.Model
	views []segment.View
	ids   []string
	alg   string
}

func openSparse(ctx *eval.SystemContext) (eval.Retriever, error) {
	if err := ctx.CheckParams("sparse", "algorithm", "workers"); err != nil {
		return nil, err
	}
	var m *encoder.Model
	var err error
	if ctx.ModelDir != "" {
		m, err = encoder.LoadModel(ctx.ModelDir)
	} else {
		m, err = encoder.LoadDefault()
	}
	if err != nil {
		return nil, err
	}
	workers := runtime.GOMAXPROCS(0)
	if s := ctx.Param("workers", ""); s != "" {
		if workers, err = strconv.Atoi(s); err != nil || workers < 1 {
			return nil, fmt.Errorf("sparse: workers=%q: want a positive integer", s)
		}
	}
	corpus := ctx.Dataset.Corpus
	if ctx.Progress != nil {
		fmt.Fprintf(ctx.Progress, "sparse: encoding %d documents with %s (%s)\n", len(corpus), m.Dir, m.Config.Architecture)
	}
	vecs, err := distill.EncodeCorpus(m.Encoder, corpus, workers, ctx.Progress)
	// Queries need only the tokenizer and idf.json: release the encoder
	// (an ONNX Runtime session) as soon as the corpus is encoded.
	if cerr := m.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("sparse: closing the encoder: %w", cerr)
	}
	if err != nil {
		return nil, err
	}
	b := segment.NewBuilder(segment.Options{})
	ids := make([]string, len(corpus))
	for i, v := range vecs {
		if d := b.Add(v); int(d) != i {
			return nil, fmt.Errorf("sparse: segment gave local id %d to document %d", d, i)
		}
		ids[i] = corpus[i].ID
	}
	seg, err := b.Build()
	if err != nil {
		return nil, err
	}
	return &sparseSystem{m: m, views: []segment.View{{Segment: seg}}, ids: ids, alg: ctx.Param("algorithm", "")}, nil
}

func (s *sparseSystem) Retrieve(q dataset.Query, k int) ([]eval.Hit, error) {
	qv := s.m.IDF.Query(s.m.Tokenizer, q.Text)
	hits, err := scoring.Search(s.views, qv, scoring.Options{K: k, Algorithm: s.alg})
	if err != nil {
		return nil, err
	}
	out := make([]eval.Hit, len(hits))
	for i, h := range hits {
		out[i] = eval.Hit{ID: s.ids[h.Doc], Score: float64(h.Score)}
	}
	return out, nil
}
