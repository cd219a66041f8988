package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/internal/gcpolicy"
)

func init() {
	register("build", "build a searchable index from a corpus (BEIR dir or JSONL) or pre-encoded vectors", runBuild)
}

// runBuild maps flags onto collection.Build.
func runBuild(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("build", stderr, "build --corpus DIR|FILE.jsonl | --vectors FILE.jsonl --index DIR [flags]")
	var (
		corpus  = fs.String("corpus", "", "BEIR dataset directory (its corpus.jsonl) or a corpus JSONL file ({\"_id\"|\"id\",\"title\",\"text\"} a line)")
		vectors = fs.String("vectors", "", "pre-encoded documents JSONL: {\"id\",\"vector\":{\"token\":weight},\"title\"?,\"text\"?} a line")
		dir     = fs.String("index", "", "index directory to create (required)")
		quiet   = fs.Bool("quiet", false, "no progress bar")
		o       collection.BuildOptions
	)
	fs.StringVar(&o.Model, "model", "", "model directory (default: the bundled default model)")
	fs.BoolVar(&o.Force, "force", false, "replace an existing index (otherwise an interrupted build resumes)")
	fs.IntVar(&o.BatchSize, "batch", collection.DefaultBatchSize, "documents per encoded and committed batch")
	fs.IntVar(&o.Workers, "workers", runtime.GOMAXPROCS(0), "parallel encoding workers")
	fs.StringVar(&o.Analyzer, "analyzer", "", "bleve analyzer of the bm25 index: en (default) or standard")
	fs.IntVar(&o.MaxSegmentDocs, "max-segment-docs", 0, "documents per segment at most (0 = the index's default, "+strconv.Itoa(index.DefaultOptions().MaxSegmentDocs)+"); the build's memory peaks at about the index plus one merge of this many")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *dir == "":
		return errors.New("--index DIR is required")
	case (*corpus == "") == (*vectors == ""):
		return errors.New("give exactly one of --corpus DIR|FILE.jsonl or --vectors FILE.jsonl")
	case o.BatchSize <= 0 || o.Workers <= 0:
		return errors.New("--batch and --workers must be >= 1")
	case o.MaxSegmentDocs < 0:
		return errors.New("--max-segment-docs must be >= 0")
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	path := *corpus
	if *vectors != "" {
		path = *vectors
	}
	src, err := collection.FileSource(path, *vectors != "")
	if err != nil {
		return err
	}
	if !*quiet {
		o.Progress = stderr
	}
	if err := testHooks(&o); err != nil {
		return err
	}
	// Merges hold large builders: the GC's target follows the heap.
	gcCtx, stopGC := context.WithCancel(context.Background())
	defer stopGC()
	go gcpolicy.Keep(gcCtx, time.Second)
	res, err := collection.Build(context.Background(), *dir, src, o)
	if err != nil {
		return err
	}
	if res.UpToDate {
		fmt.Fprintf(stdout, "index %s is already complete; nothing to do (use --force to rebuild)\n", *dir)
		return nil
	}
	if res.Resumed > 0 {
		fmt.Fprintf(stderr, "resumed: %d input lines were committed by an interrupted build\n", res.Resumed)
	}
	fmt.Fprintf(stdout, "built %s: %d documents, model %s, %.1fs (%.0f docs/s)\n",
		*dir, res.Documents, res.Model, res.Took.Seconds(), float64(res.Loaded)/math.Max(res.Took.Seconds(), 1e-9))
	return nil
}

// testHooks reads SPARROW_TEST_COMMIT_DELAY (a duration to pause after each
// committed batch), which the kill -9 resume test sets so that it can kill
// a build part-way; it is not a flag, so --help does not show it.
func testHooks(o *collection.BuildOptions) error {
	s := os.Getenv("SPARROW_TEST_COMMIT_DELAY")
	if s == "" {
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("SPARROW_TEST_COMMIT_DELAY=%q: %v", s, err)
	}
	o.AfterCommit = func(int) error { time.Sleep(d); return nil }
	return nil
}
