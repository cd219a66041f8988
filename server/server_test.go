package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/valyala/fasthttp/fasthttputil"
)

// testServer is a Server over a catalog in a temporary directory, on an
// in-memory listener, with an HTTP client.
type testServer struct {
	t      *testing.T
	srv    *Server
	cat    *collection.Catalog
	dir    string
	ln     *fasthttputil.InmemoryListener
	client *http.Client
	apiKey string
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testModels loads the default model once for every test (4 s under -race).
var testModels = new(collection.Models)

func newTestServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	return newTestServerAt(t, t.TempDir(), opts, collection.Options{})
}

// newTestServerAt serves the catalog at dir, opened with copts (read-only
// when opts are).
func newTestServerAt(t *testing.T, dir string, opts Options, copts collection.Options) *testServer {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	if copts.Logger == nil {
		copts.Logger = quiet
	}
	if copts.Models == nil {
		copts.Models = testModels
	}
	copts.ReadOnly = copts.ReadOnly || opts.ReadOnly
	cat, err := collection.OpenCatalog(dir, copts)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cat, opts)
	if err != nil {
		t.Fatal(err)
	}
	ln := fasthttputil.NewInmemoryListener()
	go srv.Serve(ln)
	ts := &testServer{t: t, srv: srv, cat: cat, dir: dir, ln: ln, apiKey: opts.APIKey}
	ts.client = &http.Client{Transport: &http.Transport{
		DialContext:         func(ctx context.Context, _, _ string) (net.Conn, error) { return ln.Dial() },
		MaxIdleConnsPerHost: 64,
	}}
	t.Cleanup(func() { ts.close() })
	return ts
}

// close shuts the server down and closes the catalog (idempotent).
func (ts *testServer) close() {
	ts.t.Helper()
	if ts.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		ts.t.Errorf("shutdown: %v", err)
	}
	if err := ts.cat.Close(); err != nil {
		ts.t.Errorf("closing the catalog: %v", err)
	}
	ts.srv = nil
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response %d is not JSON (%v): %s", r.status, err, r.body)
	}
}

// do sends a request; contentType "" sends none; the API key is added for
// non-GET requests when the server has one.
func (ts *testServer) do(method, path, contentType string, body []byte) response {
	ts.t.Helper()
	req, err := http.NewRequest(method, "http://searchd"+path, bytes.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if ts.apiKey != "" && method != "GET" {
		req.Header.Set("Authorization", "Bearer "+ts.apiKey)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (ts *testServer) mustOK(method, path string, body any) response {
	ts.t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		b, _ = json.Marshal(v)
	}
	r := ts.do(method, path, "application/json", b)
	if r.status/100 != 2 {
		ts.t.Fatalf("%s %s: status %d: %s", method, path, r.status, r.body)
	}
	return r
}

func (ts *testServer) search(index string, req map[string]any) searchResponse {
	ts.t.Helper()
	var out searchResponse
	ts.mustOK("POST", "/v1/indexes/"+index+"/search", req).json(ts.t, &out)
	return out
}

// testDocs are a few documents with distinct words. They carry their own
// sparse vectors (OpenSearch-style raw vectors), so the sparse-mode
// assertions hold whatever the current default model encodes; queries are
// still weighted by the model's idf.
var testDocs = []map[string]any{
	{"id": "d1", "title": "Sparrow flight", "text": "Sparrows are small birds that fly in flocks.", "lang": "en",
		"vector": map[string]float64{"sparrow": 1.2, "flight": 1, "small": 0.3, "birds": 0.8, "fly": 1}},
	{"id": "d2", "title": "Ocean currents", "text": "Currents move warm water across the ocean.", "lang": "en",
		"vector": map[string]float64{"ocean": 1.5, "currents": 1.2, "water": 1, "warm": 0.5}},
	{"id": "d3", "title": "Vitamin D", "text": "Vitamin D deficiency is common in winter.", "lang": "de",
		"vector": map[string]float64{"vitamin": 1.5, "d": 1, "deficiency": 1.2, "common": 0.2, "winter": 0.6}},
	{"id": "d4", "title": "Bird migration", "text": "Many birds migrate south for the winter.", "lang": "en",
		"vector": map[string]float64{"bird": 1, "migration": 1.3, "birds": 1, "migrate": 1.1, "south": 0.8, "winter": 0.5}},
}

func setupIndex(t *testing.T, ts *testServer, name string) {
	t.Helper()
	ts.mustOK("PUT", "/v1/indexes/"+name, nil)
	ts.mustOK("POST", "/v1/indexes/"+name+"/documents", testDocs)
}

func TestEndToEndAPI(t *testing.T) {
	ts := newTestServer(t, Options{})
	setupIndex(t, ts, "t")

	var info indexInfo
	ts.mustOK("GET", "/v1/indexes/t", nil).json(t, &info)
	if info.Documents != 4 || info.Model != collection.DefaultModel {
		t.Fatalf("stats = %+v, want 4 documents, default model", info)
	}
	// Assertions below hold for any reasonable model (the default model
	// changes): unique words pick their document first.
	res := ts.search("t", map[string]any{"query": "birds migrate south", "k": 10, "explain": true})
	if len(res.Hits) == 0 || res.Hits[0].ID != "d4" {
		t.Fatalf("top hit for 'birds migrate south' = %+v, want d4", res.Hits)
	}
	// explain contributions add up to the score
	for _, h := range res.Hits {
		var sum float64
		for _, c := range h.Explain {
			sum += float64(c.Contribution)
			if c.Contribution != c.QueryWeight*c.DocWeight {
				t.Errorf("hit %s token %s: contribution %v != %v*%v", h.ID, c.Token, c.Contribution, c.QueryWeight, c.DocWeight)
			}
		}
		if d := sum - h.Score; d > 1e-3*h.Score+1e-4 || d < -1e-3*h.Score-1e-4 {
			t.Errorf("hit %s: explain sums to %v, score %v", h.ID, sum, h.Score)
		}
	}
	// field filter, in all modes
	for _, mode := range []string{"sparse", "bm25", "hybrid"} {
		res = ts.search("t", map[string]any{"query": "winter", "mode": mode, "filter": map[string]any{"fields": map[string]string{"lang": "de"}}})
		if len(res.Hits) != 1 || res.Hits[0].ID != "d3" || res.Hits[0].Title != "Vitamin D" {
			t.Fatalf("%s with lang=de filter: %+v, want only d3 with its title", mode, res.Hits)
		}
	}
	// id filter, in all modes
	for _, mode := range []string{"sparse", "bm25", "hybrid"} {
		res = ts.search("t", map[string]any{"query": "winter birds", "mode": mode, "filter": map[string]any{"ids": []string{"d3"}}})
		if len(res.Hits) != 1 || res.Hits[0].ID != "d3" {
			t.Fatalf("%s with ids filter: %+v, want only d3", mode, res.Hits)
		}
		res = ts.search("t", map[string]any{"query": "ocean water", "mode": mode})
		if len(res.Hits) == 0 || res.Hits[0].ID != "d2" {
			t.Fatalf("%s 'ocean water' top = %+v, want d2", mode, res.Hits)
		}
	}
	// hybrid with per-query z-score fusion, bm25-heavy
	res = ts.search("t", map[string]any{"query": "ocean water", "mode": "hybrid", "k": 2,
		"hybrid": map[string]any{"normalization": "zscore", "sparse_weight": 0.2, "bm25_weight": 0.8, "candidates": 10}})
	if len(res.Hits) == 0 || res.Hits[0].ID != "d2" || len(res.Hits) > 2 {
		t.Fatalf("hybrid zscore 'ocean water' = %+v, want d2 first, at most 2 hits", res.Hits)
	}
	// raw vector query
	res = ts.search("t", map[string]any{"vector": map[string]float64{"water": 1.5}})
	if len(res.Hits) == 0 || res.Hits[0].ID != "d2" {
		t.Fatalf("vector {water} = %+v, want d2 first", res.Hits)
	}
	// get, NDJSON upsert, delete
	var doc documentBody
	ts.mustOK("GET", "/v1/indexes/t/documents/d3", nil).json(t, &doc)
	if doc.Title != "Vitamin D" || doc.Vector["vitamin"] <= 0 {
		t.Fatalf("GET d3 = %+v", doc)
	}
	r := ts.do("POST", "/v1/indexes/t/documents", "application/x-ndjson",
		[]byte(`{"id":"d5","text":"protein folding in yeast cells","vector":{"protein":1,"yeast":1.4,"cells":0.5}}`+"\n\n"+
			`{"_id":"d6","title":"insulin","text":"insulin resistance in obese patients","vector":{"insulin":1.5,"resistance":1}}`+"\n"))
	if r.status != 200 {
		t.Fatalf("NDJSON ingest: %d %s", r.status, r.body)
	}
	ts.mustOK("DELETE", "/v1/indexes/t/documents/d5", nil)
	for _, mode := range []string{"sparse", "bm25", "hybrid"} {
		res = ts.search("t", map[string]any{"query": "yeast insulin", "mode": mode})
		if !hasHit(res, "d6") || hasHit(res, "d5") {
			t.Fatalf("%s after deleting d5: %+v, want d6 and not d5", mode, res.Hits)
		}
	}
	// upsert replaces
	ts.mustOK("POST", "/v1/indexes/t/documents", `{"id":"d6","text":"cell membrane transport","vector":{"cell":1,"membrane":1,"transport":1}}`)
	for _, mode := range []string{"sparse", "bm25"} {
		if res = ts.search("t", map[string]any{"query": "insulin resistance", "mode": mode}); hasHit(res, "d6") {
			t.Fatalf("%s after replacing d6: %+v, want no d6", mode, res.Hits)
		}
	}
	// metrics mention requests and ingest
	ts.search("t", map[string]any{"query": "yeast insulin"}) // a repeat: the result cache's
	m := string(ts.mustOK("GET", "/metrics", nil).body)
	for _, want := range []string{"sparrow_http_requests_total", "sparrow_http_request_duration_seconds_bucket", "sparrow_ingested_documents_total",
		`sparrow_result_cache_hits_total{index="t"} 1`, `sparrow_result_cache_lookups_total{index="t"}`} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// list and delete the index
	var list struct{ Indexes []indexInfo }
	ts.mustOK("GET", "/v1/indexes", nil).json(t, &list)
	if len(list.Indexes) != 1 || list.Indexes[0].Documents != 5 {
		t.Fatalf("list = %+v, want one index of 5 docs", list)
	}
	ts.mustOK("DELETE", "/v1/indexes/t", nil)
	if _, err := os.Stat(filepath.Join(ts.dir, "t")); !os.IsNotExist(err) {
		t.Fatalf("index directory still there after DELETE: %v", err)
	}
	if r := ts.do("GET", "/v1/indexes/t", "", nil); r.status != 404 {
		t.Fatalf("GET deleted index: %d", r.status)
	}
}

func TestReopenKeepsIndexes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ts := newTestServerAt(t, dir, Options{}, collection.Options{})
	ts.mustOK("PUT", "/v1/indexes/keep", nil)
	ts.mustOK("POST", "/v1/indexes/keep/documents", `{"id":"a","text":"persistent sparrow","vector":{"persistent":1,"sparrow":1}}`)
	ts.close()
	if _, err := os.Stat(filepath.Join(dir, "keep", collection.DirtyFile)); !os.IsNotExist(err) {
		t.Fatalf("clean shutdown left %s behind", collection.DirtyFile)
	}
	ts = newTestServerAt(t, dir, Options{}, collection.Options{})
	for _, mode := range []string{"sparse", "bm25"} {
		res := ts.search("keep", map[string]any{"query": "sparrow", "mode": mode})
		if len(res.Hits) != 1 || res.Hits[0].ID != "a" {
			t.Fatalf("%s after reopen: %+v", mode, res.Hits)
		}
	}
}

func TestAPIKeyAndReadOnly(t *testing.T) {
	ts := newTestServer(t, Options{APIKey: "s3cret"})
	ts.mustOK("PUT", "/v1/indexes/k", nil) // with the key
	for _, h := range []map[string]string{{}, {"Authorization": "Bearer wrong"}, {"X-API-Key": "nope"}} {
		req, _ := http.NewRequest("POST", "http://searchd/v1/indexes/k/documents", strings.NewReader(`{"id":"x","text":"y"}`))
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("write with headers %v: status %d, want 401", h, resp.StatusCode)
		}
	}
	// reads need no key
	if r := ts.do("GET", "/v1/indexes/k", "", nil); r.status != 200 {
		t.Fatalf("read without key: %d", r.status)
	}
	ro := newTestServer(t, Options{ReadOnly: true})
	if r := ro.do("PUT", "/v1/indexes/x", "", nil); r.status != 403 {
		t.Fatalf("PUT in read-only mode: %d %s", r.status, r.body)
	}
}

func TestGracefulShutdownFinishesWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ts0 := newTestServerAt(t, dir, Options{}, collection.Options{})
	ts0.mustOK("PUT", "/v1/indexes/g", nil)
	srv, client := ts0.srv, ts0.client
	// Start several writes, then shut down while they may be in flight:
	// every write that got a 200 must be in the reopened index.
	const n = 8
	acked := make(chan string, n)
	done := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			defer func() { done <- struct{}{} }()
			var docs []map[string]string
			for j := 0; j < 200; j++ {
				docs = append(docs, map[string]string{"id": fmt.Sprintf("w%d-%d", i, j), "text": "graceful shutdown keeps writes"})
			}
			b, _ := json.Marshal(docs)
			resp, err := client.Post("http://searchd/v1/indexes/g/documents", "application/json", bytes.NewReader(b))
			if err != nil {
				return
			}
			resp.Body.Close()
			if resp.StatusCode == 200 {
				acked <- fmt.Sprintf("w%d", i)
			}
		}(i)
	}
	// Shut down once one write is acknowledged, so the check below always
	// has something to find while the other writes may still be in flight.
	var ackedCount int
	select {
	case <-acked:
		ackedCount = 1
	case <-time.After(time.Minute): // a hang guard, not a timing assertion
		t.Fatal("no write was acknowledged")
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		<-done
	}
	ts0.srv = nil // shut down above
	if err := ts0.cat.Close(); err != nil {
		t.Fatal(err)
	}
	close(acked)
	ackedCount += len(acked)
	ts := newTestServerAt(t, dir, Options{}, collection.Options{})
	var info indexInfo
	ts.mustOK("GET", "/v1/indexes/g", nil).json(t, &info)
	want := 200 * ackedCount
	if info.Documents < want {
		t.Fatalf("after graceful shutdown: %d documents, but %d were acknowledged", info.Documents, want)
	}
}

func hasHit(r searchResponse, id string) bool {
	for _, h := range r.Hits {
		if h.ID == id {
			return true
		}
	}
	return false
}

// Number and boolean fields are stored as field text and found by filters
// written as numbers or strings, whatever the number's notation (issue 13
// item 8: {"year": 2024} was stored as a string and the filter refused).
func TestNumericFilterFields(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{})
	ts.mustOK("PUT", "/v1/indexes/n", nil)
	ts.mustOK("POST", "/v1/indexes/n/documents", `[
		{"id":"a","text":"sparrow","vector":{"sparrow":1},"year":2024,"open":true,"fields":{"price":9.50}},
		{"id":"b","text":"sparrow","vector":{"sparrow":1},"year":2023,"open":false,"fields":{"price":12}}]`)
	for _, c := range []struct {
		filter string
		want   []string
	}{
		{`{"year":2024}`, []string{"a"}},
		{`{"year":"2024"}`, []string{"a"}},
		{`{"year":2024.0}`, []string{"a"}},
		{`{"year":2.023e3}`, []string{"b"}},
		{`{"year":2025}`, nil},
		{`{"open":true}`, []string{"a"}},
		{`{"open":"false"}`, []string{"b"}},
		{`{"price":9.5}`, []string{"a"}},
		{`{"price":12.0,"year":2023}`, []string{"b"}},
	} {
		t.Run(c.filter, func(t *testing.T) {
			var res searchResponse
			ts.mustOK("POST", "/v1/indexes/n/search", `{"query":"sparrow","filter":{"fields":`+c.filter+`}}`).json(t, &res)
			var got []string
			for _, h := range res.Hits {
				got = append(got, h.ID)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("hits %v, want %v", got, c.want)
			}
		})
	}
	var doc documentBody
	ts.mustOK("GET", "/v1/indexes/n/documents/a", nil).json(t, &doc)
	if doc.Fields["year"] != "2024" || doc.Fields["price"] != "9.5" || doc.Fields["open"] != "true" {
		t.Errorf("stored fields %v", doc.Fields)
	}
}
