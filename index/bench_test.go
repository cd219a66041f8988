package index

import (
	"fmt"
	"io/fs"
	"math"
	mrand "math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/sparrow-search/sparrow/encoder"
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
		v := encoder.SparseVector{IDs: make([]int32, 0, nnz), Weights: make([]float32, nnz)}
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

// BenchmarkApply measures durable ingest (SyncWrites on, one segment per
// batch, no compaction) of pre-encoded vectors. docs/s is the metric.
func BenchmarkApply(b *testing.B) {
	for _, batch := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			docs := synthDocs(batch, 1)
			o := DefaultOptions()
			o.DisableAutoCompaction = true
			ix, err := Open(b.TempDir(), o)
			if err != nil {
				b.Fatal(err)
			}
			defer ix.Close()
			b.ResetTimer()
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
		})
	}
}

// TestStorageFootprint ingests SPARROW_STORE_DOCS synthetic documents
// (skipped unless set) in batches of 10,000, compacts, and reports ingest
// throughput and bytes per posting on disk. Used for docs/BENCHMARKS.md.
func TestStorageFootprint(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SPARROW_STORE_DOCS"))
	if n <= 0 {
		t.Skip("set SPARROW_STORE_DOCS=N to measure ingest and disk footprint")
	}
	const batch = 10000
	dir := t.TempDir()
	o := DefaultOptions()
	ix, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	var ingest time.Duration
	for done := 0; done < n; done += batch {
		docs := synthDocs(min(batch, n-done), int64(done))
		var b Batch
		for _, d := range docs {
			d.ID = strconv.Itoa(done) + "-" + d.ID
			b.Upsert(d)
		}
		start := time.Now()
		if err := ix.Apply(&b); err != nil {
			t.Fatal(err)
		}
		ingest += time.Since(start)
	}
	st := ix.Stats()
	start := time.Now()
	if err := ix.Compact(); err != nil {
		t.Fatal(err)
	}
	compact := time.Since(start)
	st2 := ix.Stats()
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	disk := duBytes(dir)
	start = time.Now()
	ix, err = Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	reopen := time.Since(start)
	ix.Close()
	p := float64(st2.Postings)
	t.Logf("docs %d, postings %d (%.1f/doc)", st2.Docs, st2.Postings, p/float64(st2.Docs))
	t.Logf("ingest (Apply, batches of %d, fsync, background merges on): %.0f docs/s; %d segments before Compact", batch, float64(n)/ingest.Seconds(), st.Segments)
	t.Logf("Compact to %d segments: %.1fs; reopen: %.2fs", st2.Segments, compact.Seconds(), reopen.Seconds())
	t.Logf("segment bytes/posting %.2f; on disk after Compact+Close: %d bytes = %.2f bytes/posting (documents with exact float32 vectors and text included)",
		float64(st2.SegmentBytes)/p, disk, float64(disk)/p)
}
