package collection

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sparrow-search/sparrow/internal/testenv"
)

func openCatalog(t *testing.T, dir string, opts Options) *Catalog {
	t.Helper()
	opts.Logger, opts.Models = quiet, testModels
	k, err := OpenCatalog(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// A broken collection directory and the leftovers of interrupted creations
// and deletions never keep the others from being served (issue 13 item 3).
func TestCatalogServesTheRestOfABrokenDataDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := newTestCollection(t, filepath.Join(dir, "good"), Options{})
	good.Close()
	broken := filepath.Join(dir, "broken")
	if err := os.MkdirAll(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, ManifestFile), []byte(`{"model": `), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, leftover := range []string{".x.creating-123", ".y.deleting-9/y/sparse"} {
		if err := os.MkdirAll(filepath.Join(dir, leftover), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	k := openCatalog(t, dir, Options{})
	if got := k.Names(); !slices.Equal(got, []string{"good"}) {
		t.Fatalf("served %v, want [good]", got)
	}
	var be *BrokenError
	if err := k.Broken()["broken"]; !errors.As(err, &be) || be.Name != "broken" {
		t.Fatalf("broken: %v", k.Broken())
	}
	if _, err := k.Get("broken"); !errors.As(err, &be) {
		t.Fatalf("Get(broken): %v", err)
	}
	for _, leftover := range []string{".x.creating-123", ".y.deleting-9"} {
		if _, err := os.Stat(filepath.Join(dir, leftover)); !os.IsNotExist(err) {
			t.Errorf("%s was not removed", leftover)
		}
	}
	c, err := k.Get("good")
	if err != nil {
		t.Fatal(err)
	}
	if res := mustSearch(t, c, Query{Text: "ocean"}); len(res.Hits) == 0 {
		t.Fatal("good collection finds nothing")
	}
	// The operator can delete the broken one.
	if err := k.Drop("broken"); err != nil {
		t.Fatal(err)
	}
	if len(k.Broken()) != 0 || IsCollectionDir(broken) {
		t.Fatalf("broken collection not dropped: %v", k.Broken())
	}
}

func TestCatalogCreateDrop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k := openCatalog(t, dir, Options{})
	c, err := k.Create("a", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Create("a", Options{}); !errors.Is(err, ErrExists) {
		t.Fatalf("second Create: %v", err)
	}
	for _, bad := range []string{"", ".", "..", "a/b", "-x", "a.b"} {
		if _, err := k.Create(bad, Options{}); !IsInputError(err) {
			t.Errorf("Create(%q): %v, want an input error", bad, err)
		}
	}
	if err := c.Upsert(context.Background(), testDocs); err != nil {
		t.Fatal(err)
	}
	if err := k.Drop("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Search(context.Background(), Query{Text: "ocean"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("search of a dropped collection: %v", err)
	}
	if _, err := k.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Drop: %v", err)
	}
	if err := k.Drop("a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Drop: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("Drop left %d entries", len(entries))
	}
	// Re-creating the name gives an empty collection.
	c, err = k.Create("a", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Stats(); st.Documents != 0 {
		t.Fatalf("re-created collection has %d documents", st.Documents)
	}
}

// While a Drop waits for a write in flight, Get says not found and a
// Create of the same name waits for the Drop and then succeeds: the two
// never disagree about whether the name exists (issue 13 item 8).
func TestCatalogDropAndCreateAgree(t *testing.T) {
	t.Parallel()
	k := openCatalog(t, t.TempDir(), Options{})
	c, err := k.Create("x", Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.life.RLock() // a request in flight
	dropped := make(chan error)
	go func() { dropped <- k.Drop("x") }()
	for {
		if _, err := k.Get("x"); errors.Is(err, ErrNotFound) {
			break // the drop has begun
		}
	}
	created := make(chan error)
	go func() {
		_, err := k.Create("x", Options{})
		created <- err
	}()
	c.life.RUnlock()
	if err := <-dropped; err != nil {
		t.Fatal(err)
	}
	if err := <-created; err != nil {
		t.Fatalf("Create after the drop: %v", err)
	}
}

// A running catalog notices collections built, replaced and removed by
// other processes (issue 15 item 6).
func TestCatalogRescan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	k := openCatalog(t, dir, Options{})
	src := corpusSource(t, testenv.DemoCorpus(t, 12))
	bo := BuildOptions{Options: Options{Logger: quiet, Models: testModels}}
	if _, err := Build(ctx, filepath.Join(dir, "late"), src, bo); err != nil {
		t.Fatal(err)
	}
	// Get opens a directory that appeared since the last scan.
	c, err := k.Get("late")
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Stats(); st.Documents != 12 {
		t.Fatalf("late collection: %d documents", st.Documents)
	}
	// A replacement is reopened by Rescan.
	bo.Force = true
	if _, err := Build(ctx, filepath.Join(dir, "late"), corpusSource(t, testenv.DemoCorpus(t, 5)), bo); err != nil {
		t.Fatal(err)
	}
	ch, err := k.Rescan()
	if err != nil || !slices.Equal(ch.Reopened, []string{"late"}) {
		t.Fatalf("rescan after a replacement: %+v %v", ch, err)
	}
	c, _ = k.Get("late")
	if st, _ := c.Stats(); st.Documents != 5 {
		t.Fatalf("replaced collection: %d documents, want 5", st.Documents)
	}
	// The replaced one, moved aside while open here, is gone once closed.
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("after the reopen the data directory holds %v", names)
	}
	// A removed directory is closed by Rescan.
	if err := os.RemoveAll(filepath.Join(dir, "late")); err != nil {
		t.Fatal(err)
	}
	ch, err = k.Rescan()
	if err != nil || !slices.Equal(ch.Closed, []string{"late"}) || len(k.Names()) != 0 {
		t.Fatalf("rescan after a removal: %+v %v, names %v", ch, err, k.Names())
	}
}

// Concurrent creates, gets, drops and rescans keep the catalog consistent
// (meant for -race).
func TestCatalogConcurrent(t *testing.T) {
	t.Parallel()
	k := openCatalog(t, t.TempDir(), Options{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := []string{"p", "q"}[w%2]
			for range 3 {
				k.Create(name, Options{})
				if c, err := k.Get(name); err == nil {
					c.Search(context.Background(), Query{Text: "x"})
				}
				k.Rescan()
				k.Drop(name)
			}
		}()
	}
	wg.Wait()
	if _, err := k.Rescan(); err != nil {
		t.Fatal(err)
	}
	for _, name := range k.Names() {
		if _, err := k.Get(name); err != nil {
			t.Errorf("listed %s does not open: %v", name, err)
		}
	}
}

// A read-only catalog refuses writes and changes no file.
func TestCatalogReadOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	newTestCollection(t, filepath.Join(dir, "r"), Options{}).Close()
	k := openCatalog(t, dir, Options{ReadOnly: true})
	if _, err := k.Create("n", Options{}); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Create: %v", err)
	}
	if err := k.Drop("r"); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Drop: %v", err)
	}
	c, err := k.Get("r")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Upsert(context.Background(), testDocs[:1]); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Upsert: %v", err)
	}
	if res := mustSearch(t, c, Query{Text: "vitamin"}); len(res.Hits) == 0 {
		t.Fatal("read-only search finds nothing")
	}
}

// Read-only mode changes no file, even when bm25/ may lag (it is built in
// memory then) (issue 13 item 8: --read-only opened the stores read-write).
func TestReadOnlyChangesNoFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	newTestCollection(t, filepath.Join(dir, "clean"), Options{}).Close()
	newTestCollection(t, filepath.Join(dir, "lagging"), Options{}).Close()
	if err := os.WriteFile(filepath.Join(dir, "lagging", DirtyFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	before := contentState(t, dir)
	k := openCatalog(t, dir, Options{ReadOnly: true})
	for _, name := range []string{"clean", "lagging"} {
		c, err := k.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, mode := range []string{ModeSparse, ModeBM25, ModeHybrid} {
			if res := mustSearch(t, c, Query{Text: "ocean water", Mode: mode, Explain: true, Snippets: true}); len(res.Hits) == 0 || res.Hits[0].ID != "d2" {
				t.Fatalf("%s %s: %v", name, mode, ids(res.Hits))
			}
		}
		if _, ok, err := c.Get("d1"); !ok || err != nil {
			t.Fatalf("Get: %v %v", ok, err)
		}
		if _, err := c.Delete(context.Background(), "d1"); !errors.Is(err, ErrReadOnly) {
			t.Fatalf("Delete: %v", err)
		}
	}
	if _, err := k.Rescan(); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if after := contentState(t, dir); after != before {
		t.Fatalf("read-only use changed files:\nbefore %s\nafter  %s", before, after)
	}
}

// contentState lists every file under dir with its size, modification
// time and a hash of its content.
func contentState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			if err == nil {
				fmt.Fprintf(&b, "%s/; ", strings.TrimPrefix(p, dir))
			}
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %d %d %08x; ", strings.TrimPrefix(p, dir), info.Size(), info.ModTime().UnixNano(), crc32.ChecksumIEEE(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
