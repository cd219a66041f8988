// Package server is searchd's HTTP API: an adapter from fasthttp requests
// to a collection.Catalog (routing, authentication, JSON decoding with
// limits, errors, metrics, the search page), as Zoekt's web package is over
// its index. cmd/searchd only parses flags and wires it.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/valyala/fasthttp"
)

// Options configure a Server. The zero value is ready to use: zero fields
// take the documented defaults.
type Options struct {
	APIKey       string        // when set, every write needs "Authorization: Bearer KEY" or "X-API-Key: KEY"
	ReadOnly     bool          // answer every write with 403 (open the catalog read-only too)
	MaxBodyBytes int           // request body limit (default 32 MiB)
	ReadTimeout  time.Duration // per request read (default 30s)
	WriteTimeout time.Duration // per response write (default 60s)
	IdleTimeout  time.Duration // keep-alive idle (default 120s)
	AccessLog    bool          // log every request at Info (default: only writes and errors)
	Limits       Limits        // per-request limits (DefaultLimits)
	// RescanInterval is how often the catalog is rescanned for index
	// directories added, removed or replaced by other processes (default
	// 10s; negative = never; GET /v1/indexes rescans too).
	RescanInterval time.Duration
	Logger         *slog.Logger // default slog.Default()
}

// Defaults of Options.
const (
	DefaultMaxBodyBytes   = 32 << 20
	DefaultRescanInterval = 10 * time.Second
)

// EnsureDefaults fills zero fields with their defaults.
func (o *Options) EnsureDefaults() {
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = 30 * time.Second
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = 60 * time.Second
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 120 * time.Second
	}
	if o.RescanInterval == 0 {
		o.RescanInterval = DefaultRescanInterval
	}
	o.Limits = o.Limits.withDefaults()
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Validate reports every problem with o at once.
func (o *Options) Validate() error {
	var errs []error
	if o.MaxBodyBytes < 0 {
		errs = append(errs, fmt.Errorf("server: max body bytes must be > 0, got %d", o.MaxBodyBytes))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"read timeout", o.ReadTimeout}, {"write timeout", o.WriteTimeout}, {"idle timeout", o.IdleTimeout}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("server: %s must be > 0, got %v", d.name, d.v))
		}
	}
	if err := o.Limits.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Server is searchd's HTTP API over a catalog of collections: the JSON API
// under /v1 (documented at /v1/openapi.json), a search page at /, health
// and Prometheus metrics. It serves the catalog; it does not own it (close
// the catalog after Shutdown).
type Server struct {
	opts    Options
	log     *slog.Logger
	cat     *collection.Catalog
	metrics *metrics
	routes  []route
	http    *fasthttp.Server
	stop    chan struct{}
	bg      sync.WaitGroup
}

// route is one registered endpoint; pattern segments in braces are
// parameters ({name}, {id}). The OpenAPI test checks this table against
// openapi.json.
type route struct {
	method  string
	pattern string
	write   bool // needs the API key; refused in read-only mode
	handler func(s *Server, ctx *fasthttp.RequestCtx, p params)
	segs    []string
}

// params are a route's path parameters.
type params struct {
	name string // {name}: the index
	id   string // {id}: the document
}

// maxSegs bounds the path segments a request may have to match a route.
const maxSegs = 8

// New returns a server of cat.
func New(cat *collection.Catalog, opts Options) (*Server, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger, cat: cat, stop: make(chan struct{})}
	s.metrics = newMetrics(cat)
	s.routes = []route{
		{method: "GET", pattern: "/", handler: (*Server).handleUI},
		{method: "GET", pattern: "/healthz", handler: (*Server).handleHealth},
		{method: "GET", pattern: "/metrics", handler: (*Server).handleMetrics},
		{method: "GET", pattern: "/v1/openapi.json", handler: (*Server).handleOpenAPI},
		{method: "GET", pattern: "/v1/indexes", handler: (*Server).handleListIndexes},
		{method: "PUT", pattern: "/v1/indexes/{name}", write: true, handler: (*Server).handleCreateIndex},
		{method: "GET", pattern: "/v1/indexes/{name}", handler: (*Server).handleIndexStats},
		{method: "DELETE", pattern: "/v1/indexes/{name}", write: true, handler: (*Server).handleDeleteIndex},
		{method: "POST", pattern: "/v1/indexes/{name}/documents", write: true, handler: (*Server).handleIngest},
		{method: "GET", pattern: "/v1/indexes/{name}/documents/{id}", handler: (*Server).handleGetDocument},
		{method: "DELETE", pattern: "/v1/indexes/{name}/documents/{id}", write: true, handler: (*Server).handleDeleteDocument},
		{method: "POST", pattern: "/v1/indexes/{name}/search", handler: (*Server).handleSearch},
	}
	for i := range s.routes {
		s.routes[i].segs = splitPath(s.routes[i].pattern)
	}
	s.http = &fasthttp.Server{
		Handler:            s.handle,
		Name:               "sparrow-searchd",
		MaxRequestBodySize: opts.MaxBodyBytes,
		ReadTimeout:        opts.ReadTimeout,
		WriteTimeout:       opts.WriteTimeout,
		IdleTimeout:        opts.IdleTimeout,
		ErrorHandler:       s.handleTransportError,
		ExpectHandler:      s.handleExpect,
		Logger:             fasthttpLogger{opts.Logger},
	}
	if opts.RescanInterval > 0 {
		s.bg.Add(1)
		go s.rescanLoop(opts.RescanInterval)
	}
	return s, nil
}

// rescanLoop rescans the catalog until Shutdown, so index directories built,
// replaced or removed by other processes are noticed.
func (s *Server) rescanLoop(every time.Duration) {
	defer s.bg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.rescan()
		}
	}
}

func (s *Server) rescan() {
	ch, err := s.cat.Rescan()
	if err != nil {
		s.log.Error("rescanning the data directory", "err", err)
		return
	}
	for _, name := range ch.Closed {
		s.metrics.forget(name)
	}
	if len(ch.Opened)+len(ch.Reopened)+len(ch.Closed) > 0 {
		s.log.Info("data directory changed", "opened", ch.Opened, "reopened", ch.Reopened, "closed", ch.Closed)
	}
}

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.http.Serve(ln) }

// Shutdown stops accepting connections and waits for in-flight requests
// (writes included) to finish. The catalog stays open: close it afterwards.
func (s *Server) Shutdown(ctx context.Context) error {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	err := s.http.ShutdownWithContext(ctx)
	s.bg.Wait()
	return err
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match finds the route for a path; it reports whether the path exists
// under another method (405 rather than 404).
func (s *Server) match(method string, segs []string) (*route, params, bool) {
	pathKnown := false
	for i := range s.routes {
		r := &s.routes[i]
		if len(r.segs) != len(segs) {
			continue
		}
		var p params
		ok := true
		for j, rs := range r.segs {
			switch rs {
			case "{name}":
				p.name = segs[j]
				continue
			case "{id}":
				p.id = segs[j]
				continue
			}
			if rs != segs[j] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		pathKnown = true
		if r.method == method || (method == "HEAD" && r.method == "GET") {
			return r, p, true
		}
	}
	return nil, params{}, pathKnown
}

// SplitRawPath splits the raw request path (as the client sent it, before
// any decoding or dot-segment removal) into dst and percent-decodes each
// segment exactly once. Routing on the decoded, normalised path would let
// "documents/..%2F..%2Fother" reach the route of index "other" (issue 13
// item 1); here that is one segment "../../other", which no name or id
// validation accepts. Every HTTP dialect over the catalog routes with it
// (package opensearch too). It reports ok=false when p has more than len(dst)
// segments (no route has), and a 400 for a malformed escape or a "." /
// ".." segment (paths are never normalised, so such a segment is refused
// rather than resolved).
func SplitRawPath(dst []string, p string) (segs []string, ok bool, err error) {
	for len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	for len(p) > 0 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	if p == "" {
		return dst[:0], true, nil
	}
	n := 0
	for {
		seg, rest, more := strings.Cut(p, "/")
		if n == len(dst) {
			return nil, false, nil
		}
		if strings.IndexByte(seg, '%') >= 0 {
			dec, uerr := url.PathUnescape(seg)
			if uerr != nil {
				return nil, false, badRequest("path segment %q has malformed percent-encoding", seg)
			}
			seg = dec
		}
		if seg == "." || seg == ".." {
			return nil, false, badRequest("path segment %q is not allowed (paths are not normalised)", seg)
		}
		dst[n] = seg
		n++
		if !more {
			return dst[:n], true, nil
		}
		p = rest
	}
}

func splitRawPath(dst *[maxSegs]string, p string) ([]string, bool, error) {
	return SplitRawPath(dst[:], p)
}

// methodName returns the request method as a constant string for the usual
// methods (no allocation on the hot path).
func methodName(m []byte) string {
	switch string(m) { // no allocation: compared in place
	case "GET":
		return "GET"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "HEAD":
		return "HEAD"
	}
	return string(m)
}

func (s *Server) handle(ctx *fasthttp.RequestCtx) {
	start := time.Now()
	method := methodName(ctx.Method())
	// Route on the raw path: ctx.Path() is decoded and normalised
	// ("/a/..%2Fb" -> "/b"), which would let an id reach another route.
	path := rawPath(ctx)
	var segBuf [maxSegs]string
	var r *route
	var p params
	known := false
	segs, ok, perr := splitRawPath(&segBuf, path)
	if ok {
		r, p, known = s.match(method, segs)
	}
	routeName := "unmatched"
	switch {
	case perr != nil:
		s.writeErr(ctx, perr)
	case r == nil && known:
		writeError(ctx, 405, "method %s is not allowed on %s", method, path)
	case r == nil:
		writeError(ctx, 404, "no such endpoint: %s %s (see /v1/openapi.json)", method, path)
	default:
		routeName = r.pattern
		if s.authorize(ctx, r) {
			r.handler(s, ctx, p)
		}
	}
	code := ctx.Response.StatusCode()
	elapsed := time.Since(start)
	s.metrics.observe(method, routeName, code, elapsed)
	if s.opts.AccessLog || (r != nil && r.write) || code >= 500 {
		lvl := slog.LevelInfo
		if code >= 500 {
			lvl = slog.LevelError
		}
		s.log.Log(context.Background(), lvl, "request", "method", method, "path", path, "status", code,
			"took_us", elapsed.Microseconds(), "remote", ctx.RemoteAddr().String())
	}
}

// rawPath is the request path as the client sent it, without the query.
func rawPath(ctx *fasthttp.RequestCtx) string {
	if p := ctx.URI().PathOriginal(); len(p) > 0 {
		return string(p)
	}
	return "/"
}

// authorize enforces read-only mode and the API key on writes.
func (s *Server) authorize(ctx *fasthttp.RequestCtx, r *route) bool {
	if !r.write {
		return true
	}
	if no := s.opts.AuthorizeWrite(&ctx.Request.Header); no != nil {
		if no.Challenge {
			ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="sparrow"`)
		}
		writeError(ctx, no.Status, "%s", no.Msg)
		return false
	}
	return true
}

// handleExpect answers "Expect: 100-continue" with a 413 when the declared
// body is over the limit, before the client sends it.
func (s *Server) handleExpect(ctx *fasthttp.RequestCtx) int {
	if n := ctx.Request.Header.ContentLength(); n > s.opts.MaxBodyBytes {
		writeError(ctx, 413, "request body is larger than the %d-byte limit", s.opts.MaxBodyBytes)
		s.metrics.observe(string(ctx.Method()), "transport_error", 413, 0)
		return 413
	}
	return fasthttp.StatusContinue
}

// maxDrain bounds how much of an over-limit body the server reads and
// drops so that its client, still sending, gets the 413 instead of a
// connection reset; a larger upload is cut off.
const maxDrain = 1 << 30

// readBufferSize is fasthttp's default per-connection read buffer, which
// may already hold the start of a body.
const readBufferSize = 4096

// drain reads and drops the rest of the request body from the connection:
// closing a socket with unread data makes the kernel send a reset, and a
// client that sends its whole body before reading (curl does) would see
// that reset instead of the answer. It stops at the declared length (at
// most maxDrain), after a second without data, or at the read timeout.
func (s *Server) drain(ctx *fasthttp.RequestCtx) {
	n := int64(ctx.Request.Header.ContentLength())
	if n > maxDrain {
		return
	}
	if n < 0 {
		n = maxDrain // chunked: until the client stops
	}
	conn := ctx.Conn()
	deadline := time.Now().Add(s.opts.ReadTimeout)
	buf := make([]byte, 64<<10)
	for read := int64(0); read < n && time.Now().Before(deadline); {
		wait := time.Second
		if read >= n-readBufferSize {
			wait = 50 * time.Millisecond // the rest may be in fasthttp's buffer already
		}
		idle := time.Now().Add(wait)
		if idle.After(deadline) {
			idle = deadline
		}
		conn.SetReadDeadline(idle)
		k, err := conn.Read(buf)
		read += int64(k)
		if err != nil {
			break
		}
	}
	conn.SetReadDeadline(time.Time{})
}

// handleTransportError answers requests fasthttp rejected before routing
// (oversized body, malformed HTTP, timeouts) with the same JSON errors.
func (s *Server) handleTransportError(ctx *fasthttp.RequestCtx, err error) {
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		s.drain(ctx)
		writeError(ctx, 413, "request body is larger than the %d-byte limit", s.opts.MaxBodyBytes)
	case isTimeout(err):
		writeError(ctx, 408, "request timed out while reading")
	default:
		writeError(ctx, 400, "malformed HTTP request: %v", err)
	}
	s.metrics.observe(string(ctx.Method()), "transport_error", ctx.Response.StatusCode(), 0)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

type errorBody struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

func writeError(ctx *fasthttp.RequestCtx, status int, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	writeJSON(ctx, status, errorBody{Error: msg, Status: status})
}

// writeErr maps an error from the decoding and collection layers to a
// response (ErrorStatus); server-side failures are logged.
func (s *Server) writeErr(ctx *fasthttp.RequestCtx, err error) {
	status, msg := ErrorStatus(err)
	if status >= 500 {
		s.log.Error("request failed", "path", rawPath(ctx), "status", status, "err", err)
	}
	writeError(ctx, status, "%s", msg)
}

func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	ctx.Response.Header.SetContentType("application/json; charset=utf-8")
	ctx.SetStatusCode(status)
	enc := json.NewEncoder(ctx)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		ctx.ResetBody()
		ctx.SetStatusCode(500)
		ctx.SetBodyString(`{"error":"encoding the response failed","status":500}`)
	}
}

// requireJSON checks the Content-Type of a body-carrying request: JSON (or
// NDJSON where allowed); a missing header is taken as JSON.
func requireJSON(ctx *fasthttp.RequestCtx, allowNDJSON bool) (ndjson bool, ok bool) {
	switch string(ctx.Request.Header.ContentType()) { // the usual cases, without allocating
	case "", "application/json", "application/json; charset=utf-8":
		return false, true
	}
	ct := strings.ToLower(strings.TrimSpace(string(ctx.Request.Header.ContentType())))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	switch ct {
	case "", "application/json":
		return false, true
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/jsonlines":
		if allowNDJSON {
			return true, true
		}
	}
	want := "application/json"
	if allowNDJSON {
		want = "application/json or application/x-ndjson"
	}
	writeError(ctx, 415, "unsupported Content-Type %q; use %s", ct, want)
	return false, false
}

// fasthttpLogger routes fasthttp's own messages (connection errors already
// answered by handleTransportError) to slog at debug level.
type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Debug("fasthttp: " + fmt.Sprintf(format, args...))
}
