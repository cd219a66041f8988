package main

import (
	"encoding/gob"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// RealOptions is the real-data mode: BEIR corpora encoded with the bundled
// model, their queries weighted by its idf.json.
type RealOptions struct {
	// Dirs: BEIR dataset directories, comma-separated, or one directory
	// whose subdirectories are datasets.
	Dirs string `json:"dirs"`
	// ReplicateTo > the corpora's size replicates documents up to this
	// many: replica r of a document scales each weight by exp(0.25 z)
	// (z standard normal) and drops each term with probability 0.1
	// (keeping at least one), all seeded by (document, replica). The
	// replicas are shuffled among the originals, as near-duplicates are in
	// crawled corpora, so doc-id reordering has work to do.
	ReplicateTo int `json:"replicate_to,omitempty"`
	// Cache holds the encoded documents and queries between runs.
	Cache string `json:"-"`
	// Collection, when set, takes the documents from this index directory
	// (indexer build: the served vectors, word terms included) and weighs
	// the queries of Dirs (one dataset) as that collection serves them
	// (collection.QueryTokens: its analysis, statistics and word ids).
	Collection string `json:"collection,omitempty"`

	Datasets  []string `json:"datasets"`
	Originals int      `json:"originals"`
	Queries   int      `json:"queries_available"`
}

// realData is what encoding produced (and the cache holds).
type realData struct {
	Docs    []sparse.Vector
	Queries []sparse.Vector
	Names   []string
}

// realCorpus builds the real-data corpus; its mix is up to n queries of
// the corpora's query files (all splits, shuffled with a fixed seed).
func realCorpus(o *RealOptions, n int, opts segment.Options) (*corpus, error) {
	data, err := loadReal(o)
	if err != nil {
		return nil, err
	}
	o.Datasets, o.Originals, o.Queries = data.Names, len(data.Docs), len(data.Queries)
	total := max(len(data.Docs), o.ReplicateTo)
	// Slot i holds original perm[i] % originals, replica perm[i] / originals.
	perm := make([]uint32, total)
	for i := range perm {
		perm[i] = uint32(i)
	}
	if total > len(data.Docs) {
		r := rand.New(rand.NewPCG(42, 42))
		r.Shuffle(total, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	}
	orig := len(data.Docs)
	c := &corpus{doc: func(i int) sparse.Vector {
		k := int(perm[i])
		return replica(data.Docs[k%orig], k%orig, k/orig)
	}}
	for _, v := range data.Docs {
		for _, w := range v.Weights {
			c.maxW = max(c.maxW, w)
		}
	}
	if c.seg, c.buildWall, c.buildCPU, err = buildSegment(source{total, c.doc}, nil, opts, ""); err != nil {
		return nil, err
	}
	qs := append([]sparse.Vector(nil), data.Queries...)
	rand.New(rand.NewPCG(7, 7)).Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	c.given = qs[:min(n, len(qs))]
	return c, nil
}

// replica returns replica r of document d (r = 0: the document itself).
func replica(v sparse.Vector, d, r int) sparse.Vector {
	if r == 0 {
		return v
	}
	rng := rand.New(rand.NewPCG(uint64(d), uint64(r)))
	out := sparse.Vector{IDs: make([]int32, 0, len(v.IDs)), Weights: make([]float32, 0, len(v.IDs))}
	for i, id := range v.IDs {
		if rng.Float64() < 0.1 && !(len(out.IDs) == 0 && i == len(v.IDs)-1) {
			continue
		}
		w := v.Weights[i] * float32(math.Exp(0.25*rng.NormFloat64()))
		out.IDs = append(out.IDs, id)
		out.Weights = append(out.Weights, max(w, math.SmallestNonzeroFloat32))
	}
	return out
}

// loadReal encodes the corpora (or reads the cache).
func loadReal(o *RealOptions) (*realData, error) {
	if o.Cache != "" {
		if f, err := os.Open(o.Cache); err == nil {
			defer f.Close()
			var d realData
			if err := gob.NewDecoder(f).Decode(&d); err != nil {
				return nil, fmt.Errorf("%s: %v", o.Cache, err)
			}
			fmt.Fprintf(os.Stderr, "loaded %s: %d docs, %d queries\n", o.Cache, len(d.Docs), len(d.Queries))
			return &d, nil
		}
	}
	dirs, err := datasetDirs(o.Dirs)
	if err != nil {
		return nil, err
	}
	if o.Collection != "" {
		if len(dirs) != 1 {
			return nil, fmt.Errorf("--collection takes the queries of one dataset, --beir names %d", len(dirs))
		}
		return loadServed(o.Collection, dirs[0])
	}
	m, err := encoder.LoadDefault()
	if err != nil {
		return nil, err
	}
	defer m.Close()
	d := &realData{}
	for _, dir := range dirs {
		docs, err := dataset.LoadCorpus(filepath.Join(dir, "corpus.jsonl"))
		if err != nil {
			return nil, err
		}
		queries, err := dataset.LoadQueries(filepath.Join(dir, "queries.jsonl"))
		if err != nil {
			return nil, err
		}
		vecs, err := encodeAll(m.Encoder, docs)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", dir, err)
		}
		d.Docs = append(d.Docs, vecs...)
		for _, q := range queries {
			if v := m.IDF.Query(m.Tokenizer, q.Text); len(v.IDs) > 0 {
				d.Queries = append(d.Queries, v)
			}
		}
		d.Names = append(d.Names, filepath.Base(dir))
		fmt.Fprintf(os.Stderr, "encoded %s: %d docs, %d queries\n", dir, len(docs), len(queries))
	}
	if o.Cache != "" {
		f, err := os.Create(o.Cache)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := gob.NewEncoder(f).Encode(d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// datasetDirs expands --beir: a list, or one directory of datasets.
func datasetDirs(spec string) ([]string, error) {
	var dirs []string
	for _, d := range strings.Split(spec, ",") {
		if _, err := os.Stat(filepath.Join(d, "corpus.jsonl")); err == nil {
			dirs = append(dirs, d)
			continue
		}
		subs, err := filepath.Glob(filepath.Join(d, "*", "corpus.jsonl"))
		if err != nil || len(subs) == 0 {
			return nil, fmt.Errorf("--beir %s: no corpus.jsonl there or in its subdirectories", d)
		}
		for _, s := range subs {
			dirs = append(dirs, filepath.Dir(s))
		}
	}
	return dirs, nil
}

// encodeAll encodes documents in batches on every core.
func encodeAll(enc encoder.Encoder, docs []dataset.Doc) ([]sparse.Vector, error) {
	const bs = 64
	out := make([]sparse.Vector, len(docs))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs error
		next = make(chan int)
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range next {
				hi := min(lo+bs, len(docs))
				texts := make([]string, 0, hi-lo)
				for _, d := range docs[lo:hi] {
					texts = append(texts, encoder.DocText(d.Title, d.Text))
				}
				v, err := enc.Encode(texts)
				if err != nil {
					mu.Lock()
					errs = err
					mu.Unlock()
					continue
				}
				copy(out[lo:hi], v)
			}
		}()
	}
	for lo := 0; lo < len(docs); lo += bs {
		next <- lo
	}
	close(next)
	wg.Wait()
	return out, errs
}

// loadServed reads a built collection's document vectors (every live
// document of every segment, word terms included) and weighs the
// dataset's queries as the collection serves them.
func loadServed(dir, dataDir string) (*realData, error) {
	queries, err := dataset.LoadQueries(filepath.Join(dataDir, "queries.jsonl"))
	if err != nil {
		return nil, err
	}
	col, err := collection.Open(dir, collection.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	d := &realData{Names: []string{filepath.Base(dataDir)}}
	for _, q := range queries {
		v, err := col.QueryVector(q.Text)
		if err != nil {
			col.Close()
			return nil, err
		}
		if len(v.IDs) > 0 {
			d.Queries = append(d.Queries, v)
		}
	}
	if err := col.Close(); err != nil {
		return nil, err
	}
	ix, err := index.Open(filepath.Join(dir, "sparse"), index.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer ix.Close()
	snap := ix.Snapshot()
	for _, v := range snap.Views() {
		for doc := range uint32(v.Segment.NumDocs()) {
			if v.Live == nil || v.Live.Contains(doc) {
				d.Docs = append(d.Docs, v.Segment.Vector(doc))
			}
		}
	}
	fmt.Fprintf(os.Stderr, "served %s: %d docs, %d queries\n", dir, len(d.Docs), len(d.Queries))
	return d, nil
}
