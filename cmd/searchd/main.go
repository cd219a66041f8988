// Command searchd serves Sparrow indexes over HTTP: named indexes under
// --data DIR, a JSON API under /v1 (documented at /v1/openapi.json), a
// search page at /, Prometheus metrics at /metrics. It parses flags and
// wires package collection's catalog to package server.
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
	"runtime/debug"
	"syscall"
	"time"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/internal/gcpolicy"
	"github.com/sparrow-search/sparrow/opensearch"
	"github.com/sparrow-search/sparrow/server"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

type config struct {
	data, addr, pprof string
	osAddr            string // --opensearch-addr: the OpenSearch dialect's listener ("" = off)
	shutdown          time.Duration
	logJSON           bool
	server            server.Options
	collection        collection.Options
}

// parseFlags maps the command line onto the server's and the collections'
// options; their defaults are the packages' own.
func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("searchd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: searchd --data DIR [--addr HOST:PORT] [flags]\n\nServes the Sparrow indexes under DIR (one sub-directory each) over HTTP; docs/API.md.\n\nflags:\n")
		fs.PrintDefaults()
	}
	var c config
	so, co := &c.server, &c.collection
	fs.StringVar(&c.data, "data", "", "data directory: one sub-directory per index (required)")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address HOST:PORT")
	fs.StringVar(&c.osAddr, "opensearch-addr", "", "also serve the same indexes in OpenSearch's REST dialect on HOST:PORT (docs/OPENSEARCH.md); empty = off")
	fs.StringVar(&so.APIKey, "api-key", "", "API key required for writes (default $SPARROW_API_KEY; empty = writes open)")
	fs.BoolVar(&so.ReadOnly, "read-only", false, "refuse every write and open the indexes read-only")
	fs.IntVar(&so.MaxBodyBytes, "max-body", server.DefaultMaxBodyBytes, "request body limit in bytes")
	fs.DurationVar(&so.ReadTimeout, "read-timeout", 30*time.Second, "per-request read timeout")
	fs.DurationVar(&so.WriteTimeout, "write-timeout", 60*time.Second, "per-response write timeout")
	fs.DurationVar(&c.shutdown, "shutdown-timeout", 30*time.Second, "how long shutdown waits for in-flight requests")
	fs.DurationVar(&so.RescanInterval, "rescan", server.DefaultRescanInterval, "how often to look for index directories added, replaced or removed (negative = never)")
	fs.IntVar(&so.Limits.MaxK, "max-k", server.DefaultLimits.MaxK, "largest k a search may ask for")
	fs.StringVar(&co.Hybrid.Normalization, "hybrid-norm", collection.DefaultNormalization, "hybrid score normalisation, zscore or minmax (tuned on NFCorpus dev, docs/RESULTS.md)")
	fs.Float64Var(&co.Hybrid.SparseWeight, "hybrid-sparse-weight", collection.DefaultSparseWeight, "hybrid weight of the sparse score")
	fs.Float64Var(&co.Hybrid.BM25Weight, "hybrid-bm25-weight", collection.DefaultBM25Weight, "hybrid weight of the BM25 score")
	fs.StringVar(&co.Algorithm, "algorithm", "", "scoring algorithm (default: the engine's per-query planner; all return the same hits)")
	docCache := fs.Int("doc-cache", collection.DefaultDocCache, "per-index cache of hit titles/fields, in documents (0 = off)")
	resultCache := fs.Int("result-cache", collection.DefaultResultCache, "per-index cache of ranked results of query texts, in bytes (0 = off)")
	fs.BoolVar(&so.AccessLog, "access-log", false, "log every request (default: writes and errors only)")
	fs.BoolVar(&c.logJSON, "log-json", false, "log as JSON instead of text")
	fs.StringVar(&c.pprof, "pprof", "", "serve net/http/pprof on this address, e.g. 127.0.0.1:6060")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case c.data == "":
		fs.Usage()
		return nil, errors.New("--data DIR is required")
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if so.APIKey == "" {
		so.APIKey = os.Getenv("SPARROW_API_KEY")
	}
	// The flags' 0 = off; Options' 0 = default.
	co.DocCache, co.ResultCache = *docCache, *resultCache
	if co.DocCache == 0 {
		co.DocCache = -1
	}
	if co.ResultCache == 0 {
		co.ResultCache = -1
	}
	co.ReadOnly = so.ReadOnly
	co.EnsureDefaults()
	so.EnsureDefaults()
	return &c, errors.Join(co.Validate(), so.Validate())
}

func run(args []string, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "searchd: %v\n", err)
		return 2
	}
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if c.logJSON {
		h = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(h)
	c.server.Logger, c.collection.Logger = log, log
	// The GC's target follows the heap of the indexes served (gcpolicy).
	gcCtx, stopGC := context.WithCancel(context.Background())
	defer stopGC()
	go gcpolicy.Keep(gcCtx, 5*time.Second)
	cat, err := collection.OpenCatalog(c.data, c.collection)
	if err != nil {
		log.Error("startup failed", "err", err)
		return 1
	}
	// Loading the indexes left garbage (blobs being decoded, Badger's
	// start-up) that the runtime would keep as idle heap: give it back.
	debug.FreeOSMemory()
	gcpolicy.Apply()
	defer func() {
		if err := cat.Close(); err != nil {
			log.Error("closing the indexes", "err", err)
		}
	}()
	srv, err := server.New(cat, c.server)
	if err != nil {
		log.Error("startup failed", "err", err)
		return 1
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		log.Error("listen failed", "addr", c.addr, "err", err)
		return 1
	}
	log.Info("searchd listening", "addr", ln.Addr().String(), "data", c.data, "indexes", cat.Names(), "broken", len(cat.Broken()),
		"read_only", c.server.ReadOnly, "api_key", c.server.APIKey != "", "ui", "http://"+ln.Addr().String()+"/")
	if c.pprof != "" {
		go func() {
			log.Info("pprof listening", "addr", c.pprof)
			if err := http.ListenAndServe(c.pprof, nil); err != nil {
				log.Error("pprof", "err", err)
			}
		}()
	}
	var osrv *opensearch.Server
	if c.osAddr != "" {
		if osrv, err = opensearch.New(cat, c.server); err != nil {
			log.Error("startup failed", "err", err)
			return 1
		}
		osln, err := net.Listen("tcp", c.osAddr)
		if err != nil {
			log.Error("listen failed", "addr", c.osAddr, "err", err)
			return 1
		}
		log.Info("OpenSearch dialect listening", "addr", osln.Addr().String())
		go func() {
			if err := osrv.Serve(osln); err != nil && !errors.Is(err, net.ErrClosed) {
				log.Error("opensearch serve failed", "err", err)
			}
		}()
	}
	return serve(srv, osrv, ln, c.shutdown, log)
}

// serve runs srv until SIGINT/SIGTERM or a serve error, then shuts down,
// finishing in-flight requests.
func serve(srv *server.Server, osrv *opensearch.Server, ln net.Listener, shutdown time.Duration, log *slog.Logger) int {
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
	ctx, cancel := context.WithTimeout(context.Background(), shutdown)
	defer cancel()
	if osrv != nil {
		if err := osrv.Shutdown(ctx); err != nil {
			log.Error("opensearch shutdown", "err", err)
		}
	}
	if err := srv.Shutdown(ctx); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	log.Info("shutdown complete")
	return 0
}
