package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/internal/progress"
	"github.com/sparrow-search/sparrow/lexical"
)

func init() {
	register("verify", "check an index for damage: every record, segment and structure of sparse/ and bm25/", runVerify)
}

// runVerify checks an index directory (or a bare sparse store) without
// changing it and lists every problem; it fails when there is any.
func runVerify(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("index", "", "index directory made by build or searchd (required; a bare sparse store works too)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("--index is required")
	}
	sparseDir, bm25Dir := filepath.Join(*dir, collection.SparseDir), filepath.Join(*dir, collection.BM25Dir)
	if _, err := os.Stat(sparseDir); err != nil {
		if _, err2 := os.Stat(filepath.Join(*dir, "MANIFEST")); err2 != nil {
			return fmt.Errorf("%s is neither an index directory (no %s/) nor a sparse store: %v", *dir, collection.SparseDir, err)
		}
		sparseDir, bm25Dir = *dir, ""
	}
	// Each check reads every file of its store (tens of seconds for a large
	// index): a progress phase on stderr says it is running.
	bar := progress.New(stderr, 0, "verifying sparse/", "")
	problems := verifySparse(sparseDir, stdout)
	bar.Finish()
	if bm25Dir != "" {
		_, dirty := os.Stat(filepath.Join(*dir, collection.DirtyFile))
		bar = progress.New(stderr, 0, "verifying bm25/", "")
		problems += verifyBM25(bm25Dir, sparseDir, dirty == nil, stdout)
		bar.Finish()
	}
	if problems > 0 {
		return fmt.Errorf("%s: %d problems found", *dir, problems)
	}
	fmt.Fprintf(stdout, "%s: OK\n", *dir)
	return nil
}

func verifySparse(dir string, w io.Writer) int {
	opts := index.DefaultOptions()
	rep, err := index.Verify(dir, opts)
	if err != nil {
		fmt.Fprintf(w, "sparse: cannot verify: %v\n", err)
		return 1
	}
	fmt.Fprintf(w, "sparse: commit %d, %d segments, %d live documents, %d records and %d keys checked\n",
		rep.Generation, rep.Segments, rep.Docs, rep.Records, rep.Keys)
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "  PROBLEM: %s\n", p)
	}
	return len(rep.Problems)
}

// verifyBM25 checks bm25/ (segment checksums, metadata) and that it holds
// exactly the sparse store's live documents. A lag is expected while
// bm25.dirty exists (the server catches bm25 up on its next start).
func verifyBM25(dir, sparseDir string, dirty bool, w io.Writer) int {
	lx, err := lexical.OpenReadOnly(dir)
	if err != nil {
		fmt.Fprintf(w, "bm25: PROBLEM: %v\n", err)
		return 1
	}
	defer lx.Close()
	n, _ := lx.DocCount()
	root := "root.bolt matches its seal"
	if !lx.Sealed() {
		root = "root.bolt unsealed (last stop unclean), its pages walked"
	}
	fmt.Fprintf(w, "bm25: %d documents, segment checksums OK, %s\n", n, root)
	opts := index.DefaultOptions()
	opts.ReadOnly = true
	sp, err := index.Open(sparseDir, opts)
	if err != nil {
		fmt.Fprintf(w, "  note: not compared with the sparse store (%v)\n", err)
		return 0
	}
	defer sp.Close()
	snap := sp.Snapshot()
	extra, common, seen := 0, 0, map[string]bool{}
	if err := lx.ForEachID(func(id string) error {
		_, _, live := snap.Lookup(id)
		switch {
		case seen[id] || !live: // the same id twice, or deleted
			extra++
		default:
			common++
		}
		seen[id] = true
		return nil
	}); err != nil {
		fmt.Fprintf(w, "  PROBLEM: listing ids: %v\n", err)
		return 1
	}
	missing := snap.NumDocs() - common
	if extra == 0 && missing == 0 {
		return 0
	}
	msg := fmt.Sprintf("bm25 and the sparse store disagree: %d ids only in bm25, %d documents missing from bm25", extra, missing)
	if dirty {
		fmt.Fprintf(w, "  note: %s (bm25.dirty: the server catches bm25 up on its next start)\n", msg)
		return 0
	}
	fmt.Fprintf(w, "  PROBLEM: %s\n", msg)
	return 1
}
