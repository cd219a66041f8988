package collection

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

func TestFilterComposition(t *testing.T) {
	t.Parallel()
	c := newTestCollection(t, filepath.Join(t.TempDir(), "c"), Options{})
	// A second segment, and a deleted document, so filters span views and
	// never admit what is gone.
	if err := c.Upsert(context.Background(), []Document{
		{ID: "d5", Title: "Winter birds", Text: "Birds in winter.", Fields: map[string]string{"lang": "fr"}, Tokens: map[string]float64{"birds": 1, "winter": 1}},
		{ID: "d6", Title: "Gone", Text: "deleted", Fields: map[string]string{"lang": "fr"}, Tokens: map[string]float64{"birds": 1}},
	}); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.Delete(context.Background(), "d6"); !ok || err != nil {
		t.Fatalf("Delete d6 = %v, %v", ok, err)
	}
	lang := func(v string) Filter { return Filter{Fields: map[string]string{"lang": v}} }
	for _, tc := range []struct {
		name string
		f    Filter
		want []string // in index order
	}{
		{"none", Filter{}, []string{"d1", "d2", "d3", "d4", "d5"}},
		{"field", lang("en"), []string{"d1", "d2", "d4"}},
		{"any", Filter{AnyOf: []Filter{lang("de"), lang("fr")}}, []string{"d3", "d5"}},
		{"any with match-all", Filter{AnyOf: []Filter{lang("de"), {}}}, []string{"d1", "d2", "d3", "d4", "d5"}},
		{"not", Filter{Not: []Filter{lang("en")}}, []string{"d3", "d5"}},
		{"not match-all", Filter{Not: []Filter{{}}}, nil},
		{"all", Filter{All: []Filter{{AnyOf: []Filter{lang("en"), lang("fr")}}, {Not: []Filter{{IDs: []string{"d1"}}}}}}, []string{"d2", "d4", "d5"}},
		{"ids and not", Filter{IDs: []string{"d1", "d3", "d6"}, Not: []Filter{lang("de")}}, []string{"d1"}},
		{"unknown value", lang("xx"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			total, got, err := c.List(tc.f, 0, 100)
			if err != nil || total != len(tc.want) || !slices.Equal(got, tc.want) {
				t.Fatalf("List = %d %v %v, want %v", total, got, err, tc.want)
			}
			// Pages concatenate to the whole list; a count lists nothing.
			var paged []string
			for from := 0; from < total; from += 2 {
				n, page, err := c.List(tc.f, from, 2)
				if err != nil || n != total {
					t.Fatalf("page at %d: %d %v", from, n, err)
				}
				paged = append(paged, page...)
			}
			if !slices.Equal(paged, tc.want) {
				t.Fatalf("pages %v, want %v", paged, tc.want)
			}
			if n, none, _ := c.List(tc.f, 0, 0); n != total || len(none) != 0 {
				t.Fatalf("count = %d %v", n, none)
			}
			// Search applies the same filter.
			res := mustSearch(t, c, Query{Text: "birds winter ocean vitamin sparrow", K: 10, Filter: tc.f})
			for _, id := range ids(res.Hits) {
				if !slices.Contains(tc.want, id) {
					t.Fatalf("search hit %s outside %v", id, tc.want)
				}
			}
		})
	}
}

func TestCreateKeepsMeta(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k, err := OpenCatalog(dir, Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	c, err := k.Create("m", Options{Meta: map[string]json.RawMessage{"x": json.RawMessage(`{"a":1}`)}})
	if err != nil {
		t.Fatal(err)
	}
	compact := func(b []byte) string {
		var out bytes.Buffer
		if err := json.Compact(&out, b); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	if got := compact(c.Manifest().Meta["x"]); got != `{"a":1}` {
		t.Fatalf("meta in the open collection = %q", got)
	}
	m, err := ReadManifest(filepath.Join(dir, "m"))
	if err != nil || compact(m.Meta["x"]) != `{"a":1}` {
		t.Fatalf("meta on disk = %v %v", m.Meta, err)
	}
}

func TestSetMeta(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "c")
	c := newTestCollection(t, dir, Options{Meta: map[string]json.RawMessage{"a": json.RawMessage(`1`)}})
	before := c.Manifest().Meta
	if err := c.SetMeta("b", json.RawMessage(`{"x":2}`)); err != nil {
		t.Fatal(err)
	}
	if err := c.SetMeta("a", nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := before["b"]; ok || string(before["a"]) != "1" {
		t.Fatalf("SetMeta changed a map handed out earlier: %v", before)
	}
	if m := c.Manifest().Meta; len(m) != 1 || string(m["b"]) != `{"x":2}` {
		t.Fatalf("meta after SetMeta = %v", m)
	}
	m, err := ReadManifest(dir)
	if err != nil || len(m.Meta) != 1 || m.Meta["b"] == nil || m.Model != DefaultModel {
		t.Fatalf("manifest on disk = %+v %v", m, err)
	}
	ro, err := Open(dir, Options{ReadOnly: true, Logger: quiet})
	if err == nil {
		defer ro.Close()
		if err := ro.SetMeta("c", json.RawMessage(`1`)); !errors.Is(err, ErrReadOnly) {
			t.Fatalf("read-only SetMeta = %v", err)
		}
	}
}
