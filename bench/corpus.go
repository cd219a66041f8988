package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/internal/cputime"
	"github.com/sparrow-search/sparrow/sparse"
)

// corpus is the benchmark's index and what the mixes need from it.
type corpus struct {
	seg *segment.Segment
	// doc regenerates document i (bleve's text, reordering's rebuild).
	doc  func(i int) sparse.Vector
	maxW float32
	// build measures Add + Build (zero when the segment came from a cache).
	buildWall, buildCPU time.Duration
	// topics of a topical synthetic corpus (the "topic" sampling).
	topics [][]int32
	// given holds the queries of the vector and real modes.
	given []sparse.Vector
}

// source streams n documents for a build.
type source struct {
	n   int
	doc func(i int) sparse.Vector
}

// buildSegment adds the documents (in order[i] order when order is not
// nil) and builds the segment, timing Add and Build only: documents are
// generated in batches outside the clock.
func buildSegment(src source, order []uint32, opts segment.Options, profile string) (*segment.Segment, time.Duration, time.Duration, error) {
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return nil, 0, 0, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, 0, 0, err
		}
		defer pprof.StopCPUProfile()
	}
	var wall, cpu time.Duration
	b := segment.NewBuilder(opts)
	batch := make([]sparse.Vector, 0, 10000)
	for i := 0; i < src.n; {
		batch = batch[:0]
		for ; i < src.n && len(batch) < cap(batch); i++ {
			d := i
			if order != nil {
				d = int(order[i])
			}
			batch = append(batch, src.doc(d))
		}
		w0, c0 := time.Now(), cputime.Process()
		for _, v := range batch {
			b.Add(v)
		}
		wall += time.Since(w0)
		cpu += cputime.Process() - c0
	}
	w0, c0 := time.Now(), cputime.Process()
	seg, err := b.Build()
	wall += time.Since(w0)
	cpu += cputime.Process() - c0
	return seg, wall, cpu, err
}

// syntheticCorpus builds (or loads from cache) the synthetic corpus.
func syntheticCorpus(so SynthOptions, docs int, opts segment.Options, cache, profile string) (*corpus, error) {
	gen := newSynth(so)
	seen := map[int32]struct{}{}
	c := &corpus{maxW: float32(so.MaxWeight), topics: gen.topics}
	c.doc = func(i int) sparse.Vector { return gen.doc(i, seen) }
	if cache != "" {
		if data, err := os.ReadFile(cache); err == nil {
			if c.seg, err = segment.Decode(data); err != nil {
				return nil, fmt.Errorf("%s: %v", cache, err)
			}
			fmt.Fprintf(os.Stderr, "loaded %s (build figures not measured)\n", cache)
			return c, nil
		}
	}
	var err error
	if c.seg, c.buildWall, c.buildCPU, err = buildSegment(source{docs, c.doc}, nil, opts, profile); err != nil {
		return nil, err
	}
	if cache != "" {
		data, err := c.seg.MarshalBinary()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(cache, data, 0o644); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// vectorCorpus reads contract 4's document vectors and the query vectors.
func vectorCorpus(docsPath, queriesPath string, opts segment.Options) (*corpus, error) {
	tok := wordpiece.DefaultTokenizer()
	var all []sparse.Vector
	if err := readVectors(docsPath, tok, func(_ string, v sparse.Vector) error {
		all = append(all, v)
		return nil
	}); err != nil {
		return nil, err
	}
	c := &corpus{doc: func(i int) sparse.Vector { return all[i] }}
	for _, v := range all {
		for _, w := range v.Weights {
			c.maxW = max(c.maxW, w)
		}
	}
	var err error
	if c.seg, c.buildWall, c.buildCPU, err = buildSegment(source{len(all), c.doc}, nil, opts, ""); err != nil {
		return nil, err
	}
	if err := readVectors(queriesPath, tok, func(_ string, v sparse.Vector) error {
		c.given = append(c.given, v)
		return nil
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// sample draws a mix's queries from the corpus statistics (synthetic
// mixes), weighting each token by its BM25 idf.
func (c *corpus) sample(m QueryMix, seed uint64, n int) []sparse.Vector {
	l := c.seg.Layout()
	df := func(t int32) uint32 { return uint32(l.DocFreq(uint32(t))) }
	s := newQuerySampler(m, seed, c.seg.NumDocs(), df, l.TermBound(), c.topics)
	qs := make([]sparse.Vector, 0, n)
	for i := 0; i < n; i++ {
		ids := s.query(i)
		q := sparse.Vector{IDs: ids, Weights: make([]float32, len(ids))}
		for j, id := range ids {
			q.Weights[j] = idf(c.seg.NumDocs(), df(id))
		}
		qs = append(qs, q)
	}
	return qs
}
