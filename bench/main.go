// Command bench is the engine benchmark (contract 6): it builds a segment
// from a synthetic learned-sparse corpus (or given vectors, or the visible
// BEIR corpora encoded with the bundled model), runs every query algorithm
// single-threaded on one or more query mixes, checks that all return the
// exhaustive top-k, compares with bleve BM25 on the same documents as token
// text, and writes a JSON report.
//
//	go run ./bench --docs 1000000 --queries 1000 --json out.json
//	go run ./bench --docs 1000000 --mixes heavy,light,uniform,long --json out.json
//	go run ./bench --docs 1000000 --topics 2000 --reorder bp --mixes topical,light --json out.json
//	go run ./bench --beir ../shared/data/beir --replicate-to 1000000 --reorder bp --json out.json
//	go run ./bench --corpus-vectors docs.jsonl --query-vectors queries.jsonl --json out.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/scoring"
	"github.com/sparrow-search/sparrow/sparse"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	so                             SynthOptions
	real                           RealOptions
	docs, queries                  int
	jsonOut, corpusVec, queryVec   string
	algs, ks, checkK, mixes, alpha string
	bleveDocs                      int
	cpuprofile, profAlg, buildPro  string
	filterDensity                  float64
	profQuery, profReps, profK     int
	cache                          string
	diag                           int
	opts                           segment.Options
	perQuery                       string
	reps                           int
	reorder                        string
}

func parseFlags() (*config, error) {
	c := &config{so: DefaultSynth()}
	flag.IntVar(&c.docs, "docs", 100000, "synthetic documents")
	flag.IntVar(&c.queries, "queries", 1000, "queries per mix (synthetic and real mixes)")
	flag.StringVar(&c.jsonOut, "json", "", "write the JSON report here")
	flag.StringVar(&c.corpusVec, "corpus-vectors", "", "documents as vector JSONL (contract 4) instead of synthetic")
	flag.StringVar(&c.queryVec, "query-vectors", "", "queries as vector JSONL {id, vector}")
	flag.StringVar(&c.algs, "algorithms", strings.Join(scoring.Algorithms(), ","), "algorithms to run")
	flag.StringVar(&c.ks, "k", "10,100,1000", "k values (each timed and checked against exhaustive)")
	flag.StringVar(&c.checkK, "check-k", "", "more k values, only checked against exhaustive (one untimed pass), e.g. 100,1000")
	flag.StringVar(&c.mixes, "mixes", "", "query mixes, comma-separated: "+strings.Join(mixNames(), ", ")+
		", or SAMPLING:MIN-MAX[:MEDIAN] (default: heavy,light,uniform,long; topical,light,heavy with --topics; the given or real queries otherwise)")
	flag.IntVar(&c.bleveDocs, "bleve-docs", -1, "documents indexed in bleve (-1 = all, 0 = skip bleve)")
	flag.StringVar(&c.alpha, "bmp-alpha", "", "also run approximate BMP at these alphas, e.g. 0.9,0.8")
	flag.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the default algorithm (first mix; --profile-k) here")
	flag.StringVar(&c.profAlg, "profile-algorithm", "", "algorithm to profile (default: the default)")
	flag.StringVar(&c.buildPro, "build-profile", "", "write a CPU profile of the segment build here")
	flag.IntVar(&c.profQuery, "profile-query", -1, "profile only this query (repeated)")
	flag.IntVar(&c.profReps, "profile-reps", 5, "query passes in the profile")
	flag.IntVar(&c.profK, "profile-k", 10, "k of the profiled queries")
	flag.StringVar(&c.cache, "segment-cache", "", "synthetic mode: load the segment from this file if present, else build and save it (build figures then come from the original build)")
	flag.IntVar(&c.diag, "diag", 0, "print term statistics of this many queries")
	flag.IntVar(&c.opts.RangeBits, "range-bits", 0, "segment.Options.RangeBits (0 = default)")
	flag.IntVar(&c.opts.BlockSize, "block-size", 0, "segment.Options.BlockSize (0 = default)")
	flag.StringVar(&c.perQuery, "per-query", "", "write per-query thread CPU microseconds of every algorithm and mix (JSON) here: keys MIX/ALGORITHM for top-10, MIX/ALGORITHM@K for the other timed k, KEY/paired the paired re-timing ratios, MIX/_plan/PLAN the planner's views per plan")
	flag.Float64Var(&c.filterDensity, "filter-density", 0, "search with a filter (Options.Filter): a random set of this share of the docs, 0 < share <= 1 (0 = no filter); every algorithm gets the same filter, exhaustive included")
	flag.IntVar(&c.reps, "reps", 1, "time every query this many times (passes over all queries) and keep each query's fastest: less noise on a shared machine")
	flag.BoolVar(&c.opts.BMP, "bmp", false, "segment.Options.BMP: build the Block-Max Pruning structures (needed by the bmp algorithm; ~8 bytes/posting more)")
	flag.StringVar(&c.reorder, "reorder", "none", "doc-id reordering before the measured segment is built: none or bp (recursive graph bisection)")
	flag.IntVar(&c.so.Vocab, "vocab", c.so.Vocab, "synthetic vocabulary size")
	flag.Float64Var(&c.so.Zipf, "zipf", c.so.Zipf, "Zipf exponent of token popularity (> 1)")
	flag.Float64Var(&c.so.NNZSig, "nnz-sigma", c.so.NNZSig, "lognormal sigma of non-zeros per doc")
	flag.Uint64Var(&c.so.Seed, "seed", c.so.Seed, "random seed")
	flag.IntVar(&c.so.Topics, "topics", 0, "synthetic: draw documents from this many latent topics (0 = no topical structure)")
	flag.IntVar(&c.so.TopicTerms, "topic-terms", c.so.TopicTerms, "synthetic: terms per topic")
	flag.Float64Var(&c.so.TopicShare, "topic-share", c.so.TopicShare, "synthetic: share of a document's tokens drawn from its topics")
	nnzMean := flag.Float64("nnz", 150, "target mean non-zeros per doc (before clamping)")
	flag.StringVar(&c.real.Dirs, "beir", "", "real mode: BEIR dataset directories (comma-separated, or one directory holding several) encoded with the bundled model; their queries are the mix")
	flag.IntVar(&c.real.ReplicateTo, "replicate-to", 0, "real mode: replicate documents (weights perturbed) up to this many")
	flag.StringVar(&c.real.Cache, "real-cache", "", "real mode: cache the encoded documents and queries in this file")
	flag.StringVar(&c.real.Collection, "collection", "", "real mode: documents from this index directory (indexer build; word terms included) and --beir's queries (one dataset) weighed as it serves them")
	flag.Parse()
	c.so.NNZMu = math.Log(*nnzMean) - c.so.NNZSig*c.so.NNZSig/2
	if err := c.so.Validate(); err != nil {
		return nil, fmt.Errorf("synthetic corpus (--vocab, --zipf, --nnz, --nnz-sigma, --topics...): %w", err)
	}
	if (c.corpusVec == "") != (c.queryVec == "") {
		return nil, fmt.Errorf("--corpus-vectors and --query-vectors go together")
	}
	if !(c.filterDensity >= 0 && c.filterDensity <= 1) {
		return nil, fmt.Errorf("--filter-density %v: want a share in [0, 1]", c.filterDensity)
	}
	if c.reorder != "none" && c.reorder != "bp" {
		return nil, fmt.Errorf("--reorder %q: want none or bp", c.reorder)
	}
	return c, nil
}

func run() error {
	cfg, err := parseFlags()
	if err != nil {
		return err
	}
	runtime.LockOSThread()
	rep := &Report{Clock: "mean/p50/p99/max_us: thread CPU time per query (CLOCK_THREAD_CPUTIME_ID, goroutine locked to its thread); wall_*: wall clock",
		GOMAXPROCS: runtime.GOMAXPROCS(0), SIMD: scoring.SIMD, DefaultAlgorithm: scoring.DefaultAlgorithm, Mixes: map[string]*MixReport{}, Reps: max(1, cfg.reps),
		FilterDensity: cfg.filterDensity}
	if cfg.reps > 1 {
		rep.Clock += fmt.Sprintf("; each query timed in %d passes over all queries, its fastest pass kept", cfg.reps)
	}
	c, mixList, err := loadCorpus(cfg, rep)
	if err != nil {
		return err
	}
	if cfg.reorder == "bp" {
		if err := reorderCorpus(c, cfg.opts, rep); err != nil {
			return err
		}
	}
	fillSize(rep, c)
	fmt.Fprintf(os.Stderr, "built %d docs, %d postings in %.1fs wall, %.1fs CPU (%.0f docs/s CPU); %.3f bytes/posting (inverted %.3f); serving heap %.0f MB\n",
		rep.Docs, rep.Postings, rep.BuildSeconds, rep.BuildCPUSeconds, rep.BuildDocsPerS, rep.BytesPerPosting, rep.InvertedBytesPerPosting, rep.ServeHeapMB)
	h, err := newHarness(cfg, c)
	if err != nil {
		return err
	}
	var first []sparse.Vector
	rep.IdenticalTopK = true
	for i, m := range mixList {
		qs := c.given
		if m.Sampling != "given" {
			qs = c.sample(m, cfg.so.Seed, cfg.queries)
		}
		mr := newMixReport(m)
		queryStats(mr, c.seg.Layout(), qs)
		if cfg.diag > 0 && i == 0 {
			diagnose(c.seg, qs, cfg.diag)
		}
		if err := h.runMix(mr, qs); err != nil {
			return err
		}
		rep.Mixes[m.Name] = mr
		if i == 0 {
			first = qs
			rep.Queries, rep.QueryTermsMean, rep.QueryPostingsMean = mr.Queries, mr.QueryTermsMean, mr.QueryPostingsMean
			rep.Algorithms, rep.AlgorithmsK100, rep.AlgorithmsK1000 = mr.Algorithms, mr.AlgorithmsK100, mr.AlgorithmsK1000
			rep.SlowerThanExhaustive, rep.SlowerPaired, rep.SlowerPaired10 = mr.SlowerThanExhaustive, mr.SlowerPaired, mr.SlowerPaired10
		}
		rep.IdenticalTopK = rep.IdenticalTopK && mr.IdenticalTopK
		rep.Mismatches = append(rep.Mismatches, mr.Mismatches...)
	}
	if err := writeExtras(cfg, h, first); err != nil {
		return err
	}
	if cfg.bleveDocs != 0 && len(first) > 0 {
		n := rep.Docs
		if cfg.bleveDocs > 0 {
			n = min(n, cfg.bleveDocs)
		}
		docText := func(i int) string { return render(c.doc(i), c.maxW) }
		if err := runBleve(rep, n, docText, first); err != nil {
			return err
		}
	}
	rep.PeakRSSMB = procStatusMB("VmHWM")
	out, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if cfg.jsonOut != "" {
		return os.WriteFile(cfg.jsonOut, append(out, '\n'), 0o644)
	}
	fmt.Println(string(out))
	return nil
}

// loadCorpus builds the measured segment in the configured mode and
// returns the mixes to run on it.
func loadCorpus(cfg *config, rep *Report) (*corpus, []QueryMix, error) {
	var (
		c    *corpus
		err  error
		defs string
	)
	switch {
	case cfg.corpusVec != "":
		c, err = vectorCorpus(cfg.corpusVec, cfg.queryVec, cfg.opts)
		defs = "given"
	case cfg.real.Dirs != "":
		rep.Real = &cfg.real
		c, err = realCorpus(&cfg.real, cfg.queries, cfg.opts)
		defs = "real"
	default:
		rep.Synthetic = &cfg.so
		opts := cfg.opts
		opts.Scale = float32(cfg.so.MaxWeight) / 255 // weights are in (0, MaxWeight]: quantise on Add
		c, err = syntheticCorpus(cfg.so, cfg.docs, opts, cfg.cache, cfg.buildPro)
		defs = "heavy,light,uniform,long"
		if cfg.so.Topics > 0 {
			defs = "topical,light,heavy"
		}
	}
	if err != nil {
		return nil, nil, err
	}
	names := cfg.mixes
	if names == "" {
		names = defs
	}
	var list []QueryMix
	for _, n := range strings.Split(names, ",") {
		switch {
		case n == "given" || n == "real":
			if c.given == nil {
				return nil, nil, fmt.Errorf("mix %q: only with --corpus-vectors or --beir", n)
			}
			list = append(list, QueryMix{Name: n, Sampling: "given"})
		case c.given != nil:
			return nil, nil, fmt.Errorf("mix %q: the vector and real modes run their own queries", n)
		default:
			m, err := parseMix(n)
			if err != nil {
				return nil, nil, err
			}
			if m.Sampling == "topic" && len(c.topics) == 0 {
				return nil, nil, fmt.Errorf("mix %q needs a topical corpus (--topics)", n)
			}
			list = append(list, m)
		}
	}
	return c, list, nil
}

// fillSize records the index's size, build speed and serving memory.
func fillSize(rep *Report, c *corpus) {
	seg := c.seg
	rep.Docs, rep.Postings = seg.NumDocs(), seg.NumPostings()
	rep.InvertedBytes, rep.BMPBytes, rep.SegmentBytes = seg.InvertedBytes(), seg.BMPBytes(), seg.Bytes()
	if rep.Postings > 0 {
		rep.BytesPerPosting = float64(rep.SegmentBytes) / float64(rep.Postings)
		rep.TotalBytesPerPosting = rep.BytesPerPosting
		rep.InvertedBytesPerPosting = float64(rep.InvertedBytes) / float64(rep.Postings)
	}
	if c.buildCPU > 0 {
		rep.BuildSeconds, rep.BuildCPUSeconds = c.buildWall.Seconds(), c.buildCPU.Seconds()
		rep.BuildDocsPerS = float64(rep.Docs) / c.buildCPU.Seconds()
		rep.BuildWallDocsPerS = float64(rep.Docs) / c.buildWall.Seconds()
	}
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rep.ServeHeapMB = float64(ms.HeapAlloc) / (1 << 20)
}

func newHarness(cfg *config, c *corpus) (*harness, error) {
	h := &harness{views: []segment.View{{Segment: c.seg}}, reps: cfg.reps}
	if cfg.filterDensity > 0 {
		h.filter = randomFilters(h.views, cfg.filterDensity, cfg.so.Seed)
	}
	h.algs = []string{"exhaustive"}
	for _, n := range strings.Split(cfg.algs, ",") {
		if n == "exhaustive" || (n == "bmp" && !c.seg.HasBMP()) {
			continue
		}
		if _, err := scoring.New(n); err != nil {
			return nil, err
		}
		h.algs = append(h.algs, n)
	}
	var err error
	if h.ks, err = parseKs("--k", cfg.ks); err != nil {
		return nil, err
	}
	if h.checkK, err = parseKs("--check-k", cfg.checkK); err != nil {
		return nil, err
	}
	if cfg.alpha != "" && c.seg.HasBMP() {
		for _, a := range strings.Split(cfg.alpha, ",") {
			x, err := strconv.ParseFloat(a, 64)
			if err != nil {
				return nil, fmt.Errorf("--bmp-alpha: %v", err)
			}
			h.alphas = append(h.alphas, x)
		}
	}
	if cfg.perQuery != "" {
		h.perQuery = map[string][]float64{}
	}
	return h, nil
}

// parseKs reads a comma-separated list of positive k values ("" = none).
func parseKs(flag, s string) ([]int, error) {
	var ks []int
	if s == "" {
		return nil, nil
	}
	for _, f := range strings.Split(s, ",") {
		k, err := strconv.Atoi(f)
		if err != nil || k <= 0 {
			return nil, fmt.Errorf("%s: %q is not a positive integer", flag, f)
		}
		ks = append(ks, k)
	}
	return ks, nil
}

// writeExtras writes the per-query times and the CPU profile.
func writeExtras(cfg *config, h *harness, qs []sparse.Vector) error {
	if cfg.perQuery != "" {
		out, err := json.Marshal(h.perQuery)
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.perQuery, out, 0o644); err != nil {
			return err
		}
	}
	if cfg.cpuprofile == "" {
		return nil
	}
	f, err := os.Create(cfg.cpuprofile)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	pqs := qs
	if cfg.profQuery >= 0 && cfg.profQuery < len(qs) {
		pqs = qs[cfg.profQuery : cfg.profQuery+1]
	}
	for range cfg.profReps {
		for _, q := range pqs {
			if _, err := h.search(cfg.profAlg, q, max(cfg.profK, 1), 0); err != nil {
				return err
			}
		}
	}
	return nil
}
