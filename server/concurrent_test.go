package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentIngestSearch runs writers and searchers at once (meant for
// go test -race): every request succeeds and the final index holds every
// written document, findable in every mode.
func TestConcurrentIngestSearch(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{})
	setupIndex(t, ts, "c")
	const writers, batches, per = 4, 8, 8
	names := []string{"protein", "mouse", "kidney", "liver"} // words with an idf in the default model
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for b := 0; b < batches; b++ {
				var docs []map[string]any
				for i := 0; i < per; i++ {
					docs = append(docs, map[string]any{"id": fmt.Sprintf("w%d-%d-%d", w, b, i), "text": names[w] + " concurrent sparrow",
						"vector": map[string]float64{names[w]: 1, "concurrent": 0.5}})
				}
				if r := ts.do("POST", "/v1/indexes/c/documents", "application/json", mustJSON(docs)); r.status != 200 {
					errs <- fmt.Errorf("ingest: %d %s", r.status, r.body)
					return
				}
			}
		}(w)
	}
	stop := make(chan struct{})
	var sg sync.WaitGroup
	for s := 0; s < 2; s++ {
		sg.Add(1)
		go func(s int) {
			defer sg.Done()
			modes := []string{"sparse", "bm25", "hybrid"}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := mustJSON(map[string]any{"query": "concurrent sparrow birds", "k": 20, "mode": modes[(i+s)%3], "explain": i%2 == 0})
				if r := ts.do("POST", "/v1/indexes/c/search", "application/json", body); r.status != 200 {
					errs <- fmt.Errorf("search: %d %s", r.status, r.body)
					return
				}
				if r := ts.do("GET", "/v1/indexes/c", "", nil); r.status != 200 {
					errs <- fmt.Errorf("stats: %d %s", r.status, r.body)
					return
				}
			}
		}(s)
	}
	wg.Wait()
	close(stop)
	sg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var info indexInfo
	ts.mustOK("GET", "/v1/indexes/c", nil).json(t, &info)
	if want := len(testDocs) + writers*batches*per; info.Documents != want {
		t.Fatalf("%d documents, want %d", info.Documents, want)
	}
	// Every document of writer 2 is found in every mode (a learned model may
	// also match related documents of other writers, so count only these).
	for _, mode := range []string{"sparse", "bm25", "hybrid"} {
		res := ts.search("c", map[string]any{"query": names[2] + " concurrent", "k": 1000, "mode": mode})
		found := 0
		for _, h := range res.Hits {
			if strings.HasPrefix(h.ID, "w2-") {
				found++
			}
		}
		if found != batches*per {
			t.Fatalf("%s: %d of writer 2's %d documents found", mode, found, batches*per)
		}
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
