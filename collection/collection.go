package collection

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/internal/durable"
	"github.com/sparrow-search/sparrow/lexical"
)

// Collection is one open collection. It is safe for concurrent use: any
// number of searches and reads run alongside writes, which are applied one
// at a time (sparse/ and bm25/ see them in the same order). Close waits for
// the operations in flight; later calls return ErrClosed.
type Collection struct {
	dir      string   // the directory's files are reached through this path ("" in memory): pinned, see pinDir
	name     string   // the directory as the caller named it, for Dir and messages
	pin      *os.File // holds the directory open while dir is a /proc/self/fd path
	opts     Options
	manifest Manifest // Meta lives in meta
	meta     atomic.Pointer[map[string]json.RawMessage]
	model    *encoder.Model
	sparse   *index.Index
	lex      *lexical.Index
	docs     *docCache    // nil = off
	results  *resultCache // nil = off
	analysis *analysis    // text analysis beside the encoder (words, query weights)
	enc      *docEncoder  // documents -> stored documents

	// Searches that looked a ranking up in results, and those that found it.
	resultLookups, resultHits atomic.Uint64

	life    sync.RWMutex // shared by every operation, exclusive for Close
	closed  bool         // guarded by life
	writeMu sync.Mutex   // orders writes
	dirty   bool         // bm25.dirty exists (guarded by writeMu)
}

// Create makes a new, empty collection at dir (which must not exist) and
// opens it. The directory is made under a temporary name next to dir,
// fsynced and renamed into place, so a crash leaves either no collection or
// a complete one, never a half-made one that would keep others from opening.
// With opts.InMemory, dir is ignored.
func Create(dir string, opts Options) (*Collection, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	models := opts.Models
	if models == nil {
		models = new(Models)
		opts.Models = models
	}
	ref, err := modelRef(opts.Model)
	if err != nil {
		return nil, inputErrorf("model directory %q: %v", opts.Model, err)
	}
	if _, err := models.Load(ref); err != nil {
		return nil, inputErrorf("model %q cannot be loaded: %v", ref, err)
	}
	m := Manifest{Format: 1, Model: ref, Created: time.Now().UTC().Format(time.RFC3339), Meta: opts.Meta, Analysis: opts.Analysis}
	if opts.InMemory {
		return open("", m, opts)
	}
	if opts.ReadOnly {
		return nil, ErrReadOnly
	}
	if _, err := os.Lstat(dir); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrExists, dir)
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(dir)), filepath.Base(creatingDir(dir))+"-")
	if err != nil {
		return nil, err
	}
	if err := initDir(tmp, m, opts); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := publish(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, serr := os.Lstat(dir); serr == nil {
			return nil, fmt.Errorf("%w: %s", ErrExists, dir)
		}
		return nil, err
	}
	return Open(dir, opts)
}

// initDir writes an empty collection into dir: manifest, sparse store and
// bm25 index, each closed cleanly.
func initDir(dir string, m Manifest, opts Options) error {
	if err := writeManifest(dir, m); err != nil {
		return err
	}
	sp, err := index.Open(filepath.Join(dir, SparseDir), indexOptions(opts))
	if err != nil {
		return err
	}
	if err := sp.Close(); err != nil {
		return err
	}
	lx, err := lexical.Build(nil, filepath.Join(dir, BM25Dir), lexical.Options{Analyzer: opts.Analyzer})
	if err != nil {
		return err
	}
	return lx.Close()
}

// Open opens the collection at dir. A bm25/ that may lag sparse/ (bm25.dirty
// present), is missing or does not open is rebuilt from sparse/, the
// durable truth, keeping the analyzer it was built with when it says which.
func Open(dir string, opts Options) (*Collection, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.InMemory {
		return nil, errors.New("collection: Open of an in-memory collection; use Create")
	}
	if opts.Models == nil {
		opts.Models = new(Models)
	}
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !st.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a directory", ErrNotFound, dir)
	}
	if err != nil {
		return nil, err
	}
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	return open(dir, m, opts)
}

func indexOptions(opts Options) index.Options {
	io := index.DefaultOptions()
	io.Logger = storeLogger{opts.Logger}
	io.ReadOnly = opts.ReadOnly && !opts.InMemory
	if opts.MaxSegmentDocs > 0 {
		io.MaxSegmentDocs = opts.MaxSegmentDocs
	}
	if opts.InMemory {
		io.InMemory = true
		// Segment blobs only speed up a reopen, which an in-memory store
		// never has; and in-memory Badger cannot hold a 1 MiB blob chunk
		// (it takes values of at least its 1 MiB threshold for the value
		// log it does not have, and panics).
		io.MinBlobDocs = math.MaxInt
	}
	return io
}

// open opens the stores of dir ("" = in memory, new) described by m.
func open(dir string, m Manifest, opts Options) (*Collection, error) {
	model, err := opts.Models.Load(m.Model)
	if err != nil {
		return nil, fmt.Errorf("model %q: %w", m.Model, err)
	}
	c := &Collection{dir: dir, name: dir, opts: opts, manifest: m, model: model}
	if dir != "" {
		c.pin, c.dir = pinDir(dir)
		dir = c.dir
	}
	c.meta.Store(&m.Meta)
	c.manifest.Meta = nil
	if c.analysis, err = newAnalysis(model, m.Analysis); err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	c.enc = &docEncoder{model: model, analysis: c.analysis, avgdl: c.avgLength}
	c.docs = newDocCache(opts.DocCache)
	c.results = newResultCache(opts.ResultCache)
	sparseDir := ""
	if dir != "" {
		sparseDir = filepath.Join(dir, SparseDir)
	}
	if c.sparse, err = index.Open(sparseDir, indexOptions(opts)); err != nil {
		c.unpin()
		return nil, explainLock(c.name, err)
	}
	if err := c.openLexical(); err != nil {
		c.sparse.Close()
		c.unpin()
		return nil, err
	}
	return c, nil
}

// pinDir returns a path that names dir's directory itself, wherever it is
// later moved: on Linux /proc/self/fd/N of an open descriptor. Badger and
// bleve reach their files by path, so without it a collection still open
// when its directory is replaced (indexer build --force under a running
// searchd) would, on Close, flush tables into, and delete log files from,
// the directory that replaced it. Elsewhere it returns dir.
func pinDir(dir string) (*os.File, string) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, dir
	}
	path := fmt.Sprintf("/proc/self/fd/%d", f.Fd())
	want, err1 := f.Stat()
	got, err2 := os.Stat(path)
	if err1 != nil || err2 != nil || !os.SameFile(want, got) {
		f.Close()
		return nil, dir
	}
	return f, path
}

// location is where the collection's directory is now: it may have been
// moved since it was opened (replaced by Build).
func (c *Collection) location() string {
	if c.pin != nil {
		if p, err := os.Readlink(c.dir); err == nil {
			return p
		}
	}
	return c.name
}

func (c *Collection) unpin() {
	if c.pin != nil {
		c.pin.Close()
	}
}

// openLexical opens bm25/, or rebuilds it from sparse/ when it may lag, is
// missing or does not open (a crash while bleve persisted it).
func (c *Collection) openLexical() error {
	if c.dir == "" {
		lx, err := lexical.Build(nil, "", lexical.Options{Analyzer: c.opts.Analyzer})
		c.lex = lx
		return err
	}
	if c.opts.ReadOnly {
		return c.openLexicalReadOnly()
	}
	path := filepath.Join(c.dir, BM25Dir)
	_, dirtyErr := os.Stat(filepath.Join(c.dir, DirtyFile))
	reason := "it may lag the sparse store (bm25.dirty)"
	if dirtyErr != nil {
		lx, err := lexical.Open(path)
		if err == nil {
			c.lex = lx
			return nil
		}
		reason = err.Error()
	} else if !c.opts.ReadOnly {
		caught, err := c.catchUpLexical(path)
		if caught || err != nil {
			return err
		}
	}
	start := time.Now()
	if err := c.rebuildLexical(); err != nil {
		return fmt.Errorf("rebuilding the bm25 index (%s): %w", reason, err)
	}
	c.opts.Logger.Info("rebuilt bm25 index from the sparse store", "dir", c.name, "reason", reason,
		"documents", c.sparse.Snapshot().NumDocs(), "took", time.Since(start).String())
	return nil
}

// openLexicalReadOnly opens bm25/ without writing to it, or, when it may
// lag sparse/ or does not open, builds the bm25 index in memory from
// sparse/ (nothing on disk changes in read-only mode).
func (c *Collection) openLexicalReadOnly() error {
	path := filepath.Join(c.dir, BM25Dir)
	_, dirtyErr := os.Stat(filepath.Join(c.dir, DirtyFile))
	reason := "it may lag the sparse store (bm25.dirty)"
	lo := lexical.Options{Analyzer: c.opts.Analyzer}
	if lx, err := lexical.OpenReadOnly(path); err == nil {
		if dirtyErr != nil {
			c.lex = lx
			return nil
		}
		o := lx.Options()
		lo = lexical.Options{Analyzer: o.Analyzer, Fields: o.Fields}
		lx.Close()
	} else if dirtyErr != nil {
		reason = err.Error()
	}
	start := time.Now()
	lx, err := buildLexical(c.sparse.Snapshot(), "", lo)
	if err != nil {
		return fmt.Errorf("building the bm25 index in memory (%s): %w", reason, err)
	}
	c.lex = lx
	c.opts.Logger.Info("read-only: built the bm25 index in memory from the sparse store", "dir", c.name, "reason", reason,
		"documents", c.sparse.Snapshot().NumDocs(), "took", time.Since(start).String())
	return nil
}

// catchUpLexical brings a bm25/ that may lag sparse/ in line by replaying
// what it missed (lexical.Index.CatchUp); caught is false when bm25/ does
// not open or has no mark (then it is rebuilt).
func (c *Collection) catchUpLexical(path string) (caught bool, err error) {
	lx, err := lexical.Open(path)
	if err != nil {
		return false, nil
	}
	start := time.Now()
	st, err := lx.CatchUp(snapshotSource{c.sparse.Snapshot()})
	if err != nil {
		c.opts.Logger.Info("bm25 index cannot be caught up, rebuilding it", "dir", c.dir, "reason", err.Error())
		return false, lx.Close()
	}
	c.lex = lx
	if err := durable.Remove(filepath.Join(c.dir, DirtyFile)); err != nil {
		return true, err
	}
	c.opts.Logger.Info("caught up bm25 index with the sparse store", "dir", c.dir, "upserted", st.Upserted,
		"deleted", st.Deleted, "missing", st.Missing, "took", time.Since(start).String())
	return true, nil
}

// rebuildLexical replaces bm25/ with an index of every live document of
// sparse/, keeping the analyzer of the old bm25/ when it still says which.
// It costs one pass over every stored document (bleve indexing dominates:
// linear in the collection's text).
func (c *Collection) rebuildLexical() error {
	path := filepath.Join(c.dir, BM25Dir)
	lo := lexical.Options{Analyzer: c.opts.Analyzer}
	if old, err := lexical.Open(path); err == nil {
		o := old.Options()
		lo = lexical.Options{Analyzer: o.Analyzer, Fields: o.Fields}
		if err := old.Close(); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(path); err != nil {
		return err
	}
	lx, err := buildLexical(c.sparse.Snapshot(), path, lo)
	if err != nil {
		return err
	}
	c.lex = lx
	if err := os.Remove(filepath.Join(c.dir, DirtyFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return durable.SyncDir(c.dir)
}

// acquire takes the life lock shared for one operation.
func (c *Collection) acquire() error {
	c.life.RLock()
	if c.closed {
		c.life.RUnlock()
		return ErrClosed
	}
	return nil
}

func (c *Collection) release() { c.life.RUnlock() }

// Close waits for operations in flight and closes the stores. After a clean
// close bm25/ is complete, so bm25.dirty is removed.
func (c *Collection) Close() error {
	c.life.Lock()
	defer c.life.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	if c.lex != nil {
		errs = append(errs, c.lex.Close())
	}
	errs = append(errs, c.sparse.Close())
	err := errors.Join(errs...)
	if err == nil && c.dirty && c.dir != "" {
		durable.Remove(filepath.Join(c.dir, DirtyFile)) // best effort: a left marker only costs a catch-up
	}
	c.unpin()
	return err
}

// Dir is the collection's directory ("" in memory).
func (c *Collection) Dir() string { return c.name }

// Manifest returns the collection's manifest. Its Meta map is shared: do
// not modify it (SetMeta replaces it).
func (c *Collection) Manifest() Manifest {
	m := c.manifest
	m.Meta = *c.meta.Load()
	return m
}

// SetMeta sets Manifest.Meta[name] (nil removes it) and writes the
// manifest durably before it returns, so a front end's settings (package
// opensearch's mapping) survive a crash once acknowledged.
func (c *Collection) SetMeta(name string, value json.RawMessage) error {
	if err := c.acquire(); err != nil {
		return err
	}
	defer c.release()
	if c.opts.ReadOnly {
		return ErrReadOnly
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	old := *c.meta.Load()
	meta := make(map[string]json.RawMessage, len(old)+1)
	for k, v := range old {
		meta[k] = v
	}
	if value == nil {
		delete(meta, name)
	} else {
		meta[name] = append(json.RawMessage(nil), value...)
	}
	if c.dir != "" {
		m := c.manifest
		m.Meta = meta
		if err := writeManifest(c.dir, m); err != nil {
			return err
		}
	}
	c.meta.Store(&meta)
	return nil
}

// Model is the model that encodes the collection's documents and weights
// its queries.
func (c *Collection) Model() *encoder.Model { return c.model }

// Stats describe a collection's size.
type Stats struct {
	Documents int   // live (searchable) documents
	Deleted   int   // deleted documents whose postings are not merged away yet
	Segments  int   // segments of the sparse store
	Postings  int64 // postings in all segments, deleted documents included
	DiskBytes int64 // space the directory occupies (0 in memory)
}

// Stats reports the collection's sizes from one snapshot, so the counts
// agree with each other.
func (c *Collection) Stats() (Stats, error) {
	if err := c.acquire(); err != nil {
		return Stats{}, err
	}
	defer c.release()
	st := c.sparse.Stats()
	out := Stats{Documents: st.Docs, Deleted: st.Deleted, Segments: st.Segments, Postings: st.Postings}
	if c.dir != "" {
		out.DiskBytes = diskBytes(c.dir + string(filepath.Separator)) // through the pinned link
	}
	return out, nil
}

// ResultCacheStats are the searches that looked their ranking up in the
// result cache (Options.ResultCache) and those that found it there, since
// the collection was opened.
func (c *Collection) ResultCacheStats() (lookups, hits uint64) {
	return c.resultLookups.Load(), c.resultHits.Load()
}

// diskBytes sums the space of the files under dir.
func diskBytes(dir string) int64 {
	var total int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				total += allocatedBytes(info)
			}
		}
		return nil
	})
	return total
}

// Options returns the options the collection was opened with, defaults
// filled in.
func (c *Collection) Options() Options { return c.opts }

// storeLogger sends the sparse store's (Badger's) warnings and errors to
// the collection's logger; its chatty info and debug lines are dropped.
type storeLogger struct{ l *slog.Logger }

func (s storeLogger) Errorf(f string, a ...any) {
	s.l.Error("sparse store: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}

func (s storeLogger) Warningf(f string, a ...any) {
	s.l.Warn("sparse store: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}

func (storeLogger) Infof(string, ...any)  {}
func (storeLogger) Debugf(string, ...any) {}
