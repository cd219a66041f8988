package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/eval"
	"github.com/sparrow-search/sparrow/server"
	"github.com/valyala/fasthttp/fasthttputil"
)

// TestBEIRMatchesSearchd: a BEIR run and searchd answer the same hits (ids
// and scores, every rank) for the same collection, in modes sparse and
// hybrid; and the `sparse` system's own in-memory collection of the corpus
// answers like the served one built by `indexer build`'s path.
func TestBEIRMatchesSearchd(t *testing.T) {
	t.Parallel()
	const corpusPath = "../../testdata/demo/corpus.jsonl"
	corpus, err := dataset.LoadCorpus(corpusPath)
	if err != nil {
		t.Fatal(err)
	}
	queries := []dataset.Query{
		{ID: "1", Text: "vitamin D deficiency and bone density"},
		{ID: "2", Text: "tumour suppressor genes in breast cancer"},
		{ID: "3", Text: "insulin resistance in obese patients"},
		{ID: "4", Text: "antibiotic resistance of bacteria"},
		{ID: "5", Text: "the"}, // no idf weight: no sparse hits
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	data := t.TempDir()
	src, err := collection.FileSource(corpusPath, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collection.Build(context.Background(), filepath.Join(data, "demo"), src, collection.BuildOptions{Options: collection.Options{Logger: quiet}}); err != nil {
		t.Fatal(err)
	}
	cat, err := collection.OpenCatalog(data, collection.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	srv, err := server.New(cat, server.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ln := fasthttputil.NewInmemoryListener()
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) { return ln.Dial() }}}
	served, err := cat.Get("demo")
	if err != nil {
		t.Fatal(err)
	}
	own, err := openSparse(&eval.SystemContext{Dataset: &dataset.Dataset{Dir: "demo", Corpus: corpus}})
	if err != nil {
		t.Fatal(err)
	}
	defer own.(*collectionSystem).Close()
	systems := []struct {
		name, mode string
		sys        eval.Retriever
	}{
		{"sparse over the served collection", collection.ModeSparse, &collectionSystem{c: served, mode: collection.ModeSparse}},
		{"hybrid over the served collection", collection.ModeHybrid, &collectionSystem{c: served, mode: collection.ModeHybrid}},
		{"sparse system's own collection", collection.ModeSparse, own},
	}
	for _, s := range systems {
		t.Run(s.name, func(t *testing.T) {
			for _, q := range queries {
				got, err := s.sys.Retrieve(q, 100)
				if err != nil {
					t.Fatal(err)
				}
				want := searchd(t, client, q.Text, s.mode, 100)
				if len(got) != len(want) {
					t.Fatalf("query %q: BEIR %d hits, searchd %d", q.Text, len(got), len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("query %q rank %d: BEIR %+v, searchd %+v", q.Text, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// searchd asks the server for the top k of text in mode.
func searchd(t *testing.T, client *http.Client, text, mode string, k int) []eval.Hit {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": text, "mode": mode, "k": k})
	resp, err := client.Post("http://searchd/v1/indexes/demo/search", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Hits []struct {
			ID    string  `json:"id"`
			Score float64 `json:"score"`
		} `json:"hits"`
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("search: %d %s", resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	hits := make([]eval.Hit, len(out.Hits))
	for i, h := range out.Hits {
		hits[i] = eval.Hit{ID: h.ID, Score: h.Score}
	}
	return hits
}
