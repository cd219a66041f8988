package collection

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/lexical"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testModels loads the default model once for every test (4 s under -race).
var testModels = new(Models)

// testDocs carry their own vectors, so sparse-mode assertions hold whatever
// the default model encodes.
var testDocs = []Document{
	{ID: "d1", Title: "Sparrow flight", Text: "Sparrows are small birds that fly in flocks.", Fields: map[string]string{"lang": "en"},
		Tokens: map[string]float64{"sparrow": 1.2, "flight": 1, "small": 0.3, "birds": 0.8, "fly": 1}},
	{ID: "d2", Title: "Ocean currents", Text: "Currents move warm water across the ocean.", Fields: map[string]string{"lang": "en"},
		Tokens: map[string]float64{"ocean": 1.5, "currents": 1.2, "water": 1, "warm": 0.5}},
	{ID: "d3", Title: "Vitamin D", Text: "Vitamin D deficiency is common in winter.", Fields: map[string]string{"lang": "de"},
		Tokens: map[string]float64{"vitamin": 1.5, "d": 1, "deficiency": 1.2, "common": 0.2, "winter": 0.6}},
	{ID: "d4", Title: "Bird migration", Text: "Many birds migrate south for the winter.", Fields: map[string]string{"lang": "en"},
		Tokens: map[string]float64{"bird": 1, "migration": 1.3, "birds": 1, "migrate": 1.1, "south": 0.8, "winter": 0.5}},
}

func newTestCollection(t *testing.T, dir string, opts Options) *Collection {
	t.Helper()
	opts.Logger, opts.Models = quiet, testModels
	c, err := Create(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Upsert(context.Background(), testDocs); err != nil {
		t.Fatal(err)
	}
	return c
}

func ids(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func mustSearch(t *testing.T, c *Collection, q Query) *Result {
	t.Helper()
	res, err := c.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSearchModes(t *testing.T) {
	t.Parallel()
	for _, store := range []string{"disk", "memory"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			c := newTestCollection(t, filepath.Join(t.TempDir(), "c"), Options{InMemory: store == "memory"})
			for _, mode := range []string{ModeSparse, ModeBM25, ModeHybrid} {
				t.Run(mode, func(t *testing.T) {
					res := mustSearch(t, c, Query{Text: "ocean water", Mode: mode})
					if res.Mode != mode || len(res.Hits) == 0 || res.Hits[0].ID != "d2" || res.Hits[0].Title != "Ocean currents" {
						t.Fatalf("'ocean water': %+v", res)
					}
					res = mustSearch(t, c, Query{Text: "winter", Mode: mode, Filter: Filter{Fields: map[string]string{"lang": "de"}}})
					if !slices.Equal(ids(res.Hits), []string{"d3"}) {
						t.Fatalf("lang=de filter: %v", ids(res.Hits))
					}
					res = mustSearch(t, c, Query{Text: "winter birds", Mode: mode, Filter: Filter{IDs: []string{"d3"}}})
					if !slices.Equal(ids(res.Hits), []string{"d3"}) {
						t.Fatalf("ids filter: %v", ids(res.Hits))
					}
					res = mustSearch(t, c, Query{Text: "winter birds", Mode: mode, Filter: Filter{IDs: []string{}}})
					if len(res.Hits) != 0 {
						t.Fatalf("empty ids filter matched %v", ids(res.Hits))
					}
				})
			}
		})
	}
}

func TestUpsertDeleteGet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newTestCollection(t, filepath.Join(t.TempDir(), "c"), Options{})
	d, ok, err := c.Get("d3")
	if err != nil || !ok || d.Title != "Vitamin D" || d.Fields["lang"] != "de" || d.Tokens["vitamin"] != 1.5 {
		t.Fatalf("Get d3 = %+v %v %v", d, ok, err)
	}
	if err := c.Upsert(ctx, []Document{{ID: "d3", Text: "cell membrane transport", Tokens: map[string]float64{"cell": 1}}}); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{ModeSparse, ModeBM25} {
		if res := mustSearch(t, c, Query{Text: "vitamin deficiency", Mode: mode}); slices.Contains(ids(res.Hits), "d3") {
			t.Fatalf("%s finds the replaced d3: %v", mode, ids(res.Hits))
		}
	}
	if found, err := c.Delete(ctx, "d2"); !found || err != nil {
		t.Fatalf("Delete d2: %v %v", found, err)
	}
	if found, err := c.Delete(ctx, "d2"); found || err != nil {
		t.Fatalf("Delete d2 again: %v %v", found, err)
	}
	for _, mode := range []string{ModeSparse, ModeBM25, ModeHybrid} {
		if res := mustSearch(t, c, Query{Text: "ocean water", Mode: mode}); slices.Contains(ids(res.Hits), "d2") {
			t.Fatalf("%s finds deleted d2", mode)
		}
	}
	st, err := c.Stats()
	if err != nil || st.Documents != 3 || st.DiskBytes <= 0 {
		t.Fatalf("Stats = %+v %v", st, err)
	}
	// Problems with a document are input errors, and nothing is written.
	for _, bad := range [][]Document{
		{{ID: "x", Tokens: map[string]float64{"notawordpiecetokenzz": 1}}},
		{{ID: "x", Tokens: map[string]float64{"bird": 0}}},
		{{ID: "ok", Text: "fine"}, {ID: "", Text: "no id"}},
	} {
		if err := c.Upsert(ctx, bad); !IsInputError(err) {
			t.Errorf("Upsert %+v: %v, want an input error", bad, err)
		}
	}
	if st, _ := c.Stats(); st.Documents != 3 {
		t.Fatalf("refused upserts changed the collection: %d documents", st.Documents)
	}
}

// Reopening finds every document in every mode; a clean close leaves no
// bm25.dirty behind.
func TestReopen(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "c")
	c := newTestCollection(t, dir, Options{})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, DirtyFile)); !os.IsNotExist(err) {
		t.Fatalf("clean close left %s: %v", DirtyFile, err)
	}
	if _, err := c.Search(context.Background(), Query{Text: "x"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("search after Close: %v", err)
	}
	c, err := Open(dir, Options{Logger: quiet, Models: testModels})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, mode := range []string{ModeSparse, ModeBM25} {
		if res := mustSearch(t, c, Query{Text: "vitamin", Mode: mode}); len(res.Hits) == 0 || res.Hits[0].ID != "d3" {
			t.Fatalf("%s after reopen: %v", mode, ids(res.Hits))
		}
	}
}

// A bm25/ that a crash left torn (issue 13 item 3: "error parsing mapping
// JSON" bricked startup), that may lag, or whose root.bolt differs from
// the seal of its last clean close (a flipped bit in a data page, which
// bbolt does not checksum) is rebuilt from sparse/.
func TestOpenRebuildsBM25(t *testing.T) {
	t.Parallel()
	for _, damage := range []string{"torn-meta", "missing", "dirty", "root-flip"} {
		t.Run(damage, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "c")
			c := newTestCollection(t, dir, Options{})
			c.Close()
			bm25 := filepath.Join(dir, BM25Dir)
			var err error
			switch damage {
			case "torn-meta":
				err = os.WriteFile(filepath.Join(bm25, "index_meta.json"), []byte(`{"storage":`), 0o644)
			case "missing":
				err = os.RemoveAll(bm25)
			case "dirty":
				err = os.WriteFile(filepath.Join(dir, DirtyFile), nil, 0o644)
			case "root-flip":
				root := filepath.Join(bm25, "store", "root.bolt")
				var b []byte
				if b, err = os.ReadFile(root); err == nil {
					b[len(b)-os.Getpagesize()/2] ^= 0x10
					err = os.WriteFile(root, b, 0o644)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			c, err = Open(dir, Options{Logger: slog.New(slog.NewTextHandler(&log, nil)), Models: testModels})
			if err != nil {
				t.Fatalf("open after %s: %v", damage, err)
			}
			defer c.Close()
			if damage == "root-flip" && !strings.Contains(log.String(), "differs from its seal") {
				t.Fatalf("no rebuild for a root.bolt that differs from its seal; log: %s", log.String())
			}
			if res := mustSearch(t, c, Query{Text: "ocean", Mode: ModeBM25}); len(res.Hits) == 0 || res.Hits[0].ID != "d2" {
				t.Fatalf("bm25 after rebuild: %v", ids(res.Hits))
			}
			if _, err := os.Stat(filepath.Join(dir, DirtyFile)); !os.IsNotExist(err) {
				t.Fatal("bm25.dirty survived the rebuild")
			}
		})
	}
}

// Rebuilding bm25/ after a crash keeps the analyzer it was built with.
func TestRebuildKeepsAnalyzer(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "std")
	c, err := Create(dir, Options{Analyzer: "standard", Logger: quiet, Models: testModels})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := os.WriteFile(filepath.Join(dir, DirtyFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = Open(dir, Options{Logger: quiet, Models: testModels})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if a := c.lex.Options().Analyzer; a != "standard" {
		t.Fatalf("rebuilt bm25/ uses analyzer %q, want the original %q", a, "standard")
	}
}

func TestCreateRefusesExisting(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "c")
	newTestCollection(t, dir, Options{})
	if _, err := Create(dir, Options{Logger: quiet, Models: testModels}); !errors.Is(err, ErrExists) {
		t.Fatalf("Create over a collection: %v", err)
	}
	if _, err := Create(filepath.Join(t.TempDir(), "m"), Options{Model: "/nonexistent/model", Logger: quiet, Models: testModels}); !IsInputError(err) {
		t.Fatalf("Create with a missing model: %v, want an input error", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Fatalf("Create left %d entries next to the collection", len(entries))
	}
}

// A second open of a served collection says what holds it.
func TestLockExplained(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "c")
	newTestCollection(t, dir, Options{})
	_, err := Open(dir, Options{Logger: quiet, Models: testModels})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	t.Log(err)
}

func TestExplain(t *testing.T) {
	t.Parallel()
	c := newTestCollection(t, "", Options{InMemory: true})
	for _, mode := range []string{ModeSparse, ModeBM25, ModeHybrid} {
		t.Run(mode, func(t *testing.T) {
			res := mustSearch(t, c, Query{Text: "birds migrate south winter", Mode: mode, Explain: true})
			if len(res.Hits) == 0 {
				t.Fatal("no hits")
			}
			if (mode != ModeBM25) != (len(res.QueryTokens) > 0) {
				t.Errorf("query tokens %v in mode %s", res.QueryTokens, mode)
			}
			for _, h := range res.Hits {
				if len(h.Explain) == 0 {
					t.Fatalf("hit %s has no explanation", h.ID)
				}
				var sum float64
				for _, e := range h.Explain {
					sum += float64(e.Contribution)
					if d := e.Contribution - e.QueryWeight*e.DocWeight; math.Abs(float64(d)) > 1e-5*float64(e.Contribution) {
						t.Errorf("hit %s token %s: %v != %v * %v", h.ID, e.Token, e.Contribution, e.QueryWeight, e.DocWeight)
					}
				}
				if mode == ModeHybrid {
					continue // the fused score is not a sum of token shares
				}
				if math.Abs(sum-h.Score) > 1e-3*h.Score+1e-5 {
					t.Errorf("hit %s: explanation sums to %v, score %v", h.ID, sum, h.Score)
				}
			}
		})
	}
}

// Every configured algorithm gives the default planner's hits.
func TestAlgorithmsAgree(t *testing.T) {
	t.Parallel()
	planner := newTestCollection(t, "", Options{InMemory: true})
	want := mustSearch(t, planner, Query{Text: "birds winter migration", K: 3})
	if len(want.Hits) == 0 {
		t.Fatal("no hits")
	}
	for _, alg := range []string{"exhaustive", "wmaxscore", "bmw"} {
		t.Run(alg, func(t *testing.T) {
			c := newTestCollection(t, "", Options{InMemory: true, Algorithm: alg})
			got := mustSearch(t, c, Query{Text: "birds winter migration", K: 3})
			if !slices.EqualFunc(got.Hits, want.Hits, func(x, y Hit) bool { return x.Hit == y.Hit }) {
				t.Errorf("%s %v, planner %v", alg, got.Hits, want.Hits)
			}
		})
	}
}

func TestQueryProblems(t *testing.T) {
	t.Parallel()
	c := newTestCollection(t, "", Options{InMemory: true})
	for name, q := range map[string]Query{
		"negative k":         {Text: "a", K: -1},
		"unknown mode":       {Text: "a", Mode: "dense"},
		"tokens in bm25":     {Tokens: map[string]float64{"bird": 1}, Mode: ModeBM25},
		"unknown token":      {Tokens: map[string]float64{"zzqqnotatoken": 1}},
		"bad hybrid weights": {Text: "a", Mode: ModeHybrid, Hybrid: &HybridOptions{SparseWeight: -1}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := c.Search(context.Background(), q); !IsInputError(err) {
				t.Errorf("%v, want an input error", err)
			}
		})
	}
}

func TestOptionsValidateCollectsEveryProblem(t *testing.T) {
	t.Parallel()
	o := Options{Algorithm: "nope", Analyzer: "klingon", Hybrid: HybridOptions{Normalization: "softmax", BM25Weight: math.NaN(), Candidates: -1}}
	err := o.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"nope", "klingon", "softmax", "bm25_weight", "candidates"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not mention %q", err, want)
		}
	}
	var zero Options
	zero.EnsureDefaults()
	if err := zero.Validate(); err != nil || zero.DocCache != DefaultDocCache || zero.Hybrid.SparseWeight != DefaultSparseWeight {
		t.Errorf("zero options after EnsureDefaults: %+v, %v", zero, err)
	}
}

// The bm25 side of a collection scores like a lexical index built from the
// same documents in one go (evaluation's `bm25` system).
func TestBM25MatchesLexical(t *testing.T) {
	t.Parallel()
	c := newTestCollection(t, "", Options{InMemory: true})
	var docs []dataset.Doc
	for _, d := range testDocs {
		docs = append(docs, dataset.Doc{ID: d.ID, Title: d.Title, Text: d.Text})
	}
	lx, err := lexical.Build(docs, "", lexical.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer lx.Close()
	want, err := lx.Search("birds in winter", 10)
	if err != nil {
		t.Fatal(err)
	}
	got := mustSearch(t, c, Query{Text: "birds in winter", Mode: ModeBM25, IDsOnly: true})
	if len(got.Hits) != len(want) {
		t.Fatalf("collection %v, lexical %v", got.Hits, want)
	}
	for i := range want {
		if got.Hits[i].Hit != want[i] || got.Hits[i].Title != "" {
			t.Fatalf("rank %d: collection %+v, lexical %+v", i, got.Hits[i], want[i])
		}
	}
}

func TestSnippets(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Filler words about nothing in particular. ", 20) +
		"Vitamin D deficiency is common in winter, and vitamins help. " + strings.Repeat("More filler text follows here. ", 20)
	c := newTestCollection(t, "", Options{InMemory: true})
	if err := c.Upsert(context.Background(), []Document{{ID: "long", Title: "Vitamins in Winter", Text: long}}); err != nil {
		t.Fatal(err)
	}
	res := mustSearch(t, c, Query{Text: "vitamin deficiency", Mode: ModeBM25, Snippets: true})
	var hit *Hit
	for i := range res.Hits {
		if res.Hits[i].ID == "long" {
			hit = &res.Hits[i]
		}
	}
	if hit == nil {
		t.Fatalf("no hit for the long document: %v", ids(res.Hits))
	}
	runes := []rune(hit.Snippet)
	if len(runes) > SnippetRunes+4 || !strings.HasPrefix(hit.Snippet, "… ") || !strings.HasSuffix(hit.Snippet, " …") {
		t.Fatalf("snippet %q (%d characters)", hit.Snippet, len(runes))
	}
	var words []string
	for _, sp := range hit.Highlights {
		words = append(words, string(runes[sp.Start:sp.End]))
	}
	if !slices.Equal(words, []string{"Vitamin", "deficiency", "vitamins"}) {
		t.Errorf("highlighted %q in %q", words, hit.Snippet)
	}
	title := []rune(hit.Title)
	if len(hit.TitleHighlights) != 1 || string(title[hit.TitleHighlights[0].Start:hit.TitleHighlights[0].End]) != "Vitamins" {
		t.Errorf("title highlights %v of %q", hit.TitleHighlights, hit.Title)
	}
	// A short text is the whole snippet; a raw token query highlights nothing.
	res = mustSearch(t, c, Query{Tokens: map[string]float64{"ocean": 1}, Snippets: true})
	if len(res.Hits) == 0 || res.Hits[0].Snippet != testDocs[1].Text || res.Hits[0].Highlights != nil {
		t.Errorf("raw token query: %+v", res.Hits)
	}
}
