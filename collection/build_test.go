package collection

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/internal/testenv"

	"github.com/sparrow-search/sparrow/index"
)

var errStop = errors.New("stopped (test)")

// stopAfter makes a build fail after n committed batches, as a crash would.
func stopAfter(n int) func(int) error {
	commits := 0
	return func(int) error {
		if commits++; commits == n {
			return errStop
		}
		return nil
	}
}

func corpusSource(t *testing.T, path string) Source {
	t.Helper()
	src, err := FileSource(path, false)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestBuildResumesAfterInterruption(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "idx")
	src := corpusSource(t, testenv.DemoCorpus(t, 60))
	opts := BuildOptions{Options: Options{Logger: quiet, Models: testModels}, LoadOptions: LoadOptions{BatchSize: 7, Workers: 3, AfterCommit: stopAfter(4)}}
	if _, err := Build(ctx, dir, src, opts); !errors.Is(err, errStop) {
		t.Fatalf("interrupted build: %v", err)
	}
	if IsCollectionDir(dir) {
		t.Fatal("an unfinished build is visible under its final name")
	}
	ix, err := index.Open(filepath.Join(buildingDir(dir), SparseDir), index.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if n := ix.Stats().Docs; n != 28 {
		t.Fatalf("after 4 batches of 7: %d documents", n)
	}
	ix.Close()
	opts.AfterCommit = nil
	res, err := Build(ctx, dir, src, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed != 29 /* 28 documents and a blank line */ || res.Documents != 60 || res.Loaded != 32 {
		t.Fatalf("resumed build: %+v", res)
	}
	c, err := Open(dir, Options{Logger: quiet, Models: testModels})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Stats(); st.Documents != 60 || st.Segments != 1 {
		t.Fatalf("after resume: %+v, want 60 documents in 1 segment (compacted)", st)
	}
	if res := mustSearch(t, c, Query{Text: "cancer", Mode: ModeBM25}); len(res.Hits) == 0 {
		t.Fatal("the bm25 index misses the resumed documents")
	}
	c.Close()
	if _, err := os.Stat(buildingDir(dir)); !os.IsNotExist(err) {
		t.Fatalf("the building directory is left over: %v", err)
	}
	// Complete: a rerun does nothing; another source is refused without Force.
	if res, err := Build(ctx, dir, src, opts); err != nil || !res.UpToDate {
		t.Fatalf("rerun: %+v %v", res, err)
	}
	other := corpusSource(t, testenv.DemoCorpus(t, 10))
	if _, err := Build(ctx, dir, other, opts); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("another source without Force: %v", err)
	}
	opts.Force = true
	if res, err := Build(ctx, dir, other, opts); err != nil || !res.Replaced || res.Documents != 10 {
		t.Fatalf("Force: %+v %v", res, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Fatalf("a replacing build left %d entries next to the collection", len(entries))
	}
}

// An interrupted build of another source is not resumed into a mix.
func TestBuildRefusesOtherUnfinishedBuild(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "idx")
	opts := BuildOptions{Options: Options{Logger: quiet, Models: testModels}, LoadOptions: LoadOptions{BatchSize: 5, Workers: 1, AfterCommit: stopAfter(1)}}
	if _, err := Build(ctx, dir, corpusSource(t, testenv.DemoCorpus(t, 20)), opts); !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	opts.AfterCommit = nil
	if _, err := Build(ctx, dir, corpusSource(t, testenv.DemoCorpus(t, 12)), opts); err == nil || !strings.Contains(err.Error(), "unfinished build") {
		t.Fatalf("build over another source's unfinished build: %v", err)
	}
}

// A resume point that is not a line count is refused, not read as 0.
func TestBuildRefusesInvalidResumePoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "idx")
	src := corpusSource(t, testenv.DemoCorpus(t, 20))
	opts := BuildOptions{Options: Options{Logger: quiet, Models: testModels}, LoadOptions: LoadOptions{BatchSize: 7, Workers: 1, AfterCommit: stopAfter(1)}}
	if _, err := Build(ctx, dir, src, opts); !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	ix, err := index.Open(filepath.Join(buildingDir(dir), SparseDir), index.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.SetMeta(metaCommitted, "seven"); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	opts.AfterCommit = nil
	if _, err := Build(ctx, dir, src, opts); err == nil || !strings.Contains(err.Error(), "invalid resume point") {
		t.Fatalf("build with a corrupt resume point: %v, want it refused", err)
	}
}

// A collection loaded in memory answers sparse queries exactly like the
// same collection built on disk: evaluation and serving share the path.
// (bm25 scores are not compared: bleve's BM25 length normalisation sums
// per-segment dictionary sizes, so its scores depend on how its segments
// happen to be batched and merged.)
func TestLoadInMemoryMatchesBuild(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := testenv.DemoCorpus(t, 120)
	dir := filepath.Join(t.TempDir(), "idx")
	if _, err := Build(ctx, dir, corpusSource(t, path), BuildOptions{Options: Options{Logger: quiet, Models: testModels}, LoadOptions: LoadOptions{BatchSize: 16}}); err != nil {
		t.Fatal(err)
	}
	disk, err := Open(dir, Options{Logger: quiet, Models: testModels})
	if err != nil {
		t.Fatal(err)
	}
	defer disk.Close()
	mem, err := Create("", Options{InMemory: true, Logger: quiet, Models: testModels})
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if _, err := mem.Load(ctx, corpusSource(t, path), LoadOptions{BatchSize: 50}); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{ModeSparse} {
		for _, text := range []string{"vitamin D deficiency", "cancer cells in mice", "protein folding"} {
			a := mustSearch(t, disk, Query{Text: text, Mode: mode, K: 20})
			b := mustSearch(t, mem, Query{Text: text, Mode: mode, K: 20})
			if len(a.Hits) == 0 || len(a.Hits) != len(b.Hits) {
				t.Fatalf("%s %q: disk %d hits, memory %d", mode, text, len(a.Hits), len(b.Hits))
			}
			for i := range a.Hits {
				if a.Hits[i].Hit != b.Hits[i].Hit || a.Hits[i].Title != b.Hits[i].Title {
					t.Fatalf("%s %q rank %d: disk %+v, memory %+v", mode, text, i, a.Hits[i].Hit, b.Hits[i].Hit)
				}
			}
		}
	}
}

// A collection still open when Build --force replaces its directory (a
// running searchd) does not touch the new directory when it closes: its
// stores reach their files through the pinned directory, not the name.
func TestReplacedWhileOpenLeavesTheNewOneAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "idx")
	bo := BuildOptions{Options: Options{Logger: quiet, Models: testModels}}
	if _, err := Build(ctx, dir, corpusSource(t, testenv.DemoCorpus(t, 30)), bo); err != nil {
		t.Fatal(err)
	}
	served, err := Open(dir, Options{Logger: quiet, Models: testModels})
	if err != nil {
		t.Fatal(err)
	}
	// Writes to the served collection: a memtable and a bm25 segment that
	// its Close will flush.
	if err := served.Upsert(ctx, testDocs); err != nil {
		t.Fatal(err)
	}
	bo.Force = true
	if _, err := Build(ctx, dir, corpusSource(t, testenv.DemoCorpus(t, 12)), bo); err != nil {
		t.Fatal(err)
	}
	before := treeState(t, dir)
	served.Close() // may fail: its directory is gone
	if after := treeState(t, dir); after != before {
		t.Fatalf("closing the replaced collection changed the new directory:\nbefore %s\nafter  %s", before, after)
	}
	c, err := Open(dir, Options{Logger: quiet, Models: testModels})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st, _ := c.Stats(); st.Documents != 12 {
		t.Fatalf("the replacement has %d documents, want 12", st.Documents)
	}
}

// treeState lists every file under dir with its size and modification time.
func treeState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %d %d; ", strings.TrimPrefix(p, dir), info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
