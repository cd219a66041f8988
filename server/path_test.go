package server

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// rawRequestBody is rawRequest with the body as bytes.
func (ts *testServer) rawRequestBody(method, target string) (int, []byte) {
	status, body := ts.rawRequest(method, target)
	return status, []byte(body)
}

// rawRequest sends method and target exactly as written (no client-side
// cleaning or re-encoding of the path) and returns the status and body.
func (ts *testServer) rawRequest(method, target string) (int, string) {
	ts.t.Helper()
	conn, err := ts.ln.Dial()
	if err != nil {
		ts.t.Fatal(err)
	}
	defer conn.Close()
	auth := ""
	if ts.apiKey != "" {
		auth = "Authorization: Bearer " + ts.apiKey + "\r\n"
	}
	if _, err := fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: searchd\r\n%sContent-Length: 0\r\nConnection: close\r\n\r\n", method, target, auth); err != nil {
		ts.t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestPathTraversal: a document path must never reach another route.
// fasthttp's decoded path turns "..%2F..%2Fother" into "/v1/indexes/other"
// (issue 13 item 1); routing on the raw path decodes each segment once and
// refuses "." / ".." and separators inside names and ids.
func TestPathTraversal(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{APIKey: "k"})
	for _, name := range []string{"victim", "other"} {
		setupIndex(t, ts, name)
	}
	cases := []struct {
		method, target string
		status         int
		want           string
	}{
		{"DELETE", "/v1/indexes/victim/documents/..%2F..%2Fother", 400, "may not contain '/'"},
		{"DELETE", "/v1/indexes/victim/documents/..%2f..%2fother", 400, "may not contain '/'"},
		{"DELETE", "/v1/indexes/victim/documents/%2e%2e", 400, "not allowed"},
		{"DELETE", "/v1/indexes/victim/documents/%2E%2E", 400, "not allowed"},
		{"DELETE", "/v1/indexes/victim/documents/..", 400, "not allowed"},
		{"DELETE", "/v1/indexes/victim/documents/.", 400, "not allowed"},
		{"DELETE", "/v1/indexes/victim/documents/%2e", 400, "not allowed"},
		{"DELETE", "/v1/indexes/victim/documents/../../other", 400, "not allowed"},
		{"DELETE", "/v1/indexes/victim/documents/x/../../../other", 400, "not allowed"},
		{"DELETE", "/v1/indexes/victim/documents/%252e%252e", 404, "is not in index"}, // decoded once: "%2e%2e"
		{"DELETE", "/v1/indexes/%2e%2e", 400, "not allowed"},
		{"DELETE", "/v1/indexes/..%2Fother", 400, "index name"},
		{"PUT", "/v1/indexes/victim/documents/..%2F..%2Fnewone", 405, "not allowed"},
		{"PUT", "/v1/indexes/..%2Fnewone", 400, "index name"},
		{"GET", "/v1/indexes/victim/documents/..", 400, "not allowed"},
		{"GET", "/v1/indexes/victim/documents/%2e%2e", 400, "not allowed"},
		{"GET", "/v1/indexes/victim/documents/a%2fb", 400, "may not contain '/'"},
		{"GET", "/v1/indexes/victim/documents/a%5Cb", 400, "may not contain"},
		{"GET", "/v1/indexes/victim/documents/a%zzb", 400, "percent-encoding"},
		{"GET", "/v1/indexes/victim/documents/a%2", 400, "percent-encoding"},
		{"GET", "/v1/indexes/victim/../other", 400, "not allowed"},
		{"GET", "/v1/./indexes/other", 400, "not allowed"},
		{"POST", "/v1/indexes/victim/documents/../search", 400, "not allowed"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			status, body := ts.rawRequest(c.method, c.target)
			if status != c.status || !strings.Contains(body, c.want) {
				t.Errorf("status %d %s, want %d mentioning %q", status, body, c.status, c.want)
			}
			if !strings.HasPrefix(body, `{"error":`) {
				t.Errorf("body %s is not a JSON error", body)
			}
		})
	}
	// Nothing was deleted or created, and every document is still there.
	var list struct{ Indexes []indexInfo }
	ts.mustOK("GET", "/v1/indexes", nil).json(t, &list)
	if len(list.Indexes) != 2 {
		t.Fatalf("indexes after the traversal attempts: %+v, want victim and other", list.Indexes)
	}
	for _, ix := range list.Indexes {
		if ix.Documents != len(testDocs) {
			t.Errorf("index %s has %d documents, want %d", ix.Name, ix.Documents, len(testDocs))
		}
	}
	// Percent-encoded ids that are legal still work, decoded exactly once.
	ts.mustOK("POST", "/v1/indexes/victim/documents", `[{"id":"a b%c","text":"x","vector":{"bird":1}}]`)
	if s, body := ts.rawRequest("GET", "/v1/indexes/victim/documents/a%20b%25c"); s != 200 || !strings.Contains(body, `"id":"a b%c"`) {
		t.Fatalf("GET encoded id: %d %s", s, body)
	}
	if s, body := ts.rawRequest("GET", "/v1/%69ndexes/victim/"); s != 200 || !strings.Contains(body, `"name":"victim"`) {
		t.Fatalf("GET with an encoded literal and a trailing slash: %d %s", s, body)
	}
}
