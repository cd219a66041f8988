package index

import (
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSoak runs outside CI: SPARROW_SOAK=30m go test -run Soak ./index/
// (optionally SPARROW_SOAK_DIR=/some/disk). One writer upserts, re-upserts
// and deletes with background merging on, readers search and read
// documents all along, and every few seconds the index is compacted,
// verified, or closed and reopened; after every step the writer compares a
// sample with its model, and after every reopen all of it.
func TestSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("SPARROW_SOAK"))
	if err != nil || d <= 0 {
		t.Skip("set SPARROW_SOAK=<duration> (e.g. 30m) to run the soak test")
	}
	dir := os.Getenv("SPARROW_SOAK_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else {
		dir = fmt.Sprintf("%s/soak-%d", dir, time.Now().UnixNano())
		defer os.RemoveAll(dir)
	}
	o := crashOptions()
	o.CompactionMinSegments = 4
	open := func() *Index {
		ix, err := Open(dir, o)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return ix
	}
	ix := open()
	var mu sync.RWMutex // guards ix against the reopen
	model := map[string]Document{}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	var reads, searches, readErrs atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rr := rand.New(rand.NewPCG(uint64(g), 8))
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.RLock()
				s := ix.Snapshot()
				ids, err := visibleIDs(s)
				if err != nil {
					readErrs.Add(1)
				}
				searches.Add(1)
				for range 20 {
					if len(ids) == 0 {
						break
					}
					id := ids[rr.IntN(len(ids))]
					v, doc, ok := s.Lookup(id)
					if !ok {
						t.Errorf("visible id %q not found in its snapshot", id)
						break
					}
					if got, err := s.Document(v, doc); err != nil || got.ID != id {
						readErrs.Add(1)
					}
					reads.Add(1)
				}
				mu.RUnlock()
			}
		}()
	}
	deadline := time.Now().Add(d)
	steps, reopens, compactions, verifies := 0, 0, 0, 0
	next := time.Now().Add(5 * time.Second)
	for n := 0; time.Now().Before(deadline); n++ {
		var b Batch
		for i := range 5 + r.IntN(200) {
			doc := randDoc(r, fmt.Sprintf("s%d", r.IntN(20000)), 5+r.IntN(60))
			doc.Title = fmt.Sprintf("v%d-%d", n, i)
			b.Upsert(doc)
			model[doc.ID] = doc
		}
		for range r.IntN(30) {
			id := fmt.Sprintf("s%d", r.IntN(20000))
			b.Delete(id)
			delete(model, id)
		}
		mu.RLock()
		err := ix.Apply(&b)
		mu.RUnlock()
		if err != nil {
			t.Fatalf("step %d: %v", n, err)
		}
		steps++
		for range 10 {
			id := fmt.Sprintf("s%d", r.IntN(20000))
			got, ok, err := ix.Get(id)
			if want, in := model[id]; err != nil || ok != in || (ok && !reflect.DeepEqual(got, want)) {
				t.Fatalf("step %d: %q: ok=%v err=%v, model has it: %v", n, id, ok, err, in)
			}
		}
		if time.Now().Before(next) {
			continue
		}
		next = time.Now().Add(5 * time.Second)
		switch (compactions + verifies + reopens) % 3 {
		case 0:
			if err := ix.Compact(); err != nil {
				t.Fatal(err)
			}
			compactions++
		case 1:
			rep, err := ix.Verify()
			if err != nil || !rep.OK() {
				t.Fatalf("verify: %v %v", err, rep.Problems)
			}
			verifies++
		case 2:
			mu.Lock()
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			ix = open()
			mu.Unlock()
			reopens++
			ids := slices.Sorted(mapsKeys(model))
			if got := visible(t, ix.Snapshot()); !slices.Equal(got, ids) {
				t.Fatalf("after reopen %d: %d documents visible, model has %d", reopens, len(got), len(ids))
			}
			for _, id := range ids {
				if got, ok, err := ix.Get(id); err != nil || !ok || !reflect.DeepEqual(got, model[id]) {
					t.Fatalf("after reopen %d: %q: ok=%v err=%v", reopens, id, ok, err)
				}
			}
		}
	}
	close(stop)
	wg.Wait()
	if readErrs.Load() > 0 {
		t.Errorf("%d read errors", readErrs.Load())
	}
	t.Logf("soak %v: %d write steps, %d documents at the end, %d compactions, %d verifies, %d reopens, %d searches and %d document reads by concurrent readers, 0 errors",
		d, steps, len(model), compactions, verifies, reopens, searches.Load(), reads.Load())
	ix.Close()
}
