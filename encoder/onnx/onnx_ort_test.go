//go:build cgo

package onnx

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/sparse"
)

// goldenTol is the agreement required between ONNX Runtime in Go and the
// PyTorch reference (the generator saw 3e-6 between ORT and PyTorch).
const goldenTol = 1e-4

func needORT(t testing.TB) {
	t.Helper()
	lib, ver, err := RuntimeAvailable()
	if errors.Is(err, ErrRuntimeMissing) {
		t.Skipf("skipping ONNX Runtime test: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ONNX Runtime %s from %s", ver, lib)
}

func fixtureDir(arch string) string { return filepath.Join("testdata", arch) }

func openFixture(t testing.TB, arch string, opts Options) *Encoder {
	t.Helper()
	dir := fixtureDir(arch)
	b, err := os.ReadFile(filepath.Join(dir, modeldir.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := modeldir.ParseConfig(b, filepath.Join(dir, modeldir.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Open(dir, cfg, wordpiece.DefaultTokenizer(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// maxAbsDiff compares two sparse vectors as dense ones (absent = 0).
func maxAbsDiff(a sparse.Vector, ids []int32, ws []float32) float64 {
	m := map[int32]float64{}
	for i, id := range a.IDs {
		m[id] = float64(a.Weights[i])
	}
	worst := 0.0
	for i, id := range ids {
		worst = math.Max(worst, math.Abs(m[id]-float64(ws[i])))
		delete(m, id)
	}
	for _, w := range m {
		worst = math.Max(worst, math.Abs(w))
	}
	return worst
}

func checkSorted(t *testing.T, v sparse.Vector) {
	t.Helper()
	for i := range v.IDs {
		if i > 0 && v.IDs[i] <= v.IDs[i-1] || !(v.Weights[i] > 0) {
			t.Fatalf("vector not ascending/positive at %d: %v", i, v)
		}
	}
}

// TestONNXGolden compares Go + ONNX Runtime with the PyTorch reference for
// both architectures: once from the reference token ids (model path alone),
// once from text (tokenizer + model), with batches that mix lengths (padding).
func TestONNXGolden(t *testing.T) {
	needORT(t)
	ref := loadONNXReference(t)
	for _, arch := range []string{"bert", "distilbert"} {
		t.Run(arch, func(t *testing.T) {
			m := ref.Models[arch]
			e := openFixture(t, arch, Options{BatchSize: 4})
			if e.Options().MaxLength != ref.MaxLength {
				t.Fatalf("max length %d, reference %d", e.Options().MaxLength, ref.MaxLength)
			}
			fromIDs, err := e.EncodeIDs(ref.IDs)
			if err != nil {
				t.Fatal(err)
			}
			fromText, err := e.Encode(ref.Texts)
			if err != nil {
				t.Fatal(err)
			}
			worst, worstText := 0.0, 0.0
			for i, want := range m.Vectors {
				checkSorted(t, fromIDs[i])
				d := maxAbsDiff(fromIDs[i], want.IDs, want.Weights)
				worst = math.Max(worst, d)
				if d > goldenTol {
					t.Errorf("text %d: max abs error %.3g > %g", i, d, goldenTol)
				}
				dt := maxAbsDiff(fromText[i], want.IDs, want.Weights)
				worstText = math.Max(worstText, dt)
				if dt > goldenTol {
					t.Errorf("text %d %q from text: max abs error %.3g", i, ref.Texts[i], dt)
				}
				// entries may only differ in presence where weights are ~0
				if n, w := len(fromIDs[i].IDs), len(want.IDs); n != w {
					t.Logf("text %d: %d entries, reference %d", i, n, w)
				}
			}
			t.Logf("%s (%s): max abs error vs PyTorch %.3g from ids, %.3g from text, %d texts", arch, m.Architecture, worst, worstText, len(m.Vectors))
		})
	}
}

// TestONNXBatchingInvariant: batch composition (padding) does not change
// results beyond float noise.
func TestONNXBatchingInvariant(t *testing.T) {
	needORT(t)
	ref := loadONNXReference(t)
	one := openFixture(t, "distilbert", Options{BatchSize: 1})
	all := openFixture(t, "distilbert", Options{BatchSize: 64, MaxBatchTokens: 1 << 20})
	a, err := one.Encode(ref.Texts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := all.Encode(ref.Texts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if d := maxAbsDiff(a[i], b[i].IDs, b[i].Weights); d > 1e-5 {
			t.Errorf("text %d: batched vs single differ by %.3g", i, d)
		}
	}
	// empty input
	if v, err := all.Encode(nil); err != nil || len(v) != 0 {
		t.Fatalf("Encode(nil) = %v, %v", v, err)
	}
}

func TestONNXConcurrent(t *testing.T) {
	needORT(t)
	ref := loadONNXReference(t)
	e := openFixture(t, "bert", Options{BatchSize: 3})
	want, err := e.Encode(ref.Texts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			texts := ref.Texts[g:]
			got, err := e.Encode(texts)
			if err != nil {
				errs <- err
				return
			}
			for i := range got {
				if d := maxAbsDiff(got[i], want[g+i].IDs, want[g+i].Weights); d > 1e-5 {
					errs <- fmt.Errorf("goroutine %d text %d differs by %g", g, g+i, d)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestONNXOptionsFromConfigFile: config.json's keys (here pruning) reach the
// encoder through OptionsFromConfig, as encoder.LoadModel passes them
// (encoder's TestLoadModelONNX checks that dispatch).
func TestONNXOptionsFromConfigFile(t *testing.T) {
	needORT(t)
	ref := loadONNXReference(t)
	for _, arch := range []string{"bert", "distilbert"} {
		dir := t.TempDir()
		abs, err := filepath.Abs(filepath.Join(fixtureDir(arch), modeldir.ONNXFile))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(dir, modeldir.ONNXFile)); err != nil {
			t.Fatal(err)
		}
		cfg, err := os.ReadFile(filepath.Join(fixtureDir(arch), modeldir.ConfigFile))
		if err != nil {
			t.Fatal(err)
		}
		cfgS := strings.Replace(string(cfg), `"max_length": 128,`, `"max_length": 128, "prune_type": "top_k", "prune_ratio": 7,`, 1)
		mc, err := modeldir.ParseConfig([]byte(cfgS), modeldir.ConfigFile)
		if err != nil {
			t.Fatal(err)
		}
		opts, err := OptionsFromConfig(mc)
		if err != nil {
			t.Fatal(err)
		}
		e, err := Open(dir, mc, wordpiece.DefaultTokenizer(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if p := e.Options().Prune; p != (Prune{PruneTopK, 7}) {
			t.Fatalf("prune %v", p)
		}
		got, err := e.Encode(ref.Texts)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range got {
			want := ref.Models[arch].Vectors[i]
			full := sparse.Vector{IDs: append([]int32(nil), want.IDs...), Weights: append([]float32(nil), want.Weights...)}
			pruned := Prune{PruneTopK, 7}.Apply(full)
			if len(v.IDs) != len(pruned.IDs) {
				t.Fatalf("%s text %d: %d entries, want %d", arch, i, len(v.IDs), len(pruned.IDs))
			}
			if d := maxAbsDiff(v, pruned.IDs, pruned.Weights); d > goldenTol {
				t.Errorf("%s text %d: pruned vectors differ by %.3g", arch, i, d)
			}
		}
		// a second Close is harmless
		if err := e.Close(); err != nil {
			t.Fatalf("%s: Close: %v", arch, err)
		}
		if err := e.Close(); err != nil {
			t.Fatalf("%s: second Close: %v", arch, err)
		}
	}
}

func TestONNXErrors(t *testing.T) {
	needORT(t)
	cfg := modeldir.Config{Architecture: modeldir.ArchBertMLM, VocabSize: 30522, MaxLength: 128}
	tok := wordpiece.DefaultTokenizer()
	if _, err := Open(t.TempDir(), cfg, tok, Options{}); err == nil || !strings.Contains(err.Error(), "model.onnx") {
		t.Errorf("missing graph: %v", err)
	}
	bad := cfg
	bad.VocabSize = 1000
	if _, err := Open(fixtureDir("bert"), bad, tok, Options{}); err == nil || !strings.Contains(err.Error(), "vocab_size") {
		t.Errorf("vocab mismatch: %v", err)
	}
	junk := filepath.Join(t.TempDir(), modeldir.ONNXFile)
	if err := os.WriteFile(junk, []byte("not a graph"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Dir(junk), cfg, tok, Options{}); err == nil {
		t.Error("junk graph: want error")
	}
	e := openFixture(t, "bert", Options{})
	if _, err := e.EncodeIDs([][]int32{{101, 40000, 102}}); err == nil {
		t.Error("out-of-vocab id: want error")
	}
	if _, err := e.EncodeIDs([][]int32{make([]int32, 129)}); err == nil {
		t.Error("over-long document: want error")
	}
}

// randomDocs makes n documents of exactly l tokens ([CLS] ... [SEP]).
func randomDocs(n, l int) [][]int32 {
	r := rand.New(rand.NewPCG(1, 2))
	docs := make([][]int32, n)
	for i := range docs {
		d := make([]int32, l)
		d[0], d[l-1] = 101, 102
		for k := 1; k < l-1; k++ {
			d[k] = int32(1996 + r.IntN(28000))
		}
		docs[i] = d
	}
	return docs
}

// benchEncode reports docs/s and GFLOP/s for 256-token documents.
func benchEncode(b *testing.B, e *Encoder, flopsPerDoc float64, batch int) {
	docs := randomDocs(batch, 256)
	if _, err := e.EncodeIDs(docs); err != nil { // warm-up
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := e.EncodeIDs(docs); err != nil {
			b.Fatal(err)
		}
	}
	sec := time.Since(start).Seconds()
	n := float64(b.N * batch)
	b.ReportMetric(n/sec, "docs/s")
	b.ReportMetric(flopsPerDoc*n/sec/1e9, "GFLOP/s")
}

// benchThreads is ONNX Runtime's intra-op thread count in benchmarks:
// $SPARROW_BENCH_THREADS, else 0 (ORT's default, one per physical core).
func benchThreads() int {
	n, _ := strconv.Atoi(os.Getenv("SPARROW_BENCH_THREADS"))
	return n
}

// BenchmarkONNXTiny256: the tiny fixture models on 256-token documents.
func BenchmarkONNXTiny256(b *testing.B) {
	needORT(b)
	for _, arch := range []string{"bert", "distilbert"} {
		b.Run(arch, func(b *testing.B) {
			e := openFixture(b, arch, Options{MaxLength: 256, BatchSize: 16, MaxBatchTokens: 4096, Threads: benchThreads()})
			benchEncode(b, e, mlmFLOPs(2, 32, 64, 30522, 256), 16)
		})
	}
}

// BenchmarkONNXDistilBERTBase256: a DistilBERT-base-sized graph (67M
// parameters, weights generated at load) on 256-token documents: the cost
// of encoding with opensearch-neural-sparse-encoding-doc-v2-distill.
func BenchmarkONNXDistilBERTBase256(b *testing.B) {
	needORT(b)
	for _, batch := range []int{1, 8} {
		b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) {
			e := openFixture(b, "distilbert-base-genweights", Options{BatchSize: batch, MaxBatchTokens: 256 * batch, Threads: benchThreads()})
			benchEncode(b, e, mlmFLOPs(6, 768, 3072, 30522, 256), batch)
		})
	}
}
