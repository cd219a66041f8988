package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/internal/indexdir"
	"github.com/sparrow-search/sparrow/lexical"
	"github.com/sparrow-search/sparrow/sparse"
)

// On-disk layout of one named index, DIR/<name>/: package indexdir (shared
// with cmd/indexer build).
const (
	manifestFile = indexdir.ManifestFile
	sparseDir    = indexdir.SparseDir
	bm25Dir      = indexdir.BM25Dir
	dirtyFile    = indexdir.DirtyFile
	defaultModel = indexdir.DefaultModel
)

type manifest = indexdir.Manifest

// modelCache loads each model directory once; models are read-only and
// safe for concurrent use.
type modelCache struct {
	mu     sync.Mutex
	models map[string]*encoder.Model
}

func (c *modelCache) get(ref string) (*encoder.Model, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.models[ref]; ok {
		return m, nil
	}
	var m *encoder.Model
	var err error
	if ref == "" || ref == defaultModel {
		m, err = encoder.LoadDefault()
	} else {
		m, err = encoder.LoadModel(ref)
	}
	if err != nil {
		return nil, err
	}
	if c.models == nil {
		c.models = map[string]*encoder.Model{}
	}
	c.models[ref] = m
	return m, nil
}

// namedIndex is one open index. life is held shared by every request that
// uses the index and exclusively by delete and close, so an index is never
// closed under a running request. writeMu orders writes so sparse/ and bm25/
// see them in the same order.
type namedIndex struct {
	name     string
	dir      string
	manifest manifest
	model    *encoder.Model
	sparse   *index.Index
	lex      *lexical.Index

	life    sync.RWMutex
	closed  bool
	writeMu sync.Mutex
	dirty   bool // bm25.dirty exists

	algorithm string
	docs      *docCache // nil = off
}

// registry maps names to open indexes under the data directory.
type registry struct {
	dataDir string
	models  *modelCache
	log     *slog.Logger
	// algorithm is the scoring algorithm for every index ("" = default).
	algorithm string
	// docCacheSize bounds each index's cache of hit titles/fields (0 = off).
	docCacheSize int

	mu      sync.RWMutex
	indexes map[string]*namedIndex
}

var (
	errNotFound = errors.New("not found")
	errExists   = errors.New("exists")
)

func openRegistry(dataDir string, log *slog.Logger, algorithm string, docCache int) (*registry, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	r := &registry{dataDir: dataDir, models: &modelCache{}, log: log, indexes: map[string]*namedIndex{},
		algorithm: algorithm, docCacheSize: docCache}
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() || validateIndexName(e.Name()) != nil {
			continue
		}
		dir := filepath.Join(dataDir, e.Name())
		if !indexdir.IsIndexDir(dir) {
			continue
		}
		ni, err := r.open(e.Name(), dir)
		if err != nil {
			r.closeAll()
			return nil, fmt.Errorf("index %q: %w", e.Name(), err)
		}
		r.indexes[e.Name()] = ni
		log.Info("opened index", "index", e.Name(), "documents", ni.numDocs(), "model", ni.manifest.Model)
	}
	return r, nil
}

func (r *registry) open(name, dir string) (*namedIndex, error) {
	m, err := indexdir.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	model, err := r.models.get(m.Model)
	if err != nil {
		return nil, fmt.Errorf("model %q: %w", m.Model, err)
	}
	sp, err := index.Open(filepath.Join(dir, sparseDir), index.DefaultOptions())
	if err != nil {
		return nil, err
	}
	ni := &namedIndex{name: name, dir: dir, manifest: m, model: model, sparse: sp, algorithm: r.algorithm, docs: newDocCache(r.docCacheSize)}
	_, dirtyErr := os.Stat(filepath.Join(dir, dirtyFile))
	_, lexErr := os.Stat(filepath.Join(dir, bm25Dir))
	if dirtyErr == nil || lexErr != nil {
		// bm25/ may miss acknowledged writes (bleve persists asynchronously)
		// or was never built: rebuild it from the durable sparse store.
		start := time.Now()
		if err := ni.rebuildLexical(); err != nil {
			sp.Close()
			return nil, fmt.Errorf("rebuilding bm25 index: %w", err)
		}
		r.log.Info("rebuilt bm25 index from the sparse store", "index", name, "documents", ni.numDocs(), "took", time.Since(start).String())
	} else {
		lx, err := lexical.Open(filepath.Join(dir, bm25Dir))
		if err != nil {
			sp.Close()
			return nil, fmt.Errorf("bm25 index: %w", err)
		}
		ni.lex = lx
	}
	return ni, nil
}

func (ni *namedIndex) rebuildLexical() error {
	path := filepath.Join(ni.dir, bm25Dir)
	// Keep the analyzer the index was built with (indexer build --analyzer),
	// when the old bm25/ still says which.
	var opts lexical.Options
	if old, err := lexical.Open(path); err == nil {
		o := old.Options()
		opts = lexical.Options{Analyzer: o.Analyzer, Fields: o.Fields}
		if err := old.Close(); err != nil {
			return err
		}
	}
	lx, err := indexdir.BuildLexical(ni.sparse.Snapshot(), ni.dir, opts)
	if err != nil {
		return err
	}
	ni.lex = lx
	if err := os.Remove(filepath.Join(ni.dir, dirtyFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return indexdir.SyncDir(ni.dir)
}

// get returns the named index with its life lock held shared; the caller
// must call release.
func (r *registry) get(name string) (*namedIndex, error) {
	r.mu.RLock()
	ni, ok := r.indexes[name]
	r.mu.RUnlock()
	if !ok {
		return nil, errNotFound
	}
	ni.life.RLock()
	if ni.closed {
		ni.life.RUnlock()
		return nil, errNotFound
	}
	return ni, nil
}

func (ni *namedIndex) release() { ni.life.RUnlock() }

func (r *registry) names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.indexes))
	for n := range r.indexes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// create makes a new empty index; modelRef "" means the bundled default.
func (r *registry) create(name, modelRef string) (*namedIndex, error) {
	if modelRef == "" {
		modelRef = defaultModel
	}
	if modelRef != defaultModel {
		abs, err := filepath.Abs(modelRef)
		if err != nil {
			return nil, badRequest("model directory %q: %v", modelRef, err)
		}
		modelRef = abs
	}
	if _, err := r.models.get(modelRef); err != nil {
		return nil, badRequest("model %q cannot be loaded: %v", modelRef, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.indexes[name]; ok {
		return nil, errExists
	}
	dir := filepath.Join(r.dataDir, name)
	if _, err := os.Stat(dir); err == nil {
		return nil, errExists
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	m := manifest{Format: 1, Model: modelRef, Created: time.Now().UTC().Format(time.RFC3339)}
	if err := indexdir.WriteManifest(dir, m); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ni, err := r.open(name, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	r.indexes[name] = ni
	return ni, nil
}

// drop closes the index (waiting for requests using it) and deletes its files.
func (r *registry) drop(name string) error {
	r.mu.Lock()
	ni, ok := r.indexes[name]
	if ok {
		delete(r.indexes, name)
	}
	r.mu.Unlock()
	if !ok {
		return errNotFound
	}
	if err := ni.close(); err != nil {
		r.log.Warn("closing index before delete", "index", name, "err", err)
	}
	return os.RemoveAll(ni.dir)
}

func (r *registry) closeAll() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var first error
	for name, ni := range r.indexes {
		if err := ni.close(); err != nil && first == nil {
			first = fmt.Errorf("index %q: %w", name, err)
		}
	}
	r.indexes = map[string]*namedIndex{}
	return first
}

func (ni *namedIndex) close() error {
	ni.life.Lock()
	defer ni.life.Unlock()
	if ni.closed {
		return nil
	}
	ni.closed = true
	var errs []error
	if ni.lex != nil {
		if err := ni.lex.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := ni.sparse.Close(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 && ni.dirty {
		// bm25/ was closed cleanly after every write: it is complete.
		if err := os.Remove(filepath.Join(ni.dir, dirtyFile)); err == nil {
			indexdir.SyncDir(ni.dir)
		}
	}
	return errors.Join(errs...)
}

// markDirty records, durably, that bm25/ may lag until the next clean close.
func (ni *namedIndex) markDirty() error {
	if ni.dirty {
		return nil
	}
	if err := indexdir.WriteFileSync(filepath.Join(ni.dir, dirtyFile), []byte("bm25/ may lag sparse/; rebuilt on open\n")); err != nil {
		return err
	}
	ni.dirty = true
	return nil
}

// numDocs counts live documents in the current snapshot.
func (ni *namedIndex) numDocs() int { return ni.sparse.Snapshot().NumDocs() }

// diskBytes sums the sizes of the index's files.
func (ni *namedIndex) diskBytes() int64 {
	var total int64
	filepath.WalkDir(ni.dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				total += allocatedBytes(info)
			}
		}
		return nil
	})
	return total
}

// upsert encodes docs (outside the write lock; encoders are concurrency-safe)
// and applies them durably to sparse/, then to bm25/.
func (ni *namedIndex) upsert(docs []docInput) error {
	vecs := make([]sparse.Vector, len(docs))
	var texts []string
	var textIdx []int
	for i, d := range docs {
		if d.Vector != nil {
			v, err := encoder.VectorFromTokens(ni.model.Tokenizer, d.Vector)
			if err != nil {
				return badRequest("document %q: %v", d.ID, err)
			}
			vecs[i] = v
			continue
		}
		texts = append(texts, encoder.DocText(d.Title, d.Text))
		textIdx = append(textIdx, i)
	}
	if len(texts) > 0 {
		enc, err := ni.model.Encoder.Encode(texts)
		if err != nil {
			return fmt.Errorf("encoding documents: %w", err)
		}
		for j, i := range textIdx {
			vecs[i] = enc[j]
		}
	}
	b := new(index.Batch)
	lexDocs := make([]dataset.Doc, len(docs))
	for i, d := range docs {
		b.Upsert(index.Document{ID: d.ID, Title: d.Title, Text: d.Text, Fields: d.Fields, Vector: vecs[i]})
		lexDocs[i] = dataset.Doc{ID: d.ID, Title: d.Title, Text: d.Text}
	}
	ni.writeMu.Lock()
	defer ni.writeMu.Unlock()
	if err := ni.markDirty(); err != nil {
		return err
	}
	if err := ni.sparse.Apply(b); err != nil {
		return err
	}
	return ni.lex.Add(lexDocs)
}

// deleteDoc removes one document; it reports false if it did not exist.
func (ni *namedIndex) deleteDoc(id string) (bool, error) {
	ni.writeMu.Lock()
	defer ni.writeMu.Unlock()
	if _, _, ok := ni.sparse.Snapshot().Lookup(id); !ok {
		return false, nil
	}
	if err := ni.markDirty(); err != nil {
		return false, err
	}
	b := new(index.Batch)
	b.Delete(id)
	if err := ni.sparse.Apply(b); err != nil {
		return false, err
	}
	return true, ni.lex.Delete([]string{id})
}
