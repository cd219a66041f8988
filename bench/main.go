// Command bench is the engine benchmark (contract 6): it builds a segment
// from a synthetic learned-sparse corpus (or given vectors), runs every
// query algorithm single-threaded, checks that all return the exhaustive
// top-k, compares with bleve BM25 on the same documents as token text, and
// writes a JSON report.
//
//	go run ./bench --docs 1000000 --queries 1000 --json out.json
//	go run ./bench --corpus-vectors docs.jsonl --query-vectors queries.jsonl --json out.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/internal/cputime"
	"github.com/sparrow-search/sparrow/scoring"
	"github.com/sparrow-search/sparrow/sparse"
)

// Latency is one algorithm's per-query latency summary.
type Latency struct {
	MeanUS float64 `json:"mean_us"`
	P50US  float64 `json:"p50_us"`
	P99US  float64 `json:"p99_us"`
	MaxUS  float64 `json:"max_us"`
	// Wall-clock figures; the fields above are thread CPU time (see Clock).
	WallMeanUS float64 `json:"wall_mean_us"`
	WallP50US  float64 `json:"wall_p50_us"`
	WallP99US  float64 `json:"wall_p99_us"`
	// Recall is the mean overlap with the exhaustive top-k (approximate modes).
	Recall *float64 `json:"recall,omitempty"`
}

// Report is the JSON output: contract 6 fields first, then extras.
type Report struct {
	Docs            int                `json:"docs"`
	Postings        int64              `json:"postings"`
	BytesPerPosting float64            `json:"bytes_per_posting"`
	BuildDocsPerS   float64            `json:"build_docs_per_s"`
	IdenticalTopK   bool               `json:"identical_topk"`
	Algorithms      map[string]Latency `json:"algorithms"` // top-10

	AlgorithmsK100       map[string]Latency `json:"algorithms_k100"`
	TotalBytesPerPosting float64            `json:"total_bytes_per_posting"` // inverted + BMP forward index and range maxima
	InvertedBytes        int64              `json:"inverted_bytes"`
	BMPBytes             int64              `json:"bmp_bytes"`
	BuildSeconds         float64            `json:"build_seconds"`     // wall
	BuildCPUSeconds      float64            `json:"build_cpu_seconds"` // process CPU; build_docs_per_s = docs / this
	BuildWallDocsPerS    float64            `json:"build_wall_docs_per_s"`
	Queries              int                `json:"queries"`
	QueryTermsMean       float64            `json:"query_terms_mean"`
	QueryPostingsMean    float64            `json:"query_postings_mean"` // postings of a query's terms, the exhaustive work
	DefaultAlgorithm     string             `json:"default_algorithm"`
	SIMD                 bool               `json:"simd"`
	GOMAXPROCS           int                `json:"gomaxprocs"`
	PeakRSSMB            float64            `json:"peak_rss_mb"`
	BleveDocs            int                `json:"bleve_docs,omitempty"`
	BleveBuildDocsPerS   float64            `json:"bleve_build_docs_per_s,omitempty"`
	Mismatches           []string           `json:"mismatches,omitempty"`
	SlowerThanExhaustive map[string]int     `json:"queries_slower_than_exhaustive"`
	// SlowerPaired re-times each query counted above 5 times, alternating
	// with exhaustive, and counts it only if the best of the algorithm's
	// times is still above exhaustive's best (separates load noise from
	// real losses).
	SlowerPaired map[string]int `json:"queries_slower_than_exhaustive_paired"`
	Synthetic    *SynthOptions  `json:"synthetic,omitempty"`
	Clock        string         `json:"clock"`
	// Reps is how many times each query was timed (its fastest time counts).
	Reps int `json:"reps"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	so := DefaultSynth()
	var (
		docs       = flag.Int("docs", 100000, "synthetic documents")
		queries    = flag.Int("queries", 1000, "synthetic queries")
		jsonOut    = flag.String("json", "", "write the JSON report here")
		corpusVec  = flag.String("corpus-vectors", "", "documents as vector JSONL (contract 4) instead of synthetic")
		queryVec   = flag.String("query-vectors", "", "queries as vector JSONL {id, vector}")
		algs       = flag.String("algorithms", strings.Join(scoring.Algorithms(), ","), "algorithms to run")
		ks         = flag.String("k", "10,100", "k values")
		bleveDocs  = flag.Int("bleve-docs", -1, "documents indexed in bleve (-1 = all, 0 = skip bleve)")
		alpha      = flag.String("bmp-alpha", "", "also run approximate BMP at these alphas, e.g. 0.9,0.8")
		cpuprofile = flag.String("cpuprofile", "", "write a CPU profile of the default algorithm (top-10) here")
		profAlg    = flag.String("profile-algorithm", "", "algorithm to profile (default: the default)")
		buildProf  = flag.String("build-profile", "", "write a CPU profile of the segment build here")
		profQuery  = flag.Int("profile-query", -1, "profile only this query (repeated)")
		profReps   = flag.Int("profile-reps", 5, "query passes in the profile")
		cache      = flag.String("segment-cache", "", "synthetic mode: load the segment from this file if present, else build and save it (build figures then come from the original build)")
		diag       = flag.Int("diag", 0, "print term statistics of this many queries")
		rangeBits  = flag.Int("range-bits", 0, "segment.Options.RangeBits (0 = default)")
		blockSize  = flag.Int("block-size", 0, "segment.Options.BlockSize (0 = default)")
		perQuery   = flag.String("per-query", "", "write per-query top-10 thread CPU microseconds of every algorithm (JSON) here")
		reps       = flag.Int("reps", 1, "time every query this many times (passes over all queries) and keep each query's fastest: less noise on a shared machine")
		skipBMP    = flag.Bool("skip-bmp", false, "segment.Options.SkipBMP: build without Block-Max Pruning structures (drops the bmp algorithm; 8 bytes/posting less)")
	)
	flag.IntVar(&so.Vocab, "vocab", so.Vocab, "synthetic vocabulary size")
	flag.Float64Var(&so.Zipf, "zipf", so.Zipf, "Zipf exponent of token popularity (> 1)")
	flag.Float64Var(&so.NNZSig, "nnz-sigma", so.NNZSig, "lognormal sigma of non-zeros per doc")
	flag.Uint64Var(&so.Seed, "seed", so.Seed, "random seed")
	nnzMean := flag.Float64("nnz", 150, "target mean non-zeros per doc (before clamping)")
	flag.Parse()
	so.NNZMu = math.Log(*nnzMean) - so.NNZSig*so.NNZSig/2
	if (*corpusVec == "") != (*queryVec == "") {
		return fmt.Errorf("--corpus-vectors and --query-vectors go together")
	}
	runtime.LockOSThread()
	rep := &Report{Clock: "mean/p50/p99/max_us: thread CPU time per query (CLOCK_THREAD_CPUTIME_ID, goroutine locked to its thread); wall_*: wall clock", GOMAXPROCS: runtime.GOMAXPROCS(0), SIMD: scoring.SIMD, DefaultAlgorithm: scoring.DefaultAlgorithm,
		Algorithms: map[string]Latency{}, AlgorithmsK100: map[string]Latency{}, SlowerThanExhaustive: map[string]int{}, SlowerPaired: map[string]int{}, Reps: max(1, *reps)}
	if *reps > 1 {
		rep.Clock += fmt.Sprintf("; each query timed in %d passes over all queries, its fastest pass kept", *reps)
	}

	// Build.
	opts := segment.Options{RangeBits: *rangeBits, BlockSize: *blockSize, SkipBMP: *skipBMP}
	var (
		b       *segment.Builder
		elapsed time.Duration // wall
		cpu     time.Duration // process CPU
		qs      []sparse.Vector
		docText func(i int) string
		seg     *segment.Segment
	)
	if *corpusVec != "" {
		tok := wordpiece.DefaultTokenizer()
		var all []sparse.Vector
		if err := readVectors(*corpusVec, tok, func(_ string, v sparse.Vector) error {
			all = append(all, v)
			return nil
		}); err != nil {
			return err
		}
		b = segment.NewBuilder(opts)
		t0, c0 := time.Now(), cputime.Process()
		for _, v := range all {
			b.Add(v)
		}
		var err error
		if seg, err = b.Build(); err != nil {
			return err
		}
		elapsed, cpu = time.Since(t0), cputime.Process()-c0
		if err := readVectors(*queryVec, tok, func(_ string, v sparse.Vector) error {
			qs = append(qs, v)
			return nil
		}); err != nil {
			return err
		}
		maxW := float32(0)
		for _, v := range all {
			for _, w := range v.Weights {
				maxW = max(maxW, w)
			}
		}
		docText = func(i int) string { return render(all[i], maxW) }
	} else {
		rep.Synthetic = &so
		gen := newSynth(so)
		opts.Scale = float32(so.MaxWeight) / 255 // weights are in (0, MaxWeight]: quantise on Add
		seen := map[int32]struct{}{}
		if *cache != "" {
			if data, err := os.ReadFile(*cache); err == nil {
				if seg, err = segment.Decode(data); err != nil {
					return fmt.Errorf("%s: %v", *cache, err)
				}
				fmt.Fprintf(os.Stderr, "loaded %s (build figures not measured)\n", *cache)
			}
		}
		if seg == nil {
			if *buildProf != "" {
				f, err := os.Create(*buildProf)
				if err != nil {
					return err
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer f.Close()
			}
			b = segment.NewBuilder(opts)
			// Generate in batches so that only Add and Build are timed.
			batch := make([]sparse.Vector, 0, 10000)
			for i := 0; i < *docs; {
				batch = batch[:0]
				for ; i < *docs && len(batch) < cap(batch); i++ {
					batch = append(batch, gen.doc(i, seen))
				}
				w0, c0 := time.Now(), cputime.Process()
				for _, v := range batch {
					b.Add(v)
				}
				elapsed += time.Since(w0)
				cpu += cputime.Process() - c0
			}
			w0, c0 := time.Now(), cputime.Process()
			var err error
			if seg, err = b.Build(); err != nil {
				return err
			}
			elapsed += time.Since(w0)
			cpu += cputime.Process() - c0
			if *buildProf != "" {
				pprof.StopCPUProfile()
			}
			if *cache != "" {
				data, err := seg.MarshalBinary()
				if err != nil {
					return err
				}
				if err := os.WriteFile(*cache, data, 0o644); err != nil {
					return err
				}
			}
		}
		l := seg.Layout()
		df := func(t int32) uint32 {
			if int(t) < l.NumTerms {
				return l.TermCount[t]
			}
			return 0
		}
		sampler := newQuerySampler(so, seg.NumDocs(), df, l.NumTerms)
		for i := 0; i < *queries; i++ {
			ids := sampler.query(i)
			q := sparse.Vector{IDs: ids, Weights: make([]float32, len(ids))}
			for j, id := range ids {
				q.Weights[j] = idf(seg.NumDocs(), df(id))
			}
			qs = append(qs, q)
		}
		docText = func(i int) string { return render(gen.doc(i, seen), float32(so.MaxWeight)) }
	}
	b = nil
	runtime.GC()
	rep.Docs = seg.NumDocs()
	rep.Postings = seg.NumPostings()
	rep.InvertedBytes = seg.InvertedBytes()
	rep.BMPBytes = seg.BMPBytes()
	if rep.Postings > 0 {
		rep.BytesPerPosting = float64(rep.InvertedBytes) / float64(rep.Postings)
		rep.TotalBytesPerPosting = float64(rep.InvertedBytes+rep.BMPBytes) / float64(rep.Postings)
	}
	if elapsed > 0 {
		rep.BuildSeconds = elapsed.Seconds()
		rep.BuildCPUSeconds = cpu.Seconds()
		rep.BuildDocsPerS = float64(rep.Docs) / cpu.Seconds()
		rep.BuildWallDocsPerS = float64(rep.Docs) / elapsed.Seconds()
	}
	rep.Queries = len(qs)
	var nt int
	for _, q := range qs {
		nt += len(q.IDs)
	}
	rep.QueryTermsMean = float64(nt) / float64(max(1, len(qs)))
	var qp int64
	for _, q := range qs {
		for _, id := range q.IDs {
			if int(id) < seg.Layout().NumTerms {
				qp += int64(seg.Layout().TermCount[id])
			}
		}
	}
	rep.QueryPostingsMean = float64(qp) / float64(max(1, len(qs)))
	fmt.Fprintf(os.Stderr, "built %d docs, %d postings in %.1fs wall, %.1fs CPU (%.0f docs/s CPU); %.3f bytes/posting inverted, %.3f total\n",
		rep.Docs, rep.Postings, rep.BuildSeconds, rep.BuildCPUSeconds, rep.BuildDocsPerS, rep.BytesPerPosting, rep.TotalBytesPerPosting)

	if *diag > 0 {
		diagnose(seg, qs, *diag)
	}
	views := []segment.View{{Segment: seg}}
	names := strings.Split(*algs, ",")
	// The exhaustive reference runs first: the others are checked against it.
	names = slices.DeleteFunc(names, func(n string) bool { return n == "exhaustive" || (n == "bmp" && !seg.HasBMP()) })
	names = append([]string{"exhaustive"}, names...)
	var alphas []float64
	if *alpha != "" {
		for _, a := range strings.Split(*alpha, ",") {
			x, err := strconv.ParseFloat(a, 64)
			if err != nil {
				return fmt.Errorf("--bmp-alpha: %v", err)
			}
			alphas = append(alphas, x)
		}
	}
	if !seg.HasBMP() {
		alphas = nil
	}
	perQ := map[string][]float64{}
	rep.IdenticalTopK = true
	for _, kstr := range strings.Split(*ks, ",") {
		k, err := strconv.Atoi(kstr)
		if err != nil {
			return fmt.Errorf("--k: %v", err)
		}
		want := make([][]scoring.Hit, len(qs))
		exTimes := make([]time.Duration, len(qs))
		for _, name := range names {
			times := make([]time.Duration, len(qs))
			walls := make([]time.Duration, len(qs))
			var slow []int
			// Warm up caches and pools with a short pass.
			for _, q := range qs[:min(len(qs), 50)] {
				if _, err := scoring.Search(views, q, scoring.Options{K: k, Algorithm: name}); err != nil {
					return err
				}
			}
			for rep := 0; rep < max(1, *reps); rep++ {
				for i, q := range qs {
					w0, t0 := time.Now(), cputime.Thread()
					if _, err := scoring.Search(views, q, scoring.Options{K: k, Algorithm: name}); err != nil {
						return err
					}
					t, wall := cputime.Thread()-t0, time.Since(w0)
					if rep == 0 || t < times[i] {
						times[i] = t
					}
					if rep == 0 || wall < walls[i] {
						walls[i] = wall
					}
				}
			}
			for i, q := range qs {
				hits, err := scoring.Search(views, q, scoring.Options{K: k, Algorithm: name})
				if err != nil {
					return err
				}
				if name == "exhaustive" {
					want[i] = hits
					exTimes[i] = times[i]
				} else if !slices.Equal(hits, want[i]) {
					rep.IdenticalTopK = false
					if len(rep.Mismatches) < 20 {
						rep.Mismatches = append(rep.Mismatches, fmt.Sprintf("%s k=%d query %d", name, k, i))
					}
				}
				if name != "exhaustive" && k == 10 && times[i] > exTimes[i] {
					rep.SlowerThanExhaustive[name]++
					slow = append(slow, i)
				}
			}
			for _, i := range slow {
				q := qs[i]
				bestEx, bestAlg := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
				for range 5 {
					for _, a := range []string{"exhaustive", name} {
						t0 := cputime.Thread()
						if _, err := scoring.Search(views, q, scoring.Options{K: k, Algorithm: a}); err != nil {
							return err
						}
						if d := cputime.Thread() - t0; a == name {
							bestAlg = min(bestAlg, d)
						} else {
							bestEx = min(bestEx, d)
						}
					}
				}
				if bestAlg > bestEx {
					rep.SlowerPaired[name]++
				}
			}
			lat := summarize(times, walls)
			store(rep, k, name, lat)
			if k == 10 {
				us := make([]float64, len(times))
				for i, t := range times {
					us[i] = float64(t.Nanoseconds()) / 1e3
				}
				perQ[name] = us
			}
			fmt.Fprintf(os.Stderr, "k=%d %-10s mean %8.1fus p50 %8.1fus p99 %8.1fus (wall mean %8.1fus)\n", k, name, lat.MeanUS, lat.P50US, lat.P99US, lat.WallMeanUS)
		}
		for _, a := range alphas {
			name := fmt.Sprintf("bmp_alpha%g", a)
			times := make([]time.Duration, len(qs))
			walls := make([]time.Duration, len(qs))
			var recall float64
			for i, q := range qs {
				w0, t0 := time.Now(), cputime.Thread()
				hits, err := scoring.Search(views, q, scoring.Options{K: k, Algorithm: "bmp", Alpha: a})
				times[i], walls[i] = cputime.Thread()-t0, time.Since(w0)
				if err != nil {
					return err
				}
				recall += overlap(hits, want[i])
			}
			lat := summarize(times, walls)
			recall /= float64(max(1, len(qs)))
			lat.Recall = &recall
			store(rep, k, name, lat)
			fmt.Fprintf(os.Stderr, "k=%d %-10s mean %8.1fus p50 %8.1fus p99 %8.1fus recall %.4f\n", k, name, lat.MeanUS, lat.P50US, lat.P99US, recall)
		}
	}

	if *perQuery != "" {
		terms := make([]float64, len(qs))
		posts := make([]float64, len(qs))
		for i, q := range qs {
			terms[i] = float64(len(q.IDs))
			for _, id := range q.IDs {
				if int(id) < seg.Layout().NumTerms {
					posts[i] += float64(seg.Layout().TermCount[id])
				}
			}
		}
		perQ["_terms"], perQ["_postings"] = terms, posts
		out, err := json.Marshal(perQ)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*perQuery, out, 0o644); err != nil {
			return err
		}
	}

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		pqs := qs
		if *profQuery >= 0 && *profQuery < len(qs) {
			pqs = qs[*profQuery : *profQuery+1]
		}
		for range *profReps {
			for _, q := range pqs {
				if _, err := scoring.Search(views, q, scoring.Options{K: 10, Algorithm: *profAlg}); err != nil {
					return err
				}
			}
		}
		pprof.StopCPUProfile()
		f.Close()
	}

	if *bleveDocs != 0 {
		n := rep.Docs
		if *bleveDocs > 0 {
			n = min(n, *bleveDocs)
		}
		if err := runBleve(rep, n, docText, qs); err != nil {
			return err
		}
	}
	rep.PeakRSSMB = peakRSSMB()
	out, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if *jsonOut != "" {
		return os.WriteFile(*jsonOut, append(out, '\n'), 0o644)
	}
	fmt.Println(string(out))
	return nil
}

func store(rep *Report, k int, name string, lat Latency) {
	switch k {
	case 10:
		rep.Algorithms[name] = lat
	case 100:
		rep.AlgorithmsK100[name] = lat
	}
}

func summarize(cpu, wall []time.Duration) Latency {
	if len(cpu) == 0 {
		return Latency{}
	}
	stats := func(ts []time.Duration) (mean, p50, p99, mx float64) {
		us := make([]float64, len(ts))
		var sum float64
		for i, t := range ts {
			us[i] = float64(t.Nanoseconds()) / 1e3
			sum += us[i]
		}
		slices.Sort(us)
		pct := func(p float64) float64 { return us[max(0, min(len(us)-1, int(math.Ceil(p*float64(len(us))))-1))] }
		return sum / float64(len(us)), pct(0.5), pct(0.99), us[len(us)-1]
	}
	var l Latency
	l.MeanUS, l.P50US, l.P99US, l.MaxUS = stats(cpu)
	l.WallMeanUS, l.WallP50US, l.WallP99US, _ = stats(wall)
	return l
}

func overlap(got, want []scoring.Hit) float64 {
	if len(want) == 0 {
		return 1
	}
	set := map[uint32]bool{}
	for _, h := range want {
		set[h.Doc] = true
	}
	n := 0
	for _, h := range got {
		if set[h.Doc] {
			n++
		}
	}
	return float64(n) / float64(len(want))
}

// peakRSSMB reads VmHWM (Linux); 0 elsewhere.
func peakRSSMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
