package main

import (
	"slices"
	"strings"
	"testing"
)

// splitPathInto is splitPath without allocation, for paths of up to
// maxSegs segments.
func TestSplitPathInto(t *testing.T) {
	for _, p := range []string{"", "/", "//", "/a", "a", "/a/", "/v1/indexes/x/search", "/v1//indexes", "///a//b///",
		"/1/2/3/4/5/6/7/8", "/1/2/3/4/5/6/7/8/", "/1/2/3/4/5/6/7/8/9", strings.Repeat("/x", 20)} {
		var buf [maxSegs]string
		got, ok := splitPathInto(&buf, p)
		want := splitPath(p)
		if len(want) > maxSegs {
			if ok {
				t.Errorf("%q: accepted %d segments", p, len(want))
			}
			continue
		}
		if !ok || !slices.Equal(got, want) {
			t.Errorf("%q: got %q (%v), want %q", p, got, ok, want)
		}
	}
}

func TestMethodName(t *testing.T) {
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "get", ""} {
		if got := methodName([]byte(m)); got != m {
			t.Errorf("methodName(%q) = %q", m, got)
		}
	}
}

// A small index is scored exhaustively unless an algorithm is configured,
// and both give the same hits.
func TestAlgorithmChoice(t *testing.T) {
	var hits [2][]searchHit
	for i, alg := range []string{"", "wmaxscore"} {
		ts := newTestServer(t, Options{Algorithm: alg})
		setupIndex(t, ts, "t")
		ni, err := ts.srv.reg.get("t")
		if err != nil {
			t.Fatal(err)
		}
		got := ni.algorithmFor(ni.sparse.Snapshot())
		ni.release()
		want := alg
		if alg == "" {
			want = "exhaustive"
		}
		if got != want {
			t.Errorf("Algorithm %q: searches use %q, want %q", alg, got, want)
		}
		hits[i] = ts.search("t", map[string]any{"query": "birds winter migration", "k": 3}).Hits
	}
	if len(hits[0]) == 0 || !slices.EqualFunc(hits[0], hits[1], func(a, b searchHit) bool {
		return a.ID == b.ID && a.Score == b.Score && a.Title == b.Title
	}) {
		t.Errorf("exhaustive hits %+v, wmaxscore hits %+v", hits[0], hits[1])
	}
}
