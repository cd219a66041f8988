package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/internal/indexdir"
	"github.com/sparrow-search/sparrow/internal/progress"
	"github.com/sparrow-search/sparrow/lexical"
)

func init() {
	register("build", "build a searchable index from a corpus (BEIR dir or JSONL) or pre-encoded vectors", runBuild)
}

// Index directory layout: package indexdir, shared with cmd/searchd.
const (
	manifestFile = indexdir.ManifestFile
	sparseDir    = indexdir.SparseDir
	bm25Dir      = indexdir.BM25Dir
	defaultModel = indexdir.DefaultModel

	// Meta keys of the sparse index that make a build resumable: the
	// source it is built from and how many of its records are committed
	// (records are committed in file order).
	metaSource    = "build.source"
	metaCommitted = "build.committed"
	metaComplete  = "build.complete"
)

type buildFlags struct {
	corpus, vectors, indexDir, model string
	force, quiet                     bool
	batch, workers                   int
	analyzer                         string
	failAfter                        int           // tests: fail after this many committed batches (0 = never)
	commitDelay                      time.Duration // tests: sleep after each commit (kill -9 resume test)
}

func runBuild(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f buildFlags
	fs.StringVar(&f.corpus, "corpus", "", "BEIR dataset directory (its corpus.jsonl) or a corpus JSONL file ({\"_id\"|\"id\",\"title\",\"text\"} a line)")
	fs.StringVar(&f.vectors, "vectors", "", "pre-encoded documents JSONL: {\"id\",\"vector\":{\"token\":weight},\"title\"?,\"text\"?} a line")
	fs.StringVar(&f.indexDir, "index", "", "index directory to create (required)")
	fs.StringVar(&f.model, "model", "", "model directory (default: the bundled default model)")
	fs.BoolVar(&f.force, "force", false, "delete an existing index directory first (otherwise an interrupted build resumes)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar")
	fs.IntVar(&f.batch, "batch", 512, "documents per encoded and committed batch")
	fs.IntVar(&f.workers, "workers", runtime.GOMAXPROCS(0), "parallel encoding workers")
	fs.StringVar(&f.analyzer, "analyzer", "", "bleve analyzer of the bm25 index: en (default) or standard")
	fs.DurationVar(&f.commitDelay, "test-commit-delay", 0, "testing only: pause after each committed batch")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case f.indexDir == "":
		return errors.New("--index DIR is required")
	case (f.corpus == "") == (f.vectors == ""):
		return errors.New("give exactly one of --corpus DIR|FILE.jsonl or --vectors FILE.jsonl")
	case f.batch <= 0 || f.workers <= 0:
		return errors.New("--batch and --workers must be >= 1")
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return build(f, stdout, stderr)
}

// record is one input line: a document to encode, or a pre-encoded one.
type record struct {
	doc    index.Document
	tokens map[string]float64 // --vectors input, mapped to ids by the model's tokenizer
}

func corpusPath(p string) (string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return "", err
	}
	if st.IsDir() {
		p = filepath.Join(p, "corpus.jsonl")
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s: not a BEIR dataset directory (no corpus.jsonl)", filepath.Dir(p))
		}
	}
	return p, nil
}

func loadModelRef(dir string) (*encoder.Model, string, error) {
	if dir == "" {
		m, err := encoder.LoadDefault()
		return m, defaultModel, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", err
	}
	m, err := encoder.LoadModel(abs)
	return m, abs, err
}

func build(f buildFlags, stdout, stderr io.Writer) error {
	start := time.Now()
	model, modelRef, err := loadModelRef(f.model)
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	src := f.corpus
	if f.vectors != "" {
		src = f.vectors
	} else if src, err = corpusPath(src); err != nil {
		return fmt.Errorf("--corpus: %w", err)
	}
	absSrc, _ := filepath.Abs(src)
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	// The source identity: a resumed build must read the same file.
	source := fmt.Sprintf("%s size=%d mtime=%d model=%s", absSrc, st.Size(), st.ModTime().UnixNano(), modelRef)

	if f.force {
		if err := os.RemoveAll(f.indexDir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(f.indexDir, 0o755); err != nil {
		return err
	}
	if err := writeManifest(f.indexDir, modelRef); err != nil {
		return err
	}
	ix, err := index.Open(filepath.Join(f.indexDir, sparseDir), index.DefaultOptions())
	if err != nil {
		return err
	}
	defer ix.Close()

	skip := 0
	if prev, err := ix.Meta(metaSource); err != nil {
		return err
	} else if prev != "" {
		if prev != source {
			return fmt.Errorf("%s was built from another source (%s); use --force to rebuild", f.indexDir, prev)
		}
		done, err := ix.Meta(metaComplete)
		if err != nil {
			return err
		}
		if done == "1" {
			fmt.Fprintf(stdout, "index %s is already complete; nothing to do (use --force to rebuild)\n", f.indexDir)
			return nil
		}
		c, err := ix.Meta(metaCommitted)
		if err != nil {
			return err
		}
		if c != "" {
			if skip, err = strconv.Atoi(c); err != nil || skip < 0 {
				return fmt.Errorf("%s: invalid resume point %s=%q; use --force to rebuild", f.indexDir, metaCommitted, c)
			}
		}
		fmt.Fprintf(stderr, "resuming: %d input lines already committed\n", skip)
	} else if ix.Stats().Docs > 0 {
		return fmt.Errorf("%s holds an index not made by build; use --force to replace it", f.indexDir)
	}
	if err := ix.SetMeta(metaSource, source); err != nil {
		return err
	}

	total, err := countLines(src)
	if err != nil {
		return err
	}
	var w io.Writer = stderr
	if f.quiet || total <= skip {
		w = nil
	}
	// The bar counts only this run's lines: starting it at skip would
	// count the resumed part into its docs/s and ETA.
	desc := "encoding"
	if skip > 0 {
		desc = fmt.Sprintf("encoding (resumed after %d lines)", skip)
	}
	bar := progress.New(w, total-skip, desc, "docs")
	defer bar.Close()
	committed := skip
	batches := 0
	err = pipeline(src, f.vectors != "", skip, f.batch, f.workers, model, func(docs []index.Document, lines int) error {
		var b index.Batch
		for _, d := range docs {
			b.Upsert(d)
		}
		if f.failAfter > 0 && batches == f.failAfter {
			return errInterrupted
		}
		batches++
		if err := ix.Apply(&b); err != nil {
			return err
		}
		committed += lines
		// After Apply: a crash between the two redoes one batch (upserts
		// are idempotent), never skips one.
		if err := ix.SetMeta(metaCommitted, strconv.Itoa(committed)); err != nil {
			return err
		}
		bar.Add(lines)
		time.Sleep(f.commitDelay)
		return nil
	})
	if err != nil {
		return err
	}
	bar.Finish()
	// Batches commit as small segments (the background merger leaves a few
	// tiers) and every query pays per segment: serve a fresh build from as
	// few segments as MaxSegmentDocs allows (SciFact: 4 segments -> 1, ~10%
	// less engine CPU per query). Idempotent, so a resumed build redoes it.
	if err := ix.Compact(); err != nil {
		return fmt.Errorf("compacting: %w", err)
	}

	// bm25/ is rebuilt whole from the sparse store: cheap next to encoding,
	// and it makes resume trivially consistent.
	if err := buildLexical(ix, f.indexDir, f.analyzer, stderr, f.quiet); err != nil {
		return fmt.Errorf("bm25 index: %w", err)
	}
	if err := ix.SetMeta(metaComplete, "1"); err != nil {
		return err
	}
	stats := ix.Stats()
	el := time.Since(start)
	fmt.Fprintf(stdout, "built %s: %d documents, model %s, %.1fs (%.0f docs/s)\n",
		f.indexDir, stats.Docs, modelRef, el.Seconds(), float64(committed-skip)/math.Max(el.Seconds(), 1e-9))
	return nil
}

// errInterrupted simulates a crash in tests.
var errInterrupted = errors.New("build interrupted (test)")

// writeManifest records the index's model; an index resumed with the same
// model keeps its manifest (and creation time).
func writeManifest(dir, modelRef string) error {
	if prev, err := indexdir.ReadManifest(dir); err == nil && prev.Created != "" && prev.Model == modelRef {
		return nil
	}
	return indexdir.WriteManifest(dir, indexdir.Manifest{Format: 1, Model: modelRef, Created: time.Now().UTC().Format(time.RFC3339)})
}

func buildLexical(ix *index.Index, dir, analyzer string, stderr io.Writer, quiet bool) error {
	opts := lexical.Options{Analyzer: analyzer}
	if !quiet {
		opts.Progress = stderr
	}
	lx, err := indexdir.BuildLexical(ix.Snapshot(), dir, opts)
	if err != nil {
		return err
	}
	return lx.Close()
}

func countLines(path string) (int, error) {
	fh, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	n := 0
	buf := make([]byte, 1<<20)
	last := byte('\n')
	for {
		k, err := fh.Read(buf)
		for _, c := range buf[:k] {
			if c == '\n' {
				n++
			}
		}
		if k > 0 {
			last = buf[k-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if last != '\n' {
		n++
	}
	return n, nil
}

// pipeline reads records from path (skipping the first skip lines), encodes
// batches on workers goroutines and calls commit with each batch in file
// order. lines counts the input lines a batch covers (blank lines included),
// so the committed count is a resume point.
func pipeline(path string, vectors bool, skip, batchSize, workers int, model *encoder.Model,
	commit func(docs []index.Document, lines int) error) error {
	type job struct {
		seq   int
		recs  []record
		lines int
	}
	type result struct {
		seq   int
		docs  []index.Document
		lines int
		err   error
	}
	jobs := make(chan job, workers)
	results := make(chan result, workers)
	readErr := make(chan error, 1)
	stop := make(chan struct{})

	go func() {
		defer close(jobs)
		readErr <- readRecords(path, vectors, skip, batchSize, func(recs []record, lines, seq int) bool {
			select {
			case jobs <- job{seq: seq, recs: recs, lines: lines}:
				return true
			case <-stop:
				return false
			}
		})
	}()
	done := make(chan struct{})
	for w := 0; w < workers; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for j := range jobs {
				docs, err := encodeRecords(j.recs, model)
				results <- result{seq: j.seq, docs: docs, lines: j.lines, err: err}
			}
		}()
	}
	go func() {
		for w := 0; w < workers; w++ {
			<-done
		}
		close(results)
	}()

	pending := map[int]result{}
	next := 0
	var firstErr error
	for r := range results {
		if firstErr != nil {
			continue // drain
		}
		pending[r.seq] = r
		for {
			p, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if p.err != nil {
				firstErr = p.err
			} else if err := commit(p.docs, p.lines); err != nil {
				firstErr = err
			}
			if firstErr != nil {
				close(stop)
				break
			}
		}
	}
	if err := <-readErr; err != nil && firstErr == nil {
		firstErr = err
	}
	return firstErr
}

// encodeRecords turns a batch of records into index documents.
func encodeRecords(recs []record, model *encoder.Model) ([]index.Document, error) {
	docs := make([]index.Document, len(recs))
	var texts []string
	var at []int
	for i, r := range recs {
		docs[i] = r.doc
		if r.tokens != nil {
			v, err := encoder.VectorFromTokens(model.Tokenizer, r.tokens)
			if err != nil {
				return nil, fmt.Errorf("document %q: %w", r.doc.ID, err)
			}
			docs[i].Vector = v
			continue
		}
		texts = append(texts, encoder.DocText(r.doc.Title, r.doc.Text))
		at = append(at, i)
	}
	if len(texts) > 0 {
		vs, err := model.Encoder.Encode(texts)
		if err != nil {
			return nil, fmt.Errorf("encoding: %w", err)
		}
		for j, i := range at {
			docs[i].Vector = vs[j]
		}
	}
	return docs, nil
}

// readRecords parses the input file line by line and hands out batches;
// errors name file:line. emit returns false to stop early.
func readRecords(path string, vectors bool, skip, batchSize int, emit func(recs []record, lines, seq int) bool) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	var recs []record
	lines, seq, lineNo := 0, 0, 0
	for sc.Scan() {
		lineNo++
		if lineNo <= skip {
			continue
		}
		lines++
		line := strings.TrimSpace(sc.Text())
		if line != "" {
			r, err := parseRecord([]byte(line), vectors)
			if err != nil {
				return fmt.Errorf("%s:%d: %v", path, lineNo, err)
			}
			recs = append(recs, r)
		}
		if len(recs) == batchSize {
			if !emit(recs, lines, seq) {
				return nil
			}
			recs, lines = nil, 0
			seq++
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %v", path, lineNo+1, err)
	}
	if lines > 0 {
		emit(recs, lines, seq)
	}
	return nil
}

type rawRecord struct {
	ID     dataset.FlexID     `json:"_id"`
	ID2    dataset.FlexID     `json:"id"`
	Title  string             `json:"title"`
	Text   string             `json:"text"`
	Vector map[string]float64 `json:"vector"`
}

func parseRecord(line []byte, vectors bool) (record, error) {
	var raw rawRecord
	if err := json.Unmarshal(line, &raw); err != nil {
		return record{}, fmt.Errorf("invalid JSON: %v", err)
	}
	id := raw.ID
	if !id.Set {
		id = raw.ID2
	}
	if !id.Set || id.S == "" {
		return record{}, errors.New("missing \"_id\" (or \"id\")")
	}
	r := record{doc: index.Document{ID: id.S, Title: raw.Title, Text: raw.Text}}
	if vectors {
		if raw.Vector == nil {
			return record{}, errors.New("missing \"vector\" object")
		}
		r.tokens = raw.Vector
	}
	return r, nil
}
