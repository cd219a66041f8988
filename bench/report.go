package main

import (
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
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

// Report is the JSON output: contract 6 fields first, then extras. The
// top-level latency fields are those of the first mix (--mixes); every mix
// has its own entry in Mixes.
type Report struct {
	Docs     int   `json:"docs"`
	Postings int64 `json:"postings"`
	// BytesPerPosting counts every byte of the serving index: inverted
	// lists, their metadata and any pruning structures.
	BytesPerPosting float64            `json:"bytes_per_posting"`
	BuildDocsPerS   float64            `json:"build_docs_per_s"`
	IdenticalTopK   bool               `json:"identical_topk"` // every mix, every k
	Algorithms      map[string]Latency `json:"algorithms"`     // top-10, first mix

	AlgorithmsK100          map[string]Latency `json:"algorithms_k100"`
	AlgorithmsK1000         map[string]Latency `json:"algorithms_k1000,omitempty"`
	TotalBytesPerPosting    float64            `json:"total_bytes_per_posting"`    // = bytes_per_posting (kept for older readers)
	InvertedBytesPerPosting float64            `json:"inverted_bytes_per_posting"` // the inverted lists and their metadata alone
	InvertedBytes           int64              `json:"inverted_bytes"`
	BMPBytes                int64              `json:"bmp_bytes"`
	SegmentBytes            int64              `json:"segment_bytes"` // all of the segment in memory
	BuildSeconds            float64            `json:"build_seconds"`
	BuildCPUSeconds         float64            `json:"build_cpu_seconds"` // process CPU; build_docs_per_s = docs / this
	BuildWallDocsPerS       float64            `json:"build_wall_docs_per_s"`
	Reorder                 *ReorderReport     `json:"reorder,omitempty"`
	Queries                 int                `json:"queries"`
	QueryTermsMean          float64            `json:"query_terms_mean"`
	QueryPostingsMean       float64            `json:"query_postings_mean"` // postings of a query's terms, the exhaustive work
	DefaultAlgorithm        string             `json:"default_algorithm"`
	SIMD                    bool               `json:"simd"`
	GOMAXPROCS              int                `json:"gomaxprocs"`
	PeakRSSMB               float64            `json:"peak_rss_mb"` // whole process: generation, build and serving
	// ServeHeapMB is the Go heap live right after the build with only the
	// served segment reachable (GC'd): the index's own serving memory,
	// apart from the bench's data.
	ServeHeapMB          float64        `json:"serve_heap_mb"`
	BleveDocs            int            `json:"bleve_docs,omitempty"`
	BleveBuildDocsPerS   float64        `json:"bleve_build_docs_per_s,omitempty"`
	Mismatches           []string       `json:"mismatches,omitempty"`
	SlowerThanExhaustive map[string]int `json:"queries_slower_than_exhaustive"`
	// SlowerPaired re-times each query counted above 5 times, alternating
	// with exhaustive, and counts it only if the best of the algorithm's
	// times is still above exhaustive's best (separates load noise from
	// real losses).
	SlowerPaired map[string]int `json:"queries_slower_than_exhaustive_paired"`
	// SlowerPaired10: those of SlowerPaired more than 10% above (MixReport).
	SlowerPaired10 map[string]int        `json:"queries_slower_than_exhaustive_paired_by_10pct"`
	Synthetic      *SynthOptions         `json:"synthetic,omitempty"`
	Real           *RealOptions          `json:"real,omitempty"`
	Mixes          map[string]*MixReport `json:"mixes"`
	Clock          string                `json:"clock"`
	// Reps is how many times each query was timed (its fastest time counts).
	Reps int `json:"reps"`
	// FilterDensity is --filter-density: the share of the docs that every
	// search's filter admits (0: no filter).
	FilterDensity float64 `json:"filter_density,omitempty"`
}

// MixReport is one query mix's results.
type MixReport struct {
	Mix               QueryMix           `json:"mix"`
	Queries           int                `json:"queries"`
	QueryTermsMean    float64            `json:"query_terms_mean"`
	QueryPostingsMean float64            `json:"query_postings_mean"`
	IdenticalTopK     bool               `json:"identical_topk"`      // at every timed and checked k
	CheckedK          []int              `json:"checked_k,omitempty"` // k values checked against exhaustive without timing
	Mismatches        []string           `json:"mismatches,omitempty"`
	Algorithms        map[string]Latency `json:"algorithms"` // top-10
	AlgorithmsK100    map[string]Latency `json:"algorithms_k100,omitempty"`
	AlgorithmsK1000   map[string]Latency `json:"algorithms_k1000,omitempty"`
	// Slower*: top-10 queries slower than exhaustive, as Report's.
	SlowerThanExhaustive map[string]int `json:"queries_slower_than_exhaustive"`
	SlowerPaired         map[string]int `json:"queries_slower_than_exhaustive_paired"`
	// SlowerPaired10 counts those of SlowerPaired whose paired best time
	// is more than 10% above exhaustive's: the losses that timing noise
	// (a few percent between identical runs) cannot explain.
	SlowerPaired10 map[string]int `json:"queries_slower_than_exhaustive_paired_by_10pct"`
	// SlowerByK: the same counts at every timed k other than 10 (k ->
	// algorithm -> counts): a larger k, with its lower threshold, moves
	// the planner's crossover and every plan's cost, so it is counted
	// separately.
	SlowerByK map[int]map[string]SlowerCounts `json:"slower_by_k,omitempty"`
	// Plans counts the strategies the planner chose (top-10).
	Plans map[string]int `json:"plans,omitempty"`
}

// SlowerCounts counts the queries of a mix slower than exhaustive at one
// k: by their fastest times, then paired (as SlowerPaired), then paired by
// more than 10%.
type SlowerCounts struct {
	Unpaired int `json:"slower"`
	Paired   int `json:"paired"`
	Paired10 int `json:"paired_by_10pct"`
}

// storeSlower records algorithm name's slower counts at k.
func (mr *MixReport) storeSlower(k int, name string, sc SlowerCounts) {
	if k == 10 {
		mr.SlowerThanExhaustive[name], mr.SlowerPaired[name], mr.SlowerPaired10[name] = sc.Unpaired, sc.Paired, sc.Paired10
		return
	}
	if mr.SlowerByK == nil {
		mr.SlowerByK = map[int]map[string]SlowerCounts{}
	}
	if mr.SlowerByK[k] == nil {
		mr.SlowerByK[k] = map[string]SlowerCounts{}
	}
	mr.SlowerByK[k][name] = sc
}

// ReorderReport describes the doc-id reordering applied at build.
type ReorderReport struct {
	Method     string  `json:"method"`
	Seconds    float64 `json:"seconds"`     // wall
	CPUSeconds float64 `json:"cpu_seconds"` // process CPU, not in build_docs_per_s
	DocsPerS   float64 `json:"docs_per_s"`  // docs / CPU second
	// Bytes per posting of the inverted lists before reordering (after is
	// inverted_bytes_per_posting).
	InvertedBytesPerPostingBefore float64 `json:"inverted_bytes_per_posting_before"`
}

func newMixReport(m QueryMix) *MixReport {
	return &MixReport{Mix: m, IdenticalTopK: true, Algorithms: map[string]Latency{}, AlgorithmsK100: map[string]Latency{},
		AlgorithmsK1000: map[string]Latency{}, SlowerThanExhaustive: map[string]int{}, SlowerPaired: map[string]int{},
		SlowerPaired10: map[string]int{}}
}

func (m *MixReport) store(k int, name string, lat Latency) {
	switch k {
	case 10:
		m.Algorithms[name] = lat
	case 100:
		m.AlgorithmsK100[name] = lat
	case 1000:
		m.AlgorithmsK1000[name] = lat
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

// procStatusMB reads a "Vm...:" line of /proc/self/status (Linux); 0 elsewhere.
func procStatusMB(field string) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, field+":") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
