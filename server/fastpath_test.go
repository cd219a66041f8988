package server

import (
	"slices"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/collection"
)

// splitRawPath splits like splitPath for paths of up to maxSegs segments
// and decodes each segment once.
func TestSplitRawPath(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", "/", "//", "/a", "a", "/a/", "/v1/indexes/x/search", "/v1//indexes", "///a//b///",
		"/1/2/3/4/5/6/7/8", "/1/2/3/4/5/6/7/8/", "/1/2/3/4/5/6/7/8/9", strings.Repeat("/x", 20)} {
		t.Run(p, func(t *testing.T) {
			var buf [maxSegs]string
			got, ok, err := splitRawPath(&buf, p)
			want := splitPath(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) > maxSegs {
				if ok {
					t.Errorf("accepted %d segments", len(want))
				}
				return
			}
			if !ok || !slices.Equal(got, want) {
				t.Errorf("got %q (%v), want %q", got, ok, want)
			}
		})
	}
	for p, want := range map[string][]string{
		"/a%2Fb/c":     {"a/b", "c"},
		"/a%252F":      {"a%2F"},
		"/%69ndexes/":  {"indexes"},
		"/a+b/%20":     {"a+b", " "},
		"/%E2%9C%93/x": {"\u2713", "x"},
	} {
		t.Run(p, func(t *testing.T) {
			var buf [maxSegs]string
			got, ok, err := splitRawPath(&buf, p)
			if err != nil || !ok || !slices.Equal(got, want) {
				t.Errorf("got %q %v %v, want %q", got, ok, err, want)
			}
		})
	}
	for _, p := range []string{"/a/..", "/a/%2e%2E/b", "/./a", "/a/%2e", "/a%zz", "/a%2", "/%"} {
		t.Run(p, func(t *testing.T) {
			var buf [maxSegs]string
			if got, _, err := splitRawPath(&buf, p); err == nil {
				t.Errorf("accepted as %q", got)
			}
		})
	}
}

func TestMethodName(t *testing.T) {
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "get", ""} {
		if got := methodName([]byte(m)); got != m {
			t.Errorf("methodName(%q) = %q", m, got)
		}
	}
}

// The configured algorithm and the automatic choice (exhaustive on a small
// index; collection's test checks the choice) give the same hits.
func TestAlgorithmChoice(t *testing.T) {
	t.Parallel()
	var hits [2][]searchHit
	for i, alg := range []string{"", "wmaxscore"} {
		ts := newTestServerAt(t, t.TempDir(), Options{}, collection.Options{Algorithm: alg})
		setupIndex(t, ts, "t")
		hits[i] = ts.search("t", map[string]any{"query": "birds winter migration", "k": 3}).Hits
	}
	if len(hits[0]) == 0 || !slices.EqualFunc(hits[0], hits[1], func(a, b searchHit) bool {
		return a.ID == b.ID && a.Score == b.Score && a.Title == b.Title
	}) {
		t.Errorf("exhaustive hits %+v, wmaxscore hits %+v", hits[0], hits[1])
	}
}
