package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestMalformedRequests sends requests a careless or hostile client might
// send; each must get a 4xx with a JSON {"error","status"} naming the
// problem, and the server must keep answering.
func TestMalformedRequests(t *testing.T) {
	const key = "k3y"
	ts := newTestServer(t, Options{APIKey: key, MaxBodyBytes: 64 << 10, Limits: Limits{MaxBatchDocs: 100}})
	setupIndex(t, ts, "t")

	search := "/v1/indexes/t/search"
	docs := "/v1/indexes/t/documents"
	js := "application/json"
	nd := "application/x-ndjson"
	many := make([]map[string]string, 101)
	for i := range many {
		many[i] = map[string]string{"id": fmt.Sprint(i), "text": "x"}
	}
	manyJSON, _ := json.Marshal(many)
	huge := `{"id":"big","text":"` + strings.Repeat("a", 70<<10) + `"}`

	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		want                            string // substring of the error message
		noKey                           bool
		badKey                          bool
	}{
		// search body problems
		{"truncated JSON", "POST", search, js, `{"query": "a"`, 400, "invalid JSON", false, false},
		{"syntax error", "POST", search, js, `{"query": }`, 400, "invalid character", false, false},
		{"array instead of object", "POST", search, js, `[]`, 400, "expected an object", false, false},
		{"query is a number", "POST", search, js, `{"query": 5}`, 400, `"query"`, false, false},
		{"k is a string", "POST", search, js, `{"query":"a","k":"10"}`, 400, `"k"`, false, false},
		{"k is fractional", "POST", search, js, `{"query":"a","k":1.5}`, 400, `"k"`, false, false},
		{"k is zero", "POST", search, js, `{"query":"a","k":0}`, 400, `"k" must be >= 1`, false, false},
		{"k is negative", "POST", search, js, `{"query":"a","k":-3}`, 400, `"k" must be >= 1`, false, false},
		{"k is huge", "POST", search, js, `{"query":"a","k":100000000}`, 400, "the limit is 1000", false, false},
		{"k overflows int", "POST", search, js, `{"query":"a","k":1e40}`, 400, `"k"`, false, false},
		{"empty query", "POST", search, js, `{"query":""}`, 400, "empty", false, false},
		{"blank query", "POST", search, js, `{"query":"  \t "}`, 400, "empty", false, false},
		{"no query at all", "POST", search, js, `{}`, 400, "empty", false, false},
		{"query too long", "POST", search, js, `{"query":"` + strings.Repeat("word ", 1000) + `"}`, 400, "the limit is 4096", false, false},
		{"invalid UTF-8", "POST", search, js, "{\"query\":\"caf\xe9\"}", 400, "UTF-8", false, false},
		{"unknown field", "POST", search, js, `{"qurey":"a"}`, 400, `unknown field "qurey"`, false, false},
		{"bad mode", "POST", search, js, `{"query":"a","mode":"dense"}`, 400, `"mode"`, false, false},
		{"explain not bool", "POST", search, js, `{"query":"a","explain":"yes"}`, 400, `"explain"`, false, false},
		{"trailing data", "POST", search, js, `{"query":"a"} {"query":"b"}`, 400, "after the first JSON value", false, false},
		{"query and vector", "POST", search, js, `{"query":"a","vector":{"a":1}}`, 400, "not both", false, false},
		{"empty vector", "POST", search, js, `{"vector":{}}`, 400, `"vector" is empty`, false, false},
		{"negative vector weight", "POST", search, js, `{"vector":{"bird":-1}}`, 400, ">= 0", false, false},
		{"vector weight overflows float32", "POST", search, js, `{"vector":{"bird":1e39}}`, 400, "above the largest allowed weight 10000", false, false},
		{"vector weight absurd", "POST", search, js, `{"vector":{"bird":3e38}}`, 400, "above the largest allowed weight 10000", false, false},
		{"vector weight underflows float32", "POST", search, js, `{"vector":{"bird":1e-50}}`, 400, "below the smallest storable weight", false, false},
		{"vector weight is null", "POST", search, js, `{"vector":{"bird":null}}`, 400, "null", false, false},
		{"vector weight is a string", "POST", search, js, `{"vector":{"bird":"1"}}`, 400, `"vector`, false, false},
		{"vector token not in vocabulary", "POST", search, js, `{"vector":{"notawordpiecetoken":1}}`, 400, "not in the model's vocabulary", false, false},
		{"vector with bm25 mode", "POST", search, js, `{"vector":{"bird":1},"mode":"bm25"}`, 400, "needs \"mode\": \"sparse\"", false, false},
		{"filter is a string", "POST", search, js, `{"query":"a","filter":"lang=en"}`, 400, `"filter"`, false, false},
		{"filter ids empty", "POST", search, js, `{"query":"a","filter":{"ids":[]}}`, 400, "match nothing", false, false},
		{"filter id path trick", "POST", search, js, `{"query":"a","filter":{"ids":["../../etc/passwd"]}}`, 400, "may not contain '/'", false, false},
		{"filter field value is an object", "POST", search, js, `{"query":"a","filter":{"fields":{"lang":{"a":1}}}}`, 400, `"filter.fields`, false, false},
		{"filter field value is null", "POST", search, js, `{"query":"a","filter":{"fields":{"lang":null}}}`, 400, `"filter.fields`, false, false},
		{"hybrid options without hybrid", "POST", search, js, `{"query":"a","hybrid":{"normalization":"zscore"}}`, 400, `need "mode": "hybrid"`, false, false},
		{"hybrid bad normalization", "POST", search, js, `{"query":"a","mode":"hybrid","hybrid":{"normalization":"softmax"}}`, 400, "minmax", false, false},
		{"hybrid negative weight", "POST", search, js, `{"query":"a","mode":"hybrid","hybrid":{"bm25_weight":-1}}`, 400, "bm25_weight", false, false},
		{"search wrong content type", "POST", search, "text/plain", `{"query":"a"}`, 415, "Content-Type", false, false},
		{"search form content type", "POST", search, "application/x-www-form-urlencoded", `query=a`, 415, "Content-Type", false, false},
		{"search empty body", "POST", search, js, ``, 400, "body is empty", false, false},
		{"search unknown index", "POST", "/v1/indexes/nope/search", js, `{"query":"a"}`, 404, `index "nope" does not exist`, false, false},
		{"search with GET", "GET", search, "", ``, 405, "not allowed", false, false},
		// index names
		{"index name with dot", "PUT", "/v1/indexes/a.b", "", ``, 400, "index name", false, false},
		{"index name traversal", "PUT", "/v1/indexes/..%2f..%2ftmp", "", ``, 400, "index name", false, false},
		{"index name encoded dots", "GET", "/v1/indexes/%2e%2e", "", ``, 400, "not allowed", false, false},
		{"index name too long", "PUT", "/v1/indexes/" + strings.Repeat("a", 65), "", ``, 400, "limit is 64", false, false},
		{"index name leading dash", "PUT", "/v1/indexes/-x", "", ``, 400, "index name", false, false},
		{"index already exists", "PUT", "/v1/indexes/t", "", ``, 409, "already exists", false, false},
		{"create with bad JSON", "PUT", "/v1/indexes/n1", js, `{"model":`, 400, "invalid JSON", false, false},
		{"create with unknown field", "PUT", "/v1/indexes/n2", js, `{"modle":"x"}`, 400, "unknown field", false, false},
		{"create with missing model dir", "PUT", "/v1/indexes/n3", js, `{"model":"/nonexistent/model"}`, 400, "cannot be loaded", false, false},
		// documents
		{"docs empty body", "POST", docs, js, ``, 400, "body is empty", false, false},
		{"docs a bare string", "POST", docs, js, `"hello"`, 400, "expected a JSON object", false, false},
		{"docs array of numbers", "POST", docs, js, `[1,2]`, 400, "document 0", false, false},
		{"docs missing id", "POST", docs, js, `[{"text":"x"}]`, 400, `missing "id"`, false, false},
		{"docs id with slash", "POST", docs, js, `[{"id":"a/b","text":"x"}]`, 400, "may not contain '/'", false, false},
		{"docs id dot-dot", "POST", docs, js, `[{"id":"..","text":"x"}]`, 400, "not allowed", false, false},
		{"docs id control char", "POST", docs, js, `[{"id":"a\u0000b","text":"x"}]`, 400, "control", false, false},
		{"docs id is an object", "POST", docs, js, `[{"id":{"x":1},"text":"x"}]`, 400, "string or a number", false, false},
		{"docs title is a number", "POST", docs, js, `[{"id":"a","title":5}]`, 400, `"title" must be a string`, false, false},
		{"docs without text", "POST", docs, js, `[{"id":"a"}]`, 400, "neither", false, false},
		{"docs duplicate ids", "POST", docs, js, `[{"id":"a","text":"x"},{"id":"a","text":"y"}]`, 400, "repeats document 0", false, false},
		{"docs field is an object", "POST", docs, js, `[{"id":"a","text":"x","lang":{"v":1}}]`, 400, `field "lang"`, false, false},
		{"docs vector token unknown", "POST", docs, js, `[{"id":"a","vector":{"qqqqzzzz":1}}]`, 400, "not in the model's vocabulary", false, false},
		{"docs vector weight overflows float32", "POST", docs, js, `[{"id":"a","vector":{"bird":1e39}}]`, 400, "above the largest allowed weight 10000", false, false},
		{"docs vector weight absurd", "POST", docs, js, `[{"id":"a","vector":{"the":3e38}}]`, 400, "above the largest allowed weight 10000 (sparse.MaxWeight)", false, false},
		{"docs vector weight just over the bound", "POST", docs, js, `[{"id":"a","vector":{"the":10000.5}}]`, 400, "above the largest allowed weight", false, false},
		{"docs vector weight underflows float32", "POST", docs, js, `[{"id":"a","vector":{"bird":1e-50}}]`, 400, "below the smallest storable weight", false, false},
		{"docs vector weight is null", "POST", docs, js, `[{"id":"a","vector":{"bird":null}}]`, 400, "null", false, false},
		{"docs vector is empty", "POST", docs, js, `[{"id":"a","vector":{}}]`, 400, "\"vector\" is empty", false, false},
		{"docs vector is null", "POST", docs, js, `[{"id":"a","vector":null}]`, 400, "\"vector\" must be an object", false, false},
		{"docs vector all zero", "POST", docs, js, `[{"id":"a","vector":{"bird":0}}]`, 400, "no non-zero weight", false, false},
		{"docs lone surrogate", "POST", docs, js, `[{"id":"a","text":"x\ud800y"}]`, 400, "lone UTF-16 surrogate", false, false},
		{"search lone surrogate", "POST", search, js, `{"query":"\udc00"}`, 400, "lone UTF-16 surrogate", false, false},
		{"ndjson bad second line", "POST", docs, nd, "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\n", 400, "line 2", false, false},
		{"docs invalid UTF-8", "POST", docs, js, "[{\"id\":\"a\",\"text\":\"\xff\xfe\"}]", 400, "UTF-8", false, false},
		{"docs wrong content type", "POST", docs, "text/csv", `id,text`, 415, "Content-Type", false, false},
		{"docs too many in one batch", "POST", docs, js, string(manyJSON), 400, "the limit is 100", false, false},
		{"docs oversized body", "POST", docs, js, huge, 413, "larger than", false, false},
		{"docs unknown index", "POST", "/v1/indexes/none/documents", js, `[{"id":"a","text":"x"}]`, 404, "does not exist", false, false},
		// document paths
		{"get missing doc", "GET", docs + "/zzz", "", ``, 404, `document "zzz" is not in index`, false, false},
		{"get doc control char id", "GET", docs + "/a%01b", "", ``, 400, "control", false, false},
		{"delete missing doc", "DELETE", docs + "/zzz", "", ``, 404, "is not in index", false, false},
		{"get doc id encoded slash", "GET", docs + "/a%2fb", "", ``, 400, "may not contain '/'", false, false},
		// routing and auth
		{"unknown endpoint", "GET", "/v1/nope", "", ``, 404, "no such endpoint", false, false},
		{"method not allowed", "PATCH", "/v1/indexes/t", "", ``, 405, "not allowed", false, false},
		{"write without API key", "DELETE", "/v1/indexes/t", "", ``, 401, "needs an API key", true, false},
		{"write with wrong API key", "POST", docs, js, `[{"id":"a","text":"x"}]`, 401, "not valid", false, true},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	passed := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts.apiKey = key
			if c.noKey {
				ts.apiKey = ""
			}
			if c.badKey {
				ts.apiKey = "wrong"
			}
			r := ts.do(c.method, c.path, c.ctype, []byte(c.body))
			ts.apiKey = key
			if r.status != c.status {
				t.Fatalf("status %d, want %d; body %s", r.status, c.status, r.body)
			}
			var e errorBody
			r.json(t, &e)
			if e.Error == "" || e.Status != c.status {
				t.Fatalf("error body %s lacks a message or status", r.body)
			}
			if !strings.Contains(e.Error, c.want) {
				t.Fatalf("error %q does not mention %q", e.Error, c.want)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type %q, want application/json", ct)
			}
			if h := ts.do("GET", "/healthz", "", nil); h.status != 200 {
				t.Fatalf("server unhealthy after the request: %d", h.status)
			}
			passed++
		})
	}
	// Nothing above changed the index.
	res := ts.search("t", map[string]any{"query": "birds"})
	if len(res.Hits) == 0 {
		t.Fatal("search fails after the malformed requests")
	}
	var info indexInfo
	ts.mustOK("GET", "/v1/indexes/t", nil).json(t, &info)
	if info.Documents != len(testDocs) {
		t.Fatalf("index has %d documents after malformed writes, want %d", info.Documents, len(testDocs))
	}
	t.Logf("%d/%d malformed requests answered 4xx with a JSON error; server alive", passed, len(cases))
}
