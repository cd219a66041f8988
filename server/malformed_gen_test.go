package server

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// badRequest is one request a careless or hostile client might send.
type badReq struct {
	method, path, ctype string
	body                []byte
}

func (r badReq) key() string { return r.method + " " + r.path + " " + r.ctype + " " + string(r.body) }

// malformedRequests generates distinct malformed requests against index t:
// every strict prefix of valid bodies, every field with every wrong JSON
// type, out-of-range values, bad ids and weights, bad paths and methods,
// wrong content types, and bodies over each limit. Every one must be
// refused with a 4xx.
func malformedRequests(lim Limits) []badReq {
	const js, nd = "application/json", "application/x-ndjson"
	search, docs := "/v1/indexes/t/search", "/v1/indexes/t/documents"
	var out []badReq
	add := func(method, path, ctype, body string) {
		out = append(out, badReq{method, path, ctype, []byte(body)})
	}
	validSearch := []string{
		`{"query":"vitamin d deficiency","k":5,"mode":"hybrid","explain":true,"filter":{"ids":["d1","d3"],"fields":{"lang":"en"}},"hybrid":{"normalization":"minmax","sparse_weight":0.4,"bm25_weight":0.6,"candidates":50}}`,
		`{"vector":{"sparrow":1.5,"birds":0.25},"k":3}`,
		`{"query":"insulin resistance","k":10,"mode":"bm25","explain":false}`,
	}
	validDocs := []string{
		`[{"id":"n1","title":"Sparrows","text":"Small birds.","lang":"en","fields":{"year":2024}},{"id":"n2","text":"x","vector":{"bird":1.5}}]`,
		`{"_id":"n3","title":"t","text":"ocean water","metadata":{"a":[1,2]}}`,
	}
	// 1. every strict prefix of a valid body is invalid JSON
	for _, b := range validSearch {
		for i := 0; i < len(b); i++ {
			add("POST", search, js, b[:i])
		}
	}
	for _, b := range validDocs {
		for i := 0; i < len(b); i++ {
			add("POST", docs, js, b[:i])
			add("POST", docs, nd, b[:i]) // one line, cut short
		}
	}
	// 2. every search field with every wrong JSON type
	wrong := map[string][]string{
		"query":   {`1`, `true`, `null`, `[]`, `{}`, `["a"]`},
		"k":       {`"10"`, `true`, `[]`, `{}`, `1.5`, `0`, `-1`, `1e40`, strconv.Itoa(lim.MaxK + 1), `-0.5`},
		"mode":    {`1`, `true`, `[]`, `{}`, `"dense"`, `"SPARSE"`, `""`[0:0] + `"bm 25"`},
		"explain": {`"yes"`, `1`, `[]`, `{}`, `"true"`},
		"filter":  {`"lang=en"`, `1`, `true`, `[]`, `{"ids":"a"}`, `{"ids":[1]}`, `{"ids":[]}`, `{"fields":"x"}`, `{"fields":{"lang":{}}}`, `{"fields":{"lang":[]}}`, `{"fields":{"lang":null}}`, `{"ids":["a/b"]}`, `{"ids":[".."]}`, `{"ids":[""]}`, `{"other":1}`},
		"hybrid":  {`1`, `"zscore"`, `[]`, `{"normalization":"softmax"}`, `{"sparse_weight":-1}`, `{"bm25_weight":"1"}`, `{"candidates":-5}`, `{"candidates":1e9}`, `{"sparse_weight":0,"bm25_weight":0}`, `{"weight":1}`},
		"vector":  {`1`, `"bird"`, `[]`, `{}`, `{"bird":-1}`, `{"bird":"1"}`, `{"bird":null}`, `{"bird":1e39}`, `{"bird":1e-50}`, `{"bird":[1]}`, `{"zzqqnotatoken":1}`},
	}
	for field, values := range wrong {
		for _, v := range values {
			switch field {
			case "hybrid":
				add("POST", search, js, `{"query":"a","mode":"hybrid","hybrid":`+v+`}`)
				add("POST", search, js, `{"query":"a","hybrid":`+v+`}`) // hybrid options without mode hybrid
			case "vector":
				add("POST", search, js, `{"vector":`+v+`}`)
				add("POST", search, js, `{"vector":`+v+`,"mode":"bm25"}`)
			case "query":
				add("POST", search, js, `{"query":`+v+`}`)
			default:
				add("POST", search, js, `{"query":"a","`+field+`":`+v+`}`)
			}
		}
	}
	// 3. unknown fields, misspellings, trailing data, bad encodings
	for _, f := range []string{"qurey", "Query", "K", "size", "from", "modes", "explian", "filters", "hybird", "vectors", "_source", "q"} {
		add("POST", search, js, `{"query":"a","`+f+`":1}`)
	}
	for _, b := range []string{`{"query":"a"} {"query":"b"}`, `{"query":"a"}x`, `{"query":"a"}]`, "{\"query\":\"caf\xe9\"}", "\xff\xfe{}", `{"query":"\ud800"}`, `{"query":"\udfff x"}`, `[]`, `"query"`, `null`, `1`, ``, ` `, `{"query":""}`, `{"query":"   "}`, `{}`, `{"query":"a","query":}`} {
		add("POST", search, js, b)
	}
	add("POST", search, js, `{"query":"`+strings.Repeat("w", lim.MaxQueryBytes+1)+`"}`)
	add("POST", search, js, `{"query":"a","filter":{"ids":[`+strings.TrimSuffix(strings.Repeat(`"x",`, lim.MaxFilterIDs+1), ",")+`]}}`)
	add("POST", search, js, strings.Repeat(`{"a":`, maxJSONDepth+1))
	// 4. documents: bad ids, titles, texts, fields, vectors
	badIDs := []string{`""`, `"a/b"`, `"a\\b"`, `"."`, `".."`, `"a\u0000b"`, `"a\nb"`, `"` + strings.Repeat("i", 513) + `"`, `{"x":1}`, `[1]`, `true`, `null`}
	for _, id := range badIDs {
		add("POST", docs, js, `[{"id":`+id+`,"text":"x"}]`)
		add("POST", docs, nd, `{"_id":`+id+`,"text":"x"}`+"\n")
	}
	for _, v := range []string{`1`, `true`, `[]`, `{}`, `null`[0:0] + `["t"]`} {
		add("POST", docs, js, `[{"id":"a","title":`+v+`,"text":"x"}]`)
		add("POST", docs, js, `[{"id":"a","text":`+v+`}]`)
	}
	for _, v := range []string{`{}`, `[]`, `null`, `{"a":{}}`, `[1]`} {
		add("POST", docs, js, `[{"id":"a","text":"x","lang":`+v+`}]`)
		add("POST", docs, js, `[{"id":"a","text":"x","fields":{"lang":`+v+`}}]`)
	}
	for _, v := range wrong["vector"] {
		add("POST", docs, js, `[{"id":"a","vector":`+v+`}]`)
	}
	add("POST", docs, js, `[{"id":"a","vector":{"bird":0}}]`)
	add("POST", docs, js, `[{"id":"a"}]`)
	add("POST", docs, js, `[{"id":"a","title":"  ","text":"\t"}]`)
	add("POST", docs, js, `[{"id":"a","text":"x"},{"id":"a","text":"y"}]`)
	add("POST", docs, js, `[{"text":"no id"}]`)
	add("POST", docs, js, `[1,2]`)
	add("POST", docs, js, `"s"`)
	add("POST", docs, js, `[{"id":"a","text":"`+strings.Repeat("t", lim.MaxDocBytes+1)+`"}]`)
	var many strings.Builder
	many.WriteString("[")
	for i := range lim.MaxBatchDocs + 1 {
		fmt.Fprintf(&many, `{"id":"m%d","text":"x"},`, i)
	}
	add("POST", docs, js, strings.TrimSuffix(many.String(), ",")+"]")
	var fields strings.Builder
	for i := range lim.MaxFields + 1 {
		fmt.Fprintf(&fields, `,"f%d":1`, i)
	}
	add("POST", docs, js, `[{"id":"a","text":"x"`+fields.String()+`}]`)
	for i := 1; i <= 20; i++ { // NDJSON with a bad line at each position
		var b strings.Builder
		for j := 1; j <= 20; j++ {
			if j == i {
				b.WriteString(`{"id":` + "\n")
			} else {
				fmt.Fprintf(&b, `{"id":"l%d","text":"x"}`+"\n", j)
			}
		}
		add("POST", docs, nd, b.String())
	}
	// 5. content types
	for _, ct := range []string{"text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx", "json", "text/json"} {
		add("POST", search, ct, `{"query":"a"}`)
		add("POST", docs, ct, `[{"id":"a","text":"x"}]`)
	}
	add("POST", search, nd, `{"query":"a"}`)
	add("PUT", "/v1/indexes/n1", "text/plain", `{"model":"x"}`)
	// 6. index creation bodies
	for _, b := range []string{`{"model":`, `{"modle":"x"}`, `{"model":1}`, `{"model":"/nonexistent/model"}`, `[]`, `"x"`, `{"model":"x"} 1`} {
		add("PUT", "/v1/indexes/newone", js, b)
	}
	// 7. paths and methods
	badNames := []string{"a.b", "-x", "_x", strings.Repeat("a", 65), "a%20b", "%2e%2e", "..", "a%2Fb", "%00", "a%zz", "%C3%A9", "a+b", "a~b"}
	for _, n := range badNames {
		for _, m := range []string{"GET", "PUT", "DELETE"} {
			add(m, "/v1/indexes/"+n, "", "")
		}
		add("POST", "/v1/indexes/"+n+"/search", js, `{"query":"a"}`)
		add("POST", "/v1/indexes/"+n+"/documents", js, `[{"id":"a","text":"x"}]`)
	}
	for _, id := range []string{"..", ".", "%2e%2e", "a%2Fb", "a%5Cb", "%00", "a%01b", "a%zz", "a%2", strings.Repeat("i", 513), "..%2F..%2Ft"} {
		add("GET", docs+"/"+id, "", "")
		add("DELETE", docs+"/"+id, "", "")
	}
	for _, p := range []string{"/v1", "/v2/indexes", "/v1/index", "/v1/indexes/t/doc", "/v1/indexes/t/search/x", "/v1/indexes/t/documents/a/b", "/v1/indexes/t/../t", "/v1/./indexes", "/metrics/x", "/healthz/x", "/v1/openapi.yaml", "/favicon.ico", "/v1/indexes/none/search"} {
		add("GET", p, "", "")
		add("POST", p, js, `{}`)
	}
	for _, m := range []string{"PATCH", "OPTIONS", "TRACE", "PROPFIND", "POST", "PUT"} {
		add(m, "/v1/indexes/t", "", "")
		add(m, "/healthz", "", "")
	}
	add("GET", search, "", "")
	add("PUT", docs, js, `[{"id":"a","text":"x"}]`)
	add("DELETE", docs, "", "")
	return out
}

// TestMalformedRequestSuite sends every generated malformed request: each
// gets a 4xx with a JSON error naming the problem, the server stays
// healthy, and the index is unchanged (issue 13: at least 1,000 distinct
// malformed requests).
func TestMalformedRequestSuite(t *testing.T) {
	t.Parallel()
	lim := Limits{MaxBatchDocs: 50, MaxFilterIDs: 20, MaxFields: 8, MaxDocBytes: 4 << 10, MaxK: 100, MaxQueryBytes: 256}
	ts := newTestServer(t, Options{MaxBodyBytes: 1 << 20, Limits: lim})
	setupIndex(t, ts, "t")
	reqs := malformedRequests(lim.withDefaults())
	seen := map[string]bool{}
	for _, r := range reqs {
		seen[r.key()] = true
	}
	if len(seen) < 1000 {
		t.Fatalf("only %d distinct malformed requests", len(seen))
	}
	byStatus := map[int]int{}
	for i, r := range reqs {
		var resp response
		if _, err := url.Parse(r.path); err != nil { // Go's client will not send it
			resp.status, resp.body = ts.rawRequestBody(r.method, r.path)
		} else {
			resp = ts.do(r.method, r.path, r.ctype, r.body)
		}
		byStatus[resp.status]++
		if resp.status < 400 || resp.status >= 500 {
			t.Errorf("request %d %s %s %.120q: status %d %s", i, r.method, r.path, r.body, resp.status, resp.body)
			continue
		}
		var e errorBody
		if r.method != "HEAD" {
			resp.json(t, &e)
			if e.Error == "" || e.Status != resp.status {
				t.Errorf("request %d: error body %s", i, resp.body)
			}
		}
	}
	if h := ts.do("GET", "/healthz", "", nil); h.status != 200 {
		t.Fatalf("unhealthy after the suite: %d", h.status)
	}
	var info indexInfo
	ts.mustOK("GET", "/v1/indexes/t", nil).json(t, &info)
	if info.Documents != len(testDocs) {
		t.Fatalf("index has %d documents after the suite, want %d", info.Documents, len(testDocs))
	}
	var list struct{ Indexes []indexInfo }
	ts.mustOK("GET", "/v1/indexes", nil).json(t, &list)
	if len(list.Indexes) != 1 {
		t.Fatalf("indexes after the suite: %+v", list.Indexes)
	}
	t.Logf("%d distinct malformed requests, all 4xx with a JSON error: %v", len(seen), byStatus)
}

// rssBytes is this process's resident set size (Linux), or 0.
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestMalformedBodiesMemory (make test-long): concurrent over-limit bodies
// at the body limit are refused with a 4xx while the process's peak RSS
// stays within a small multiple of (concurrency x body limit) (issue 13
// item 7: four 30 MiB search bodies took RSS from 69 MB to 2.2 GB).
func TestMalformedBodiesMemory(t *testing.T) {
	if os.Getenv("SPARROW_TEST_LONG") == "" {
		t.Skip("make test-long (SPARROW_TEST_LONG=1)")
	}
	const body, conc = 30 << 20, 4
	ts := newTestServer(t, Options{MaxBodyBytes: 32 << 20})
	setupIndex(t, ts, "t")
	bodies := []struct{ path, ctype, body string }{
		{"/v1/indexes/t/search", "application/json", `{"query":"a","filter":{"ids":[` + strings.Repeat(`"",`, body/3) + `""]}}`},
		{"/v1/indexes/t/documents", "application/x-ndjson", strings.Repeat("{}\n", body/3)},
		{"/v1/indexes/t/documents", "application/json", "[" + strings.Repeat(`{"id":"x"},`, body/11) + "{}]"},
		{"/v1/indexes/t/search", "application/json", `{"vector":{` + strings.Repeat(`"a":1,`, body/6) + `"b":1}}`},
	}
	base := rssBytes()
	for round := range 3 {
		var wg sync.WaitGroup
		for i := range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := bodies[(i+round)%len(bodies)]
				req, _ := http.NewRequest("POST", "http://searchd"+b.path, bytes.NewReader([]byte(b.body)))
				req.Header.Set("Content-Type", b.ctype)
				resp, err := ts.client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode/100 != 4 {
					t.Errorf("%s: status %d", b.path, resp.StatusCode)
				}
			}()
		}
		wg.Wait()
	}
	peak := rssBytes()
	// The bodies themselves (test client and server copies) are the floor.
	limit := base + int64(conc)*body*5
	t.Logf("peak RSS %d MiB (baseline %d MiB, limit %d MiB)", peak>>20, base>>20, limit>>20)
	if peak > limit {
		t.Errorf("peak RSS %d MiB over %d MiB", peak>>20, limit>>20)
	}
}
