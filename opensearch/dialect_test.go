package opensearch

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/server"
	"github.com/valyala/fasthttp/fasthttputil"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testSrv is a dialect server over a fresh catalog, served on an
// in-memory listener.
type testSrv struct {
	*Server
	ln *fasthttputil.InmemoryListener
}

func testServer(t *testing.T, opts server.Options) *testSrv {
	t.Helper()
	cat, err := collection.OpenCatalog(filepath.Join(t.TempDir(), "data"), collection.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	opts.Logger = quiet
	s, err := New(cat, opts)
	if err != nil {
		t.Fatal(err)
	}
	ln := fasthttputil.NewInmemoryListener()
	go s.Serve(ln)
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return &testSrv{Server: s, ln: ln}
}

// do sends one request with its target exactly as written (no client-side
// cleaning of the path) and decodes the JSON answer (nil for no body).
func do(t *testing.T, s *testSrv, method, target, body string, headers ...string) (int, map[string]any) {
	t.Helper()
	conn, err := s.ln.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var h strings.Builder
	for i := 0; i+1 < len(headers); i += 2 {
		h.WriteString(headers[i] + ": " + headers[i+1] + "\r\n")
	}
	if body != "" && !strings.Contains(h.String(), "Content-Type") {
		h.WriteString("Content-Type: application/json\r\n")
	}
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: test\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", method, target, h.String(), len(body), body)
	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %q", method, target, b)
		}
	}
	return res.StatusCode, out
}

// errType is an error answer's error.type.
func errType(m map[string]any) string {
	if e, ok := m["error"].(map[string]any); ok {
		t, _ := e["type"].(string)
		return t
	}
	return ""
}

func TestRoutesAndErrors(t *testing.T) {
	t.Parallel()
	s := testServer(t, server.Options{})
	if code, _ := do(t, s, "PUT", "/idx", `{"mappings":{"properties":{"body":{"type":"text"},"vec":{"type":"rank_features"},"n":{"type":"integer"}}}}`); code != 200 {
		t.Fatalf("create: %d", code)
	}
	for _, tc := range []struct {
		name, method, uri, body string
		status                  int
		typ                     string
	}{
		{"info", "GET", "/", "", 200, ""},
		{"missing index", "GET", "/nope/_search", "", 404, "index_not_found_exception"},
		{"missing index count", "GET", "/nope/_count", "", 404, "index_not_found_exception"},
		{"head missing", "HEAD", "/nope", "", 404, ""},
		{"exists", "PUT", "/idx", "", 400, "resource_already_exists_exception"},
		{"uppercase", "PUT", "/Idx", "", 400, "invalid_index_name_exception"},
		{"dot segment", "GET", "/idx/_doc/..", "", 400, "illegal_argument_exception"},
		{"encoded separator", "GET", "/idx/_doc/a%2Fb", "", 400, "illegal_argument_exception"},
		{"encoded dots", "GET", "/%2e%2e/_search", "", 400, "illegal_argument_exception"},
		{"method", "DELETE", "/idx/_search", "", 405, ""},
		{"no handler", "GET", "/_cat/indices", "", 400, ""},
		{"unknown param", "GET", "/idx/_search?foo=1", "", 400, "illegal_argument_exception"},
		{"refused param", "PUT", "/idx/_doc/1?if_seq_no=3", `{"body":"x"}`, 400, "illegal_argument_exception"},
		{"unknown query", "POST", "/idx/_search", `{"query":{"range":{"n":{"gte":1}}}}`, 400, "parsing_exception"},
		{"bad json", "POST", "/idx/_search", `{"query":`, 400, "x_content_parse_exception"},
		{"two rankers", "POST", "/idx/_search", `{"query":{"bool":{"must":[{"match":{"body":"a"}},{"neural_sparse":{"vec":{"query_text":"b"}}}]}}}`, 400, "illegal_argument_exception"},
		{"wrong vector field", "POST", "/idx/_search", `{"query":{"neural_sparse":{"other":{"query_text":"b"}}}}`, 400, "illegal_argument_exception"},
		{"term on text", "POST", "/idx/_search", `{"query":{"term":{"body":"b"}}}`, 400, "illegal_argument_exception"},
		{"bad integer", "POST", "/idx/_search", `{"query":{"term":{"n":"abc"}}}`, 400, "query_shard_exception"},
		{"window", "POST", "/idx/_search", `{"size":900,"from":200}`, 400, "illegal_argument_exception"},
		{"sort by field", "POST", "/idx/_search", `{"sort":[{"n":"asc"}]}`, 400, "illegal_argument_exception"},
		{"content type", "POST", "/idx/_search", "", 200, ""},
		{"empty bulk", "POST", "/_bulk", "\n", 400, "action_request_validation_exception"},
		{"malformed bulk", "POST", "/_bulk", "{\"explode\":{}}\n", 400, "illegal_argument_exception"},
		{"source line missing", "POST", "/idx/_bulk", "{\"index\":{}}\n", 400, "illegal_argument_exception"},
		{"missing doc", "GET", "/idx/_doc/zz", "", 404, ""},
		{"missing source", "GET", "/idx/_source/zz", "", 404, "resource_not_found_exception"},
		{"unknown pipeline", "POST", "/idx/_search?search_pipeline=nope", `{}`, 400, "illegal_argument_exception"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(t, s, tc.method, tc.uri, tc.body)
			if code != tc.status || errType(body) != tc.typ {
				t.Fatalf("%s %s = %d %v, want %d %q", tc.method, tc.uri, code, body, tc.status, tc.typ)
			}
			if tc.status == 404 && tc.typ == "index_not_found_exception" {
				e := body["error"].(map[string]any)
				rc := e["root_cause"].([]any)[0].(map[string]any)
				if e["index"] != "nope" || rc["type"] != "index_not_found_exception" || body["status"] != 404.0 {
					t.Fatalf("shape: %v", body)
				}
			}
		})
	}
}

func TestWritePolicy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		opts    server.Options
		headers []string
		status  int
		typ     string
	}{
		{"read-only", server.Options{ReadOnly: true}, nil, 403, "cluster_block_exception"},
		{"no key", server.Options{APIKey: "k"}, nil, 401, "security_exception"},
		{"basic key", server.Options{APIKey: "k"}, []string{"Authorization", "Basic dTpr"}, 200, ""}, // u:k
		{"bearer key", server.Options{APIKey: "k"}, []string{"Authorization", "Bearer k"}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := testServer(t, tc.opts)
			code, body := do(t, s, "PUT", "/idx", "", tc.headers...)
			if code != tc.status || errType(body) != tc.typ {
				t.Fatalf("PUT /idx = %d %v", code, body)
			}
			if code, _ := do(t, s, "GET", "/", ""); code != 200 { // reads stay open
				t.Fatalf("GET / = %d", code)
			}
		})
	}
}

func TestBulkItems(t *testing.T) {
	t.Parallel()
	s := testServer(t, server.Options{})
	body := strings.Join([]string{
		`{"index":{"_index":"b","_id":"1"}}`, `{"title":"Sparrows","n":5}`,
		`{"index":{"_index":"b","_id":"2"}}`, `{"title":"x","sparse_embedding":{"sparrow":true}}`,
		`{"index":{"_index":"b","_id":"3"}}`, `{"title":"x","sparse_embedding":{"sparrow":-1}}`,
		`{"index":{"_index":"b","_id":"4"}}`, `{"title":"x","tags":["a","b"]}`,
		`{"index":{"_index":"b","_id":"5"}}`, `{"title":"x","n":"five"}`,
		`{"update":{"_index":"b","_id":"1"}}`, `{"doc":{"n":6}}`,
		`{"index":{"_index":"b","_id":"1"}}`, `{"title":"Sparrows again","n":6.0}`,
		`{"delete":{"_index":"b","_id":"1"}}`,
		`{"delete":{"_index":"b","_id":"1"}}`,
		`{"index":{"_index":"b"}}`, `{"title":"auto id"}`,
		`{"index":{"_index":"BAD","_id":"9"}}`, `{"title":"x"}`,
	}, "\n") + "\n"
	code, res := do(t, s, "POST", "/_bulk", body, "Content-Type", "application/x-ndjson")
	if code != 200 || res["errors"] != true {
		t.Fatalf("bulk = %d %v", code, res)
	}
	want := []struct {
		action string
		status int
		result string
		typ    string
	}{
		{"index", 201, "created", ""},
		{"index", 400, "", "mapper_parsing_exception"},
		{"index", 400, "", "mapper_parsing_exception"},
		{"index", 400, "", "mapper_parsing_exception"},
		{"index", 400, "", "mapper_parsing_exception"}, // n was mapped long by doc 1
		{"update", 400, "", "illegal_argument_exception"},
		{"index", 200, "updated", ""},
		{"delete", 200, "deleted", ""},
		{"delete", 404, "not_found", ""},
		{"index", 201, "created", ""},
		{"index", 400, "", "invalid_index_name_exception"},
	}
	items := res["items"].([]any)
	if len(items) != len(want) {
		t.Fatalf("%d items, want %d: %v", len(items), len(want), items)
	}
	for i, w := range want {
		t.Run(w.action+"/"+w.result+w.typ, func(t *testing.T) {
			it := items[i].(map[string]any)[w.action].(map[string]any)
			if it["status"] != float64(w.status) || (w.result != "" && it["result"] != w.result) || (w.typ != "" && errType(it) != w.typ) {
				t.Fatalf("item %d = %v, want %+v", i, it, w)
			}
		})
	}
	// The mapping gained n as long; the auto id is 20 URL-safe characters.
	_, m := do(t, s, "GET", "/b/_mapping", "")
	props := m["b"].(map[string]any)["mappings"].(map[string]any)["properties"].(map[string]any)
	if props["n"].(map[string]any)["type"] != "long" {
		t.Fatalf("dynamic mapping: %v", props)
	}
	if id := items[9].(map[string]any)["index"].(map[string]any)["_id"].(string); len(id) != 20 {
		t.Fatalf("auto id %q", id)
	}
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ  string
		in   any
		want string
		bad  bool
	}{
		{"long", json.Number("2024"), "2024", false},
		{"long", json.Number("2024.7"), "2024", false},
		{"long", "2024", "2024", false},
		{"integer", json.Number("3000000000"), "", true},
		{"byte", json.Number("128"), "", true},
		{"long", "x", "", true},
		{"double", json.Number("2.50"), "2.5", false},
		{"float", json.Number("0.1"), "0.1", false},
		{"keyword", json.Number("5.0"), "5.0", false},
		{"boolean", "true", "true", false},
		{"boolean", "yes", "", true},
		{"date", "2020-01-02", "2020-01-02T00:00:00.000Z", false},
		{"date", "2020-01-02T03:04:05+02:00", "2020-01-02T01:04:05.000Z", false},
		{"date", json.Number("1577923200000"), "2020-01-02T00:00:00.000Z", false},
		{"date", "2020", "2020-01-01T00:00:00.000Z", false},
		{"date", "yesterday", "", true},
		{"", json.Number("7"), "7", false},
		{"", json.Number("7.0"), "7", false},
		{"", true, "true", false},
	} {
		t.Run(tc.typ+"/"+preview(tc.in), func(t *testing.T) {
			got, _, err := canonical(tc.typ, tc.in)
			if (err != nil) != tc.bad || got != tc.want {
				t.Fatalf("canonical(%q, %v) = %q, %v", tc.typ, tc.in, got, err)
			}
		})
	}
}

func TestMappingParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body         string
		vector, title, txt string
		fields             map[string]string
		bad                string
	}{
		{"empty", ``, "sparse_embedding", "title", "text", nil, ""},
		{"neural tutorial", `{"settings":{"index.knn":true,"default_pipeline":"p"},"mappings":{"properties":{"passage_text":{"type":"text"},"passage_embedding":{"type":"rank_features"},"id":{"type":"keyword"}}}}`,
			"passage_embedding", "", "passage_text", map[string]string{"id": "keyword"}, ""},
		{"title and body", `{"mappings":{"properties":{"body":{"type":"text"},"title":{"type":"text"}}}}`, "sparse_embedding", "title", "body", nil, ""},
		{"object", `{"mappings":{"properties":{"meta":{"properties":{"year":{"type":"short"},"at":{"type":"date"}}}}}}`,
			"sparse_embedding", "", "", map[string]string{"meta.year": "short", "meta.at": "date"}, ""},
		{"two vectors", `{"mappings":{"properties":{"a":{"type":"rank_features"},"b":{"type":"rank_features"}}}}`, "", "", "", nil, "mapper_parsing_exception"},
		{"three texts", `{"mappings":{"properties":{"a":{"type":"text"},"b":{"type":"text"},"c":{"type":"text"}}}}`, "", "", "", nil, "mapper_parsing_exception"},
		{"knn", `{"mappings":{"properties":{"v":{"type":"knn_vector","dimension":3}}}}`, "", "", "", nil, "mapper_parsing_exception"},
		{"aliases", `{"aliases":{"a":{}}}`, "", "", "", nil, "illegal_argument_exception"},
		{"unknown key", `{"setting":{}}`, "", "", "", nil, "parsing_exception"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseIndexBody([]byte(tc.body))
			if tc.bad != "" {
				if e, ok := err.(*Error); !ok || e.Type != tc.bad {
					t.Fatalf("err = %v, want %s", err, tc.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Vector != tc.vector || m.Title != tc.title || m.Text != tc.txt || (len(tc.fields) > 0 && !reflect.DeepEqual(m.Fields, tc.fields)) {
				t.Fatalf("mapping = %+v", m)
			}
		})
	}
}

func TestQueryPlans(t *testing.T) {
	t.Parallel()
	m := &Mapping{Vector: "v", Title: "title", Text: "text", Fields: map[string]string{"cat": "keyword", "n": "long"}}
	p := queryParser{m: m, lim: server.Options{}.Limits}
	p.lim = func() server.Limits { o := server.Options{}; o.EnsureDefaults(); return o.Limits }()
	cat := func(v string) collection.Filter { return collection.Filter{Fields: map[string]string{"cat": v}} }
	for _, tc := range []struct {
		name, query string
		kind        string // ranking clause, "" for none
		filter      collection.Filter
		constScore  float64
	}{
		{"match_all", `{"match_all":{}}`, "", collection.Filter{}, 1},
		{"term", `{"term":{"cat":"a"}}`, "", cat("a"), 1},
		{"term keyword subfield", `{"term":{"cat.keyword":{"value":"a","boost":2}}}`, "", cat("a"), 2},
		{"terms", `{"terms":{"cat":["a","b"]}}`, "", collection.Filter{AnyOf: []collection.Filter{cat("a"), cat("b")}}, 1},
		{"number canonical", `{"term":{"n":"7.0"}}`, "", collection.Filter{Fields: map[string]string{"n": "7"}}, 1},
		{"ids", `{"ids":{"values":["x"]}}`, "", collection.Filter{IDs: []string{"x"}}, 1},
		{"neural", `{"neural_sparse":{"v":{"query_text":"q","analyzer":"bert-uncased"}}}`, "neural_sparse", collection.Filter{}, 0},
		{"bool", `{"bool":{"must":{"match":{"text":"q"}},"filter":[{"term":{"cat":"a"}}],"must_not":{"term":{"cat":"b"}}}}`, "match",
			collection.Filter{Fields: map[string]string{"cat": "a"}, Not: []collection.Filter{cat("b")}}, 0},
		{"bool filter only", `{"bool":{"filter":{"term":{"cat":"a"}}}}`, "", cat("a"), 0},
		{"should or", `{"bool":{"should":[{"term":{"cat":"a"}},{"term":{"cat":"b"}}]}}`, "", collection.Filter{AnyOf: []collection.Filter{cat("a"), cat("b")}}, 1},
		{"should ranker", `{"bool":{"should":{"neural_sparse":{"v":{"query_tokens":{"a":1}}}},"filter":{"term":{"cat":"a"}}}}`, "neural_sparse", cat("a"), 0},
		{"constant_score", `{"constant_score":{"filter":{"term":{"cat":"a"}},"boost":3}}`, "", cat("a"), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := decodeValue([]byte(tc.query))
			if err != nil {
				t.Fatal(err)
			}
			pl, e := p.parsePlan(v)
			if e != nil {
				t.Fatal(e)
			}
			kind := ""
			if pl.score != nil {
				kind = pl.score.kind
			}
			if kind != tc.kind || !reflect.DeepEqual(pl.filter, tc.filter) || (kind == "" && pl.constScore != tc.constScore) {
				t.Fatalf("plan = %s %+v %v", kind, pl.filter, pl.constScore)
			}
		})
	}
}

func TestSourceFilter(t *testing.T) {
	t.Parallel()
	src := map[string]any{"title": "t", "meta": map[string]any{"year": 1, "tag": "x"}, "vec": map[string]any{"a": 1}}
	for _, tc := range []struct {
		name string
		f    sourceFilter
		want string
	}{
		{"all", sourceFilter{}, `{"meta":{"tag":"x","year":1},"title":"t","vec":{"a":1}}`},
		{"include leaf", sourceFilter{includes: []string{"meta.year"}}, `{"meta":{"year":1}}`},
		{"include object", sourceFilter{includes: []string{"meta"}}, `{"meta":{"tag":"x","year":1}}`},
		{"wildcard", sourceFilter{includes: []string{"t*"}}, `{"title":"t"}`},
		{"exclude", sourceFilter{excludes: []string{"vec", "meta.tag"}}, `{"meta":{"year":1},"title":"t"}`},
		{"both", sourceFilter{includes: []string{"meta*"}, excludes: []string{"*.year"}}, `{"meta":{"tag":"x"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := json.Marshal(tc.f.apply(src))
			if string(b) != tc.want {
				t.Fatalf("got %s, want %s", b, tc.want)
			}
		})
	}
	if !glob("a*b*c", "axxbyyc") || glob("a*b", "ac") || !glob("*", "") {
		t.Fatal("glob")
	}
}
