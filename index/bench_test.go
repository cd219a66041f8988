package index

import (
	"fmt"
	"io/fs"
	"math"
	mrand "math/rand"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sparrow-search/sparrow/internal/cputime"
	"github.com/sparrow-search/sparrow/sparse"
)

// synthDocs makes n documents with the LSR statistics: ~150
// non-zeros (lognormal, clipped to 20..400), Zipf(1.05) token popularity,
// weights in (0, 3]; short ids and a ~300-byte text.
func synthDocs(n int, seed int64) []Document {
	src := mrand.New(mrand.NewSource(seed))
	zipf := mrand.NewZipf(src, 1.05, 1, VocabSize-1)
	perm := src.Perm(VocabSize) // popular ranks spread over the vocabulary
	docs := make([]Document, n)
	text := make([]byte, 300)
	for i := range docs {
		nnz := int(math.Exp(math.Log(150) - 0.18 + 0.6*src.NormFloat64()))
		nnz = min(max(nnz, 20), 400)
		set := make(map[int32]struct{}, nnz)
		for len(set) < nnz {
			set[int32(perm[zipf.Uint64()])] = struct{}{}
		}
		v := sparse.Vector{IDs: make([]int32, 0, nnz), Weights: make([]float32, nnz)}
		for id := range set {
			v.IDs = append(v.IDs, id)
		}
		slices.Sort(v.IDs)
		for j := range v.Weights {
			v.Weights[j] = float32(3 * (1 - src.Float64()))
		}
		for j := range text {
			text[j] = "abcdefghij klmnopqrstuvwxyz"[src.Intn(27)]
		}
		docs[i] = Document{ID: "doc" + strconv.Itoa(i), Text: string(text), Vector: v}
	}
	return docs
}

// duBytes is the disk space used under dir (allocated blocks, like du:
// Badger's files are sparse while open).
func duBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				if st, ok := fi.Sys().(*syscall.Stat_t); ok {
					n += st.Blocks * 512
				} else {
					n += fi.Size()
				}
			}
		}
		return nil
	})
	return n
}

// BenchmarkApply measures sustained durable ingest (SyncWrites on, one
// segment per batch, background merging on) of pre-encoded vectors.
func BenchmarkApply(b *testing.B) {
	for _, batch := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			docs := synthDocs(batch, 1)
			ix, err := Open(b.TempDir(), DefaultOptions())
			if err != nil {
				b.Fatal(err)
			}
			defer ix.Close()
			b.ResetTimer()
			cpu0 := cputime.Process()
			start := time.Now()
			for i := range b.N {
				var bt Batch
				for _, d := range docs {
					d.ID = strconv.Itoa(i) + "-" + d.ID
					bt.Upsert(d)
				}
				if err := ix.Apply(&bt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "docs/s")
			b.ReportMetric(float64(b.N*batch)/(cputime.Process()-cpu0).Seconds(), "docs/cpu-s")
		})
	}
}

// TestStorageFootprint ingests SPARROW_STORE_DOCS synthetic documents
// (skipped unless set) in batches of 10,000 with background merging on,
// then compacts, and reports ingest throughput, bytes per posting on disk
// and the Go heap of the reopened index. Used for docs/BENCHMARKS.md.
func TestStorageFootprint(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SPARROW_STORE_DOCS"))
	if n <= 0 {
		t.Skip("set SPARROW_STORE_DOCS=N to measure ingest and disk footprint")
	}
	const batch = 10000
	var peakHeap atomic.Uint64
	stop := make(chan struct{})
	defer close(stop)
	go func() { // sample the Go heap: RSS also counts Badger's mmapped files
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(250 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peakHeap.Load() {
				peakHeap.Store(m.HeapAlloc)
			}
		}
	}()
	dir := t.TempDir()
	o := DefaultOptions()
	ix, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	var ingest, ingestCPU time.Duration
	var recBytes int64
	for done := 0; done < n; done += batch {
		docs := synthDocs(min(batch, n-done), int64(done))
		var b Batch
		for _, d := range docs {
			d.ID = strconv.Itoa(done) + "-" + d.ID
			recBytes += int64(len(encodeDoc(nil, &d)))
			b.Upsert(d)
		}
		start, cpu0 := time.Now(), cputime.Process()
		if err := ix.Apply(&b); err != nil {
			t.Fatal(err)
		}
		ingest += time.Since(start)
		ingestCPU += cputime.Process() - cpu0
	}
	st := ix.Stats()
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	duIngest := duBytes(dir)
	if ix, err = Open(dir, o); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := ix.Compact(); err != nil {
		t.Fatal(err)
	}
	compact := time.Since(start)
	st2 := ix.Stats()
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	duCompact := duBytes(dir)
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start = time.Now()
	if ix, err = Open(dir, o); err != nil {
		t.Fatal(err)
	}
	reopen := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	ix.Close()
	p := float64(st2.Postings)
	t.Logf("docs %d, postings %d (%.1f/doc)", st2.Docs, st2.Postings, p/float64(st2.Docs))
	t.Logf("ingest (Apply, batches of %d, fsync, background merges on): %.0f docs/s wall, %.0f docs per CPU-second; %d segments after ingest",
		batch, float64(n)/ingest.Seconds(), float64(n)/ingestCPU.Seconds(), st.Segments)
	t.Logf("Compact to %d segments: %.1fs; reopen: %.2fs; Go heap of the open index: %.0f MiB (%.1f bytes/posting); peak Go heap (sampled): %.0f MiB",
		st2.Segments, compact.Seconds(), reopen.Seconds(), float64(m1.HeapAlloc-m0.HeapAlloc)/(1<<20), float64(m1.HeapAlloc-m0.HeapAlloc)/p,
		float64(peakHeap.Load())/(1<<20))
	t.Logf("live data: segment %.2f + document records %.2f = %.2f bytes/posting", float64(st2.SegmentBytes)/p, float64(recBytes)/p,
		float64(st2.SegmentBytes+recBytes)/p)
	t.Logf("du after ingest: %.2f bytes/posting; after Compact+Close: %.2f bytes/posting (value-log garbage not yet collected by Badger)",
		float64(duIngest)/p, float64(duCompact)/p)
}

// BenchmarkApplyParallel: 8 goroutines applying 10-doc batches at once, as
// a server's writers do; group commit shares fsyncs between them.
func BenchmarkApplyParallel(b *testing.B) {
	const batch = 10
	docs := synthDocs(1000, 2)
	ix, err := Open(b.TempDir(), DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	var seq atomic.Int64
	b.SetParallelism(4) // x GOMAXPROCS(2)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			var bt Batch
			for i := range batch {
				d := docs[(int(n)*batch+i)%len(docs)]
				d.ID = strconv.FormatInt(n, 10) + "-" + strconv.Itoa(i)
				bt.Upsert(d)
			}
			if err := ix.Apply(&bt); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "docs/s")
	ix.gcMu.Lock()
	b.ReportMetric(float64(b.N)/float64(max(ix.groups, 1)), "batches/commit")
	ix.gcMu.Unlock()
}
