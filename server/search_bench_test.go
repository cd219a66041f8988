package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/internal/cputime"
	"github.com/valyala/fasthttp"
)

// The benchmarks below run on a SciFact index built by
// server/testdata/loadtest.sh (or `indexer build --corpus
// ../shared/data/beir/scifact --index DIR/scifact`): set
// SPARROW_BENCH_DATA=DIR. They measure the service's per-request CPU without
// the network and the load generator:
//
//	SPARROW_BENCH_DATA=/tmp/w/data go test -run '^$' -bench . -benchmem ./server

// benchServer opens the index directory named by SPARROW_BENCH_DATA, and the
// SciFact queries from ../shared/data.
func benchServer(tb testing.TB, opts Options, co collection.Options) (*Server, []dataset.Query) {
	tb.Helper()
	dir := os.Getenv("SPARROW_BENCH_DATA")
	if dir == "" {
		tb.Skip("SPARROW_BENCH_DATA (a data dir holding a scifact index) not set")
	}
	root, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			tb.Fatal("go.mod not found above the package directory")
		}
		root = parent
	}
	qpath := filepath.Join(root, "..", "shared", "data", "beir", "scifact", "queries.jsonl")
	if _, err := os.Stat(qpath); err != nil {
		tb.Skipf("SciFact queries not found at %s", qpath)
	}
	queries, err := dataset.LoadQueries(qpath)
	if err != nil {
		tb.Fatal(err)
	}
	opts.Logger, co.Logger = quiet, quiet
	cat, err := collection.OpenCatalog(dir, co)
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := New(cat, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cat.Close() })
	return srv, queries
}

// BenchmarkSearchHandler is one POST /v1/indexes/scifact/search through the
// fasthttp handler (routing, decoding, search, titles, encoding, metrics),
// the SciFact queries round-robin: cached, as a server that has seen them
// answers (from the result cache once each query has run), uncached
// (every query analysed and ranked by the engine) and missing (a result
// cache too small for any query to repeat from: its cost when queries
// never repeat).
func BenchmarkSearchHandler(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cache int
	}{{"cached", 0}, {"uncached", -1}, {"missing", 1 << 10}} {
		b.Run(bc.name, func(b *testing.B) {
			srv, queries := benchServer(b, Options{}, collection.Options{ResultCache: bc.cache})
			benchSearches(b, srv, queries)
		})
	}
}

func benchSearches(b *testing.B, srv *Server, queries []dataset.Query) {
	bodies := make([][]byte, len(queries))
	for i, q := range queries {
		bodies[i], _ = json.Marshal(map[string]any{"query": q.Text, "k": 10, "mode": "sparse"})
	}
	var ctx fasthttp.RequestCtx
	search := func(i int) {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.SetRequestURI("/v1/indexes/scifact/search")
		ctx.Request.Header.SetContentType("application/json")
		ctx.Request.SetBody(bodies[i%len(bodies)])
		srv.handle(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
	for i := range bodies { // the warm-up: caches filled, as loadtest.sh's
		search(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Process()
	for i := 0; b.Loop(); i++ {
		search(i)
	}
	reportCPU(b, cpu)
}

// reportCPU reports the process CPU time since cpu per operation.
func reportCPU(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N)/1e3, "cpu-µs/op")
}
