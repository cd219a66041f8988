// Command searchd serves Sparrow indexes over HTTP: named indexes under
// --data DIR, a JSON API under /v1 (documented at /v1/openapi.json), a
// search page at /, Prometheus metrics at /metrics.
//
//	searchd --data DIR --addr 127.0.0.1:8080
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // only reachable with --pprof
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("searchd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		data      = fs.String("data", "", "data directory: one sub-directory per index (required)")
		addr      = fs.String("addr", "127.0.0.1:8080", "listen address HOST:PORT")
		apiKey    = fs.String("api-key", "", "API key required for writes (default: $SPARROW_API_KEY; empty = writes open)")
		readOnly  = fs.Bool("read-only", false, "refuse every write")
		maxBody   = fs.Int("max-body", 32<<20, "request body limit in bytes")
		readTO    = fs.Duration("read-timeout", 30*time.Second, "per-request read timeout")
		writeTO   = fs.Duration("write-timeout", 60*time.Second, "per-response write timeout")
		shutTO    = fs.Duration("shutdown-timeout", 30*time.Second, "how long shutdown waits for in-flight requests")
		maxK      = fs.Int("max-k", DefaultLimits.MaxK, "largest k a search may ask for")
		norm      = fs.String("hybrid-norm", normZScore, "hybrid score normalisation: zscore or minmax (default tuned on NFCorpus dev, docs/RESULTS.md)")
		wSparse   = fs.Float64("hybrid-sparse-weight", 0.3, "hybrid weight of the sparse score")
		wBM25     = fs.Float64("hybrid-bm25-weight", 0.7, "hybrid weight of the BM25 score")
		accessLog = fs.Bool("access-log", false, "log every request (default: writes and errors only)")
		logJSON   = fs.Bool("log-json", false, "log as JSON instead of text")
		algorithm = fs.String("algorithm", "", "scoring algorithm (default: exhaustive for indexes of up to 10,000 documents, where it is fastest, else the engine's default)")
		docCache  = fs.Int("doc-cache", 100000, "per-index cache of hit titles/fields, in documents (0 = off)")
		pprofAddr = fs.String("pprof", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060; default off)")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *data == "" {
		fmt.Fprintln(stderr, "searchd: --data DIR is required")
		fs.Usage()
		return 2
	}
	if *norm != normMinMax && *norm != normZScore {
		fmt.Fprintf(stderr, "searchd: --hybrid-norm must be minmax or zscore, got %q\n", *norm)
		return 2
	}
	if *apiKey == "" {
		*apiKey = os.Getenv("SPARROW_API_KEY")
	}
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logJSON {
		h = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(h)
	cache := *docCache
	if cache == 0 {
		cache = -1 // the flag's 0 = off; Options' 0 = default
	}
	srv, err := NewServer(Options{
		DataDir: *data, APIKey: *apiKey, ReadOnly: *readOnly, MaxBodyBytes: *maxBody,
		ReadTimeout: *readTO, WriteTimeout: *writeTO, AccessLog: *accessLog,
		Limits:    Limits{MaxK: *maxK},
		Fusion:    fusionOptions{Normalization: *norm, SparseWeight: *wSparse, BM25Weight: *wBM25},
		Algorithm: *algorithm,
		DocCache:  cache,
		Logger:    log,
	})
	if err != nil {
		log.Error("startup failed", "err", err)
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Error("listen failed", "addr", *addr, "err", err)
		srv.reg.closeAll()
		return 1
	}
	log.Info("searchd listening", "addr", ln.Addr().String(), "data", *data, "indexes", srv.reg.names(),
		"read_only", *readOnly, "api_key", *apiKey != "", "ui", "http://"+ln.Addr().String()+"/")
	if *pprofAddr != "" {
		go func() {
			log.Info("pprof listening", "addr", *pprofAddr)
			if err := http.ListenAndServe(*pprofAddr, nil); err != nil {
				log.Error("pprof", "err", err)
			}
		}()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sig:
		log.Info("shutting down: finishing in-flight requests", "signal", s.String())
	case err := <-errc:
		if err != nil && !errors.Is(err, net.ErrClosed) {
			log.Error("serve failed", "err", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), *shutTO)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	log.Info("shutdown complete")
	return 0
}
