package server

import (
	"reflect"
	"testing"

	"github.com/sparrow-search/sparrow/collection"
)

// FuzzDecodeSearch: the search decoder never panics, and what it accepts
// satisfies the limits the handlers rely on.
func FuzzDecodeSearch(f *testing.F) {
	for _, s := range []string{
		`{"query":"vitamin d","k":10}`,
		`{"query":"a","mode":"hybrid","hybrid":{"normalization":"zscore","sparse_weight":0.3,"bm25_weight":0.7,"candidates":50}}`,
		`{"vector":{"bird":1.5,"##s":0.2}}`,
		`{"query":"x","filter":{"ids":["a","b"],"fields":{"lang":"en"}},"explain":true}`,
		`{"query":"a","k":0}`, `{"query":""}`, `[]`, `{`, "{\"query\":\"\xff\"}", `{"query":"a"} 1`, `null`,
	} {
		f.Add([]byte(s))
	}
	lim := DefaultLimits
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeSearch(body, lim)
		if err != nil {
			if _, ok := err.(*requestError); !ok {
				t.Fatalf("error %v is not a requestError", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if r.K == nil || *r.K < 1 || *r.K > lim.MaxK {
			t.Fatalf("accepted k %v", r.K)
		}
		if r.Mode != modeSparse && r.Mode != modeBM25 && r.Mode != modeHybrid {
			t.Fatalf("accepted mode %q", r.Mode)
		}
		if r.Vector == nil && len(r.Query) == 0 || len(r.Query) > lim.MaxQueryBytes {
			t.Fatalf("accepted query %q with vector %v", r.Query, r.Vector)
		}
		if r.Filter != nil {
			for _, id := range r.Filter.IDs {
				if validateDocID(id) != nil {
					t.Fatalf("accepted filter id %q", id)
				}
			}
		}
	})
}

// FuzzDecodeDocuments: the ingest decoder never panics and returns only
// valid, unique ids.
func FuzzDecodeDocuments(f *testing.F) {
	for _, s := range []string{
		`[{"id":"a","title":"t","text":"x","lang":"en"}]`,
		`{"id":1,"text":"x","fields":{"n":2,"b":true}}`,
		"{\"_id\":\"a\",\"text\":\"x\"}\n{\"_id\":\"b\",\"text\":\"y\",\"metadata\":{}}\n",
		`[{"id":"a","vector":{"bird":1}}]`, `[{"id":"..","text":"x"}]`, `[1]`, `"s"`, `{`, ``,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	lim := DefaultLimits
	f.Fuzz(func(t *testing.T, body []byte, ndjson bool) {
		docs, err := decodeDocuments(body, ndjson, lim)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if len(docs) == 0 || len(docs) > lim.MaxBatchDocs {
			t.Fatalf("accepted %d documents", len(docs))
		}
		seen := map[string]bool{}
		for _, d := range docs {
			if err := validateDocID(d.ID); err != nil {
				t.Fatalf("accepted id %q: %v", d.ID, err)
			}
			if seen[d.ID] {
				t.Fatalf("accepted duplicate id %q", d.ID)
			}
			seen[d.ID] = true
		}
	})
}

func FuzzValidateNames(f *testing.F) {
	for _, s := range []string{"index", "a-b_c", "..", "a/b", "", "ü", "-x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if collection.ValidName(s) == nil {
			for _, c := range s {
				if c == '.' || c == '/' || c == '\\' {
					t.Fatalf("accepted index name %q", s)
				}
			}
			if s == "" || len(s) > 64 {
				t.Fatalf("accepted index name %q", s)
			}
		}
		if validateDocID(s) == nil && (s == ".." || s == "." || s == "") {
			t.Fatalf("accepted id %q", s)
		}
	})
}

// FuzzFastSearchBody: whatever the fast search decoder accepts, decodeStrict
// decodes to the same request.
func FuzzFastSearchBody(f *testing.F) {
	for _, s := range []string{
		`{"query":"vitamin d","k":10,"mode":"sparse"}`, ` { "query" : "a" , "k" : -0 , "explain" : true } `,
		`{"k":1,"k":2}`, `{}`, `{"query":"a\u00e9"}`, `{"query":"a","k":1.0}`, `{"query":"a","k":01}`,
		`{"query":"a","k":1e2}`, `{"Query":"a"}`, `{"query":"a"} x`, `{"query":"a",}`, `{"explain":false}`,
		`{"query":"a","k":null}`, `{"query":"\xff"}`, `{"query":"a","k":1234567890}`, `{"mode":"hybrid","hybrid":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast searchRequest
		if !fastSearchBody(body, &fast) {
			return
		}
		var slow searchRequest
		if err := decodeStrict(body, &slow, DefaultLimits.searchShape()); err != nil {
			t.Fatalf("fast path accepted %q, decodeStrict: %v", body, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast %+v, decodeStrict %+v", body, fast, slow)
		}
	})
}
