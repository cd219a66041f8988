package collection

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
)

// After an unclean stop bm25/ may miss the last writes; with bm25.dirty
// present, Open replays just those into it (lexical.Index.CatchUp) rather
// than rebuilding it (issue 13 item 8: the rebuild cost 0.9 s -> 7 s at 8k
// documents).
func TestOpenCatchesUpBM25(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "c")
	c := newTestCollection(t, dir, Options{})
	before := lexMark(c.sparse.Snapshot())
	late := Document{ID: "d5", Title: "Glaciers", Text: "Glaciers carve valleys.", Tokens: map[string]float64{"glacier": 1}}
	if err := c.Upsert(context.Background(), []Document{late}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Delete(context.Background(), "d1"); err != nil {
		t.Fatal(err)
	}
	// bm25/ as an unclean stop may leave it: the last two writes missing.
	d1 := dataset.Doc{ID: testDocs[0].ID, Title: testDocs[0].Title, Text: testDocs[0].Text}
	if err := c.lex.Apply([]dataset.Doc{d1}, []string{"d5"}, before); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := os.WriteFile(filepath.Join(dir, DirtyFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	c, err := Open(dir, Options{Logger: slog.New(slog.NewTextHandler(&log, nil)), Models: testModels})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !strings.Contains(log.String(), "caught up bm25 index") || !strings.Contains(log.String(), "upserted=1 deleted=1") {
		t.Fatalf("open did not catch bm25 up with just the missed writes:\n%s", log.String())
	}
	if res := mustSearch(t, c, Query{Text: "glaciers valleys", Mode: ModeBM25}); len(res.Hits) != 1 || res.Hits[0].ID != "d5" {
		t.Fatalf("bm25 after catch-up, new document: %v", ids(res.Hits))
	}
	if res := mustSearch(t, c, Query{Text: "sparrows flocks", Mode: ModeBM25}); len(res.Hits) != 0 {
		t.Fatalf("bm25 after catch-up, deleted document: %v", ids(res.Hits))
	}
	if _, err := os.Stat(filepath.Join(dir, DirtyFile)); !os.IsNotExist(err) {
		t.Fatal("bm25.dirty survived the catch-up")
	}
}
