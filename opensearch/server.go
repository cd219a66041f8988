package opensearch

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/server"
	"github.com/valyala/fasthttp"
)

// Version is the OpenSearch version GET / reports: the dialect follows the
// 3.x REST API (neural_sparse with analyzer, hybrid queries, search
// pipelines), for the subset docs/OPENSEARCH.md lists.
const Version = "3.1.0"

// Server answers OpenSearch REST requests over a catalog. It serves the
// catalog; it does not own it (close the catalog after Shutdown).
type Server struct {
	opts      server.Options
	log       *slog.Logger
	cat       *collection.Catalog
	http      *fasthttp.Server
	routes    []route
	pipelines *pipelines

	locksMu sync.Mutex
	locks   map[string]*sync.Mutex // per index: create-if-absent and mapping updates
}

// New returns an OpenSearch endpoint over cat. opts are searchd's server
// options, so the API key, read-only mode, body limit, timeouts and request
// limits are the same as on /v1 (opts.RescanInterval is not used: /v1's
// server rescans, and the catalog opens an index it does not know on first
// use).
func New(cat *collection.Catalog, opts server.Options) (*Server, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger, cat: cat, pipelines: newPipelines(), locks: map[string]*sync.Mutex{}}
	s.routes = routes()
	s.http = &fasthttp.Server{
		Handler:                       s.Handle,
		Name:                          "sparrow-opensearch",
		MaxRequestBodySize:            opts.MaxBodyBytes,
		ReadTimeout:                   opts.ReadTimeout,
		WriteTimeout:                  opts.WriteTimeout,
		IdleTimeout:                   opts.IdleTimeout,
		ErrorHandler:                  s.handleTransportError,
		DisablePreParseMultipartForm:  true,
		NoDefaultContentType:          true,
		DisableHeaderNamesNormalizing: false,
	}
	return s, nil
}

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.http.Serve(ln) }

// Shutdown stops accepting connections and waits for in-flight requests.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.ShutdownWithContext(ctx) }

// indexLock returns the lock that orders create-if-absent writes and
// mapping updates of one index.
func (s *Server) indexLock(name string) *sync.Mutex {
	s.locksMu.Lock()
	defer s.locksMu.Unlock()
	l := s.locks[name]
	if l == nil {
		l = new(sync.Mutex)
		s.locks[name] = l
	}
	return l
}

// route is one endpoint: a method and a path pattern whose segments are
// literals, {index} or {id}.
type route struct {
	method  string
	pattern string
	segs    []string
	write   bool     // needs the API key; refused in read-only mode
	params  []string // query parameters it reads (besides ignoredParams)
	handler func(r *request)
}

// The query parameters every route accepts and ignores: they tune shards,
// replicas, routing and caching that one Sparrow index does not have, or
// ask for a refresh that every acknowledged write has already had.
var ignoredParams = map[string]bool{
	"pretty": true, "human": true, "error_trace": true, "timeout": true, "master_timeout": true,
	"cluster_manager_timeout": true, "wait_for_active_shards": true, "routing": true, "preference": true,
	"ignore_unavailable": true, "allow_no_indices": true, "expand_wildcards": true, "local": true,
	"flat_settings": true, "include_defaults": true, "realtime": true, "refresh": true, "require_alias": true,
	"pipeline": true, "typed_keys": true, "request_cache": true, "batched_reduce_size": true,
	"ccs_minimize_roundtrips": true, "max_concurrent_shard_requests": true, "pre_filter_shard_size": true,
	"search_type": true, "allow_partial_search_results": true, "track_scores": true, "wait_for_completion": true,
}

var sourceParams = []string{"_source", "_source_includes", "_source_excludes"}

func routes() []route {
	search := append([]string{"size", "from", "search_pipeline", "track_total_hits", "rest_total_hits_as_int"}, sourceParams...)
	rs := []route{
		{method: "GET", pattern: "/", handler: (*request).info},
		{method: "HEAD", pattern: "/", handler: (*request).info},
		{method: "GET", pattern: "/_cluster/health", handler: (*request).health},
		{method: "POST", pattern: "/_bulk", write: true, params: sourceParams, handler: (*request).bulk},
		{method: "PUT", pattern: "/_bulk", write: true, params: sourceParams, handler: (*request).bulk},
		{method: "POST", pattern: "/_refresh", handler: (*request).refresh},
		{method: "GET", pattern: "/_refresh", handler: (*request).refresh},
		{method: "GET", pattern: "/_search/pipeline", handler: (*request).getPipeline},
		{method: "GET", pattern: "/_search/pipeline/{id}", handler: (*request).getPipeline},
		{method: "PUT", pattern: "/_search/pipeline/{id}", write: true, handler: (*request).putPipeline},
		{method: "DELETE", pattern: "/_search/pipeline/{id}", write: true, handler: (*request).deletePipeline},
		{method: "PUT", pattern: "/{index}", write: true, handler: (*request).createIndex},
		{method: "HEAD", pattern: "/{index}", handler: (*request).indexExists},
		{method: "GET", pattern: "/{index}", handler: (*request).getIndex},
		{method: "DELETE", pattern: "/{index}", write: true, handler: (*request).deleteIndex},
		{method: "POST", pattern: "/{index}/_bulk", write: true, params: sourceParams, handler: (*request).bulk},
		{method: "PUT", pattern: "/{index}/_bulk", write: true, params: sourceParams, handler: (*request).bulk},
		{method: "POST", pattern: "/{index}/_doc", write: true, params: []string{"op_type"}, handler: (*request).indexDoc},
		{method: "PUT", pattern: "/{index}/_doc/{id}", write: true, params: []string{"op_type"}, handler: (*request).indexDoc},
		{method: "POST", pattern: "/{index}/_doc/{id}", write: true, params: []string{"op_type"}, handler: (*request).indexDoc},
		{method: "GET", pattern: "/{index}/_doc/{id}", params: sourceParams, handler: (*request).getDoc},
		{method: "HEAD", pattern: "/{index}/_doc/{id}", params: sourceParams, handler: (*request).getDoc},
		{method: "DELETE", pattern: "/{index}/_doc/{id}", write: true, handler: (*request).deleteDoc},
		{method: "PUT", pattern: "/{index}/_create/{id}", write: true, handler: (*request).createDoc},
		{method: "POST", pattern: "/{index}/_create/{id}", write: true, handler: (*request).createDoc},
		{method: "GET", pattern: "/{index}/_source/{id}", params: sourceParams, handler: (*request).getSource},
		{method: "HEAD", pattern: "/{index}/_source/{id}", params: sourceParams, handler: (*request).getSource},
		{method: "GET", pattern: "/{index}/_count", handler: (*request).count},
		{method: "POST", pattern: "/{index}/_count", handler: (*request).count},
		{method: "POST", pattern: "/{index}/_refresh", handler: (*request).refresh},
		{method: "GET", pattern: "/{index}/_refresh", handler: (*request).refresh},
		{method: "GET", pattern: "/{index}/_search", params: search, handler: (*request).search},
		{method: "POST", pattern: "/{index}/_search", params: search, handler: (*request).search},
		{method: "GET", pattern: "/{index}/_mapping", handler: (*request).getMapping},
		{method: "PUT", pattern: "/{index}/_mapping", write: true, handler: (*request).putMapping},
		{method: "POST", pattern: "/{index}/_mapping", write: true, handler: (*request).putMapping},
	}
	for i := range rs {
		rs[i].segs = strings.Split(strings.Trim(rs[i].pattern, "/"), "/")
		if rs[i].pattern == "/" {
			rs[i].segs = nil
		}
	}
	return rs
}

// maxSegs bounds the path segments a request may have to match a route.
const maxSegs = 4

// match finds the route of a path: literal routes win over {index} ones
// (a first segment starting with '_' is never an index name). It returns
// the methods the path allows when the method is not one of them.
func (s *Server) match(method string, segs []string) (*route, string, string, []string) {
	var allowed []string
	for i := range s.routes {
		r := &s.routes[i]
		if len(r.segs) != len(segs) {
			continue
		}
		var index, id string
		ok := true
		for j, rs := range r.segs {
			switch {
			case rs == "{index}" && !strings.HasPrefix(segs[j], "_"):
				index = segs[j]
			case rs == "{id}":
				id = segs[j]
			case rs != segs[j]:
				ok = false
			}
			if !ok {
				break
			}
		}
		if !ok {
			continue
		}
		if r.method == method {
			return r, index, id, nil
		}
		allowed = append(allowed, r.method)
	}
	return nil, "", "", allowed
}

// request is one request being answered.
type request struct {
	s      *Server
	ctx    *fasthttp.RequestCtx
	method string
	path   string
	index  string
	id     string
	pretty bool
	route  *route
	start  time.Time
}

// Handle answers one request; it is the fasthttp handler of the listener
// (exported for tests and for mounting elsewhere).
func (s *Server) Handle(ctx *fasthttp.RequestCtx) {
	r := &request{s: s, ctx: ctx, method: string(ctx.Method()), path: server.RawPath(ctx), start: time.Now()}
	r.pretty = ctx.QueryArgs().Has("pretty") && string(ctx.QueryArgs().Peek("pretty")) != "false"
	// Route on the raw path, each segment decoded once (package server's
	// rule): ".." and encoded separators never reach another index.
	var buf [maxSegs]string
	segs, ok, err := server.SplitRawPath(buf[:], r.path)
	switch {
	case err != nil:
		r.fail(illegalArgument("%v", err))
		return
	case !ok:
		r.noHandler()
		return
	}
	rt, index, id, allowed := s.match(r.method, segs)
	if rt == nil {
		if len(allowed) > 0 {
			r.writeJSON(405, map[string]any{"error": fmt.Sprintf("Incorrect HTTP method for uri [%s] and method [%s], allowed: [%s]",
				r.path, r.method, strings.Join(allowed, ", ")), "status": 405})
			return
		}
		r.noHandler()
		return
	}
	r.route, r.index, r.id = rt, index, id
	if e := r.checkParams(); e != nil {
		r.fail(e)
		return
	}
	if rt.write {
		if no := s.opts.AuthorizeWrite(&ctx.Request.Header); no != nil {
			r.refuse(no)
			return
		}
	}
	rt.handler(r)
	if code := ctx.Response.StatusCode(); s.opts.AccessLog || rt.write || code >= 500 {
		lvl := slog.LevelInfo
		if code >= 500 {
			lvl = slog.LevelError
		}
		s.log.Log(context.Background(), lvl, "opensearch request", "method", r.method, "path", r.path, "status", code,
			"took_us", time.Since(r.start).Microseconds(), "remote", ctx.RemoteAddr().String())
	}
}

func (r *request) noHandler() {
	r.writeJSON(400, map[string]any{"error": fmt.Sprintf("no handler found for uri [%s] and method [%s]", r.path, r.method), "status": 400})
}

// refuse answers a write that the server's policy refuses.
func (r *request) refuse(no *server.Refusal) {
	if no.Status == 403 {
		r.fail(errorf(403, "cluster_block_exception", "index [%s] blocked by: [FORBIDDEN/8/index write (api)]; %s", r.index, no.Msg))
		return
	}
	if no.Challenge {
		r.ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="sparrow"`)
	}
	r.fail(errorf(no.Status, "security_exception", "%s", no.Msg))
}

// checkParams refuses query parameters the route does not know, as
// OpenSearch does ("contains unrecognized parameter").
func (r *request) checkParams() *Error {
	var bad []string
	for k := range r.ctx.QueryArgs().All() {
		key := string(k)
		if ignoredParams[key] || slices.Contains(r.route.params, key) {
			continue
		}
		bad = append(bad, key)
	}
	switch {
	case len(bad) == 0:
		return nil
	case len(bad) == 1:
		return illegalArgument("request [%s] contains unrecognized parameter: [%s]%s", r.path, bad[0], paramHint(bad[0]))
	}
	return illegalArgument("request [%s] contains unrecognized parameters: [%s]", r.path, strings.Join(bad, "], ["))
}

// paramHint explains the parameters Sparrow refuses on purpose.
func paramHint(p string) string {
	switch p {
	case "if_seq_no", "if_primary_term", "version", "version_type":
		return " (Sparrow keeps no document versions: optimistic concurrency control is not supported)"
	case "filter_path":
		return " (response filtering is not supported)"
	case "q", "df", "default_operator", "analyzer", "lenient":
		return " (query-string searches are not supported: send a query in the body)"
	case "scroll":
		return " (scrolling is not supported: page with from and size)"
	}
	return ""
}

// param is a query parameter's value ("" when absent).
func (r *request) param(name string) string { return string(r.ctx.QueryArgs().Peek(name)) }

// body returns the request body, gunzipped when it is gzip-encoded (within
// the body limit), after checking its Content-Type.
func (r *request) body(ndjson bool) ([]byte, *Error) {
	ct := strings.ToLower(string(r.ctx.Request.Header.ContentType()))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	switch strings.TrimSpace(ct) {
	case "", "application/json", "application/vnd.opensearch+json", "application/vnd.elasticsearch+json",
		"application/x-ndjson", "application/vnd.opensearch+x-ndjson", "application/vnd.elasticsearch+x-ndjson", "text/plain":
	default:
		return nil, errorf(406, "content_type_exception", "Content-Type header [%s] is not supported", ct)
	}
	b := r.ctx.PostBody()
	switch enc := strings.ToLower(string(r.ctx.Request.Header.Peek("Content-Encoding"))); enc {
	case "", "identity":
		return b, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, parsingError("the gzip-encoded body does not decompress: %v", err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, int64(r.s.opts.MaxBodyBytes)+1))
		if err != nil {
			return nil, parsingError("the gzip-encoded body does not decompress: %v", err)
		}
		if len(out) > r.s.opts.MaxBodyBytes {
			return nil, errorf(413, "content_too_long_exception", "the decompressed request body is larger than the %d-byte limit", r.s.opts.MaxBodyBytes)
		}
		return out, nil
	default:
		return nil, illegalArgument("Content-Encoding [%s] is not supported (use gzip or none)", enc)
	}
}

// writeJSON answers status with v (nothing for HEAD).
func (r *request) writeJSON(status int, v any) {
	r.ctx.SetStatusCode(status)
	r.ctx.Response.Header.SetContentType("application/json; charset=UTF-8")
	if r.method == "HEAD" {
		return
	}
	r.ctx.SetBody(marshal(v, r.pretty))
}

// fail answers an OpenSearch error.
func (r *request) fail(e *Error) {
	if e.Status >= 500 {
		r.s.log.Error("opensearch request failed", "method", r.method, "path", r.path, "err", e.Reason)
	}
	r.writeJSON(e.Status, e.body())
}

// failErr answers any error of the layers below.
func (r *request) failErr(err error) { r.fail(asError(err, r.index)) }

// handleTransportError answers requests fasthttp rejected before routing.
func (s *Server) handleTransportError(ctx *fasthttp.RequestCtx, err error) {
	r := &request{s: s, ctx: ctx, method: string(ctx.Method()), path: server.RawPath(ctx)}
	var ne net.Error
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		r.fail(errorf(413, "content_too_long_exception", "request body is larger than the %d-byte limit", s.opts.MaxBodyBytes))
	case errors.As(err, &ne) && ne.Timeout():
		r.fail(errorf(408, "timeout_exception", "request timed out while reading"))
	default:
		r.fail(illegalArgument("malformed HTTP request: %v", err))
	}
}

// indexUUID is an index's stable stand-in for OpenSearch's index UUID.
func indexUUID(name string) string {
	sum := sha256.Sum256([]byte("sparrow-index:" + name))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:22]
}

// validIndexName checks a name for an index that is being created: the
// catalog's names (collection.ValidName) and OpenSearch's (lowercase).
func validIndexName(name string) *Error {
	if strings.ContainsAny(name, ",*") || name == "_all" {
		return illegalArgument("[%s] names several indexes: Sparrow's OpenSearch dialect addresses one index per request", name)
	}
	if strings.ToLower(name) != name {
		return invalidIndexName(name, "must be lowercase")
	}
	if err := collection.ValidName(name); err != nil {
		return invalidIndexName(name, "Sparrow index names are letters, digits, '_' and '-' (not first), at most 64 bytes")
	}
	return nil
}

// collection returns the open index name and its mapping.
func (r *request) collection(name string) (*collection.Collection, *Mapping, *Error) {
	if strings.ContainsAny(name, ",*") || name == "_all" {
		return nil, nil, illegalArgument("[%s] names several indexes: Sparrow's OpenSearch dialect addresses one index per request", name)
	}
	if collection.ValidName(name) != nil {
		return nil, nil, indexNotFound(name)
	}
	c, err := r.s.cat.Get(name)
	if err != nil {
		return nil, nil, asError(err, name)
	}
	m, err := loadMapping(c.Manifest().Meta)
	if err != nil {
		return nil, nil, errorf(500, "exception", "%v", err)
	}
	return c, m, nil
}

// ensureIndex returns index name, creating it with the default mapping
// when it does not exist (OpenSearch's automatic index creation on the
// first write).
func (r *request) ensureIndex(name string) (*collection.Collection, *Mapping, *Error) {
	c, m, e := r.collection(name)
	if e == nil || e.Type != "index_not_found_exception" {
		return c, m, e
	}
	if e := validIndexName(name); e != nil {
		return nil, nil, e
	}
	if _, err := r.s.cat.Create(name, collection.Options{}); err != nil && !errors.Is(err, collection.ErrExists) {
		return nil, nil, asError(err, name)
	}
	r.s.log.Info("created index on first write", "index", name)
	return r.collection(name)
}

// updateMapping adds fields to index c's mapping durably (dynamic mapping,
// PUT _mapping). The per-index lock orders concurrent updates.
func (s *Server) updateMapping(name string, c *collection.Collection, added map[string]string) (*Mapping, *Error) {
	l := s.indexLock(name)
	l.Lock()
	defer l.Unlock()
	m, err := loadMapping(c.Manifest().Meta)
	if err != nil {
		return nil, errorf(500, "exception", "%v", err)
	}
	m = m.clone()
	changed := false
	for f, typ := range added {
		if old := m.typeOf(f); old == "" {
			m.Fields[f] = typ
			changed = true
		}
	}
	if !changed {
		return m, nil
	}
	raw := marshal(m, false)
	if err := c.SetMeta(MetaKey, bytes.TrimSpace(raw)); err != nil {
		return nil, asError(err, name)
	}
	return m, nil
}
