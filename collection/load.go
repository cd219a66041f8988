package collection

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/internal/progress"
	"github.com/sparrow-search/sparrow/lexical"
)

// Meta keys of the sparse store that make a load resumable: the source it
// reads, how far it is committed (positions are committed in order) and
// whether it finished.
const (
	metaSource    = "build.source"
	metaCommitted = "build.committed"
	metaComplete  = "build.complete"
)

// LoadResult says what a Load did.
type LoadResult struct {
	UpToDate  bool // the source was loaded completely before; nothing done (Build: counts stay 0)
	Resumed   int  // positions skipped as committed by an earlier, interrupted load
	Loaded    int  // documents committed by this call
	Documents int  // live documents afterwards
}

// Load adds every document of src to the collection: documents are encoded
// by opts.Workers goroutines and committed in source order, opts.BatchSize
// at a time, each batch atomically with its resume point. When a Load of the
// same source (and model) was interrupted, the next one resumes where it
// stopped; when it finished, Load does nothing. Afterwards the sparse store
// is compacted, so a fresh collection is served from as few segments as
// possible. Other writes may run in between; searches run throughout.
func (c *Collection) Load(ctx context.Context, src Source, opts LoadOptions) (LoadResult, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return LoadResult{}, err
	}
	if err := c.acquire(); err != nil {
		return LoadResult{}, err
	}
	defer c.release()
	if c.opts.ReadOnly {
		return LoadResult{}, ErrReadOnly
	}
	identity := sourceIdentity(src, c.manifest.Model)
	var res LoadResult
	skip, done, err := c.resumePoint(identity)
	if err != nil || done {
		res.UpToDate = done
		res.Documents = c.sparse.Snapshot().NumDocs()
		return res, err
	}
	res.Resumed = skip
	if err := c.sparse.SetMeta(metaSource, identity); err != nil {
		return res, err
	}
	total, err := src.Len()
	if err != nil {
		return res, err
	}
	enc, err := c.loadEncoder(src, skip)
	if err != nil {
		return res, err
	}
	bar := newBar(opts.Progress, total-skip, skip)
	defer bar.Close()
	at := skip
	err = pipeline(ctx, src, skip, opts, enc, func(docs []index.Document, pos int) error {
		if err := c.commit(docs, pos); err != nil {
			return err
		}
		res.Loaded += len(docs)
		bar.Add(pos - at)
		at = pos
		if opts.AfterCommit != nil {
			return opts.AfterCommit(pos)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	bar.Finish()
	// Batches commit as small segments and every query pays per segment:
	// serve a fresh load from as few segments as MaxSegmentDocs allows
	// (SciFact: 4 segments -> 1, ~10% less engine CPU per query).
	compacting := progress.New(opts.Progress, 0, "compacting", "")
	defer compacting.Close()
	if err := c.sparse.Compact(); err != nil {
		return res, fmt.Errorf("compacting: %w", err)
	}
	compacting.Finish()
	if err := c.sparse.SetMeta(metaComplete, "1"); err != nil {
		return res, err
	}
	res.Documents = c.sparse.Snapshot().NumDocs()
	return res, nil
}

// avgdlSample is the number of a source's first documents whose mean
// length in words weighs a load's word terms.
const avgdlSample = 10000

// loadEncoder is the encoder of one Load: its word terms are weighed by one
// mean length, fixed for the whole load so that the result depends neither
// on how many workers encode nor on when batches commit. Into an empty
// collection (or resuming a load that started so) that is the mean of the
// source's first avgdlSample documents (all of them, for most corpora);
// else the collection's mean when the load starts.
func (c *Collection) loadEncoder(src Source, skip int) (*docEncoder, error) {
	if !c.analysis.wordTerms() {
		return c.enc, nil
	}
	st, err := c.sparse.Snapshot().TermStats()
	if err != nil {
		return nil, err
	}
	avgdl := st.AvgLength()
	if st.NumDocs() == 0 || skip > 0 {
		var total, n int
		errEnough := errors.New("enough")
		err := src.Read(0, func(d Document, _ int) error {
			total += c.analysis.terms(c.model.DocText(d.Title, d.Text)).words.Len
			if n++; n == avgdlSample {
				return errEnough
			}
			return nil
		})
		if err != nil && !errors.Is(err, errEnough) {
			return nil, err
		}
		if n > 0 {
			avgdl = float64(total) / float64(n)
		}
	}
	enc := *c.enc
	enc.avgdl = func() (float64, error) { return avgdl, nil }
	return &enc, nil
}

// sourceIdentity is what a resumed load must match: the source and the
// model that encodes it.
func sourceIdentity(src Source, modelRef string) string {
	return src.Identity() + " model=" + modelRef
}

// resumePoint is where a load of identity starts: after the committed
// positions of an interrupted load of the same source, or nowhere (done)
// when one finished.
func (c *Collection) resumePoint(identity string) (skip int, done bool, err error) {
	prev, err := c.sparse.Meta(metaSource)
	if err != nil || prev != identity {
		return 0, false, err
	}
	if complete, err := c.sparse.Meta(metaComplete); err != nil || complete == "1" {
		return 0, err == nil, err
	}
	committed, err := c.sparse.Meta(metaCommitted)
	if err != nil || committed == "" {
		return 0, false, err
	}
	if skip, err = strconv.Atoi(committed); err != nil || skip < 0 {
		return 0, false, fmt.Errorf("invalid resume point %s=%q; use --force to rebuild", metaCommitted, committed)
	}
	return skip, false, nil
}

// commit applies one batch of a load with its resume point (one atomic
// commit: a crash redoes the batch or nothing), then adds it to bm25/.
func (c *Collection) commit(docs []index.Document, pos int) error {
	return c.write(docs, func(b *index.Batch) { b.SetMeta(metaCommitted, strconv.Itoa(pos)) })
}

// newBar reports the load's progress over n positions (nothing without a
// writer). It counts only this run's positions: starting at the resumed
// ones would count them into its rate and ETA.
func newBar(w io.Writer, n, resumed int) *progress.Bar {
	if n <= 0 {
		w = nil
	}
	desc := "encoding"
	if resumed > 0 {
		desc = fmt.Sprintf("encoding (resumed after %d lines)", resumed)
	}
	return progress.New(w, n, desc, "docs")
}

// pipeline reads src from skip on, encodes batches on opts.Workers
// goroutines and calls commit with each batch in source order, with the
// position after its last document.
func pipeline(parent context.Context, src Source, skip int, opts LoadOptions, enc *docEncoder,
	commit func(docs []index.Document, pos int) error) error {
	type job struct {
		seq  int
		docs []Document
		pos  int
	}
	type result struct {
		seq  int
		docs []index.Document
		pos  int
		err  error
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	jobs := make(chan job, opts.Workers)
	results := make(chan result, opts.Workers)
	readErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		readErr <- readBatches(ctx, src, skip, opts.BatchSize, func(seq int, docs []Document, pos int) bool {
			select {
			case jobs <- job{seq, docs, pos}:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	done := make(chan struct{})
	for range opts.Workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for j := range jobs {
				docs, err := enc.encode(j.docs)
				results <- result{j.seq, docs, j.pos, err}
			}
		}()
	}
	go func() {
		for range opts.Workers {
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
		for p, ok := pending[next]; ok && firstErr == nil; p, ok = pending[next] {
			delete(pending, next)
			next++
			if firstErr = p.err; firstErr == nil {
				firstErr = commit(p.docs, p.pos)
			}
			if firstErr != nil {
				cancel()
			}
		}
	}
	if err := <-readErr; err != nil && firstErr == nil && !errors.Is(err, context.Canceled) {
		firstErr = err
	}
	if firstErr == nil {
		firstErr = parent.Err()
	}
	return firstErr
}

// readBatches groups src's documents into batches of size; emit returns
// false to stop.
func readBatches(ctx context.Context, src Source, skip, size int, emit func(seq int, docs []Document, pos int) bool) error {
	var batch []Document
	seq, last := 0, skip
	errStop := errors.New("stop")
	err := src.Read(skip, func(d Document, next int) error {
		batch = append(batch, d)
		last = next
		if len(batch) < size {
			return ctx.Err()
		}
		if !emit(seq, batch, next) {
			return errStop
		}
		batch, seq = nil, seq+1
		return nil
	})
	if errors.Is(err, errStop) {
		return nil
	}
	if err == nil && len(batch) > 0 {
		emit(seq, batch, last)
	}
	return err
}

// EncodeSource encodes every document of src with model, on opts.Workers
// goroutines, and calls fn with each batch of opts.BatchSize in source order:
// the pipeline Load commits from (`indexer encode` writes it out).
func EncodeSource(ctx context.Context, src Source, model *encoder.Model, opts LoadOptions, fn func(docs []index.Document) error) error {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return err
	}
	a, err := newAnalysis(model, nil)
	if err != nil {
		return err
	}
	return pipeline(ctx, src, 0, opts, &docEncoder{model: model, analysis: a}, func(docs []index.Document, _ int) error { return fn(docs) })
}

// buildLexical makes a bm25 index at path ("" = in memory) of every live
// document of snap, streamed: holding every text at once does not scale.
func buildLexical(snap *index.Snapshot, path string, opts lexical.Options) (*lexical.Index, error) {
	lx, err := lexical.Build(nil, path, opts)
	if err != nil {
		return nil, err
	}
	err = lx.AddEach(snap.NumDocs(), func(add func(dataset.Doc) error) error {
		return snap.ForEachDocument(func(d index.Document) error {
			return add(dataset.Doc{ID: d.ID, Title: d.Title, Text: d.Text})
		})
	})
	if err == nil {
		err = lx.Apply(nil, nil, lexMark(snap))
	}
	if err != nil {
		lx.Close()
		if path != "" {
			os.RemoveAll(path)
		}
		return nil, err
	}
	return lx, nil
}
