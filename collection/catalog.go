package collection

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/sparrow-search/sparrow/internal/durable"
)

// Catalog is the set of named collections under one data directory, one
// sub-directory per collection (DIR/<name>/), as searchd serves them. It
// opens every collection it finds; one that does not open is reported by
// Broken and the rest are served. Rescan picks up directories added,
// removed or replaced since (by `indexer build`, say). Collection names are
// ValidName's. It is safe for concurrent use.
type Catalog struct {
	dir  string
	opts Options

	mu       sync.RWMutex
	cols     map[string]*entry
	broken   map[string]error
	dropping map[string]bool // names a Drop is deleting: not found meanwhile

	locksMu sync.Mutex
	locks   map[string]*nameLock // per-name lock of create, drop, open
}

type entry struct {
	c  *Collection
	fi fs.FileInfo // of the directory when opened: a replaced one differs
}

type nameLock struct {
	mu   sync.Mutex
	refs int
}

// ValidName accepts collection names [A-Za-z0-9][A-Za-z0-9_-]{0,63}: safe as
// a directory name on every system, and no dots, so no "." / ".." tricks and
// no clash with the temporary directories (which start with a dot).
func ValidName(name string) error {
	if name == "" {
		return inputErrorf("index name is empty")
	}
	if len(name) > 64 {
		return inputErrorf("index name is %d bytes; the limit is 64", len(name))
	}
	for i, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || i > 0 && (c == '_' || c == '-')
		if !ok {
			return inputErrorf("index name %q is invalid: use letters, digits, '_' and '-' (not first), at most 64", name)
		}
	}
	return nil
}

// OpenCatalog opens every collection under dir (created if missing, unless
// opts.ReadOnly). Options apply to every collection (Model only to those
// Create makes). Leftovers of interrupted creations and deletions are
// removed; unfinished builds (.NAME.building) are left for Build to resume.
func OpenCatalog(dir string, opts Options) (*Catalog, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.InMemory {
		return nil, errors.New("collection: a catalog lives in a directory; InMemory is not supported")
	}
	if opts.Models == nil {
		opts.Models = new(Models)
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
	}
	k := &Catalog{dir: dir, opts: opts, cols: map[string]*entry{}, broken: map[string]error{}, dropping: map[string]bool{},
		locks: map[string]*nameLock{}}
	if !opts.ReadOnly {
		if err := k.removeLeftovers(); err != nil {
			return nil, err
		}
	}
	if _, err := k.Rescan(); err != nil {
		return nil, err
	}
	return k, nil
}

// removeLeftovers deletes what a crash left of a Create or a Drop.
func (k *Catalog) removeLeftovers() error {
	entries, err := os.ReadDir(k.dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() && strings.HasPrefix(n, ".") && (strings.Contains(n, ".creating-") || strings.Contains(n, ".deleting-") || strings.Contains(n, ".replaced-")) {
			k.opts.Logger.Warn("removing the leftover of an interrupted create, delete or replacement", "dir", filepath.Join(k.dir, n))
			if err := os.RemoveAll(filepath.Join(k.dir, n)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Dir is the data directory.
func (k *Catalog) Dir() string { return k.dir }

// lockName takes the per-name lock that orders Create, Drop and opening.
func (k *Catalog) lockName(name string) func() {
	k.locksMu.Lock()
	l := k.locks[name]
	if l == nil {
		l = &nameLock{}
		k.locks[name] = l
	}
	l.refs++
	k.locksMu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.locksMu.Lock()
		if l.refs--; l.refs == 0 {
			delete(k.locks, name)
		}
		k.locksMu.Unlock()
	}
}

// Get returns the open collection name. A name that is not open but whose
// directory has appeared since the last scan is opened now; a broken one
// returns its error (wrapping the cause), an unknown one ErrNotFound.
func (k *Catalog) Get(name string) (*Collection, error) {
	k.mu.RLock()
	e, ok := k.cols[name]
	berr := k.broken[name]
	dropping := k.dropping[name]
	k.mu.RUnlock()
	switch {
	case ok:
		return e.c, nil
	case berr != nil:
		return nil, berr
	case dropping || ValidName(name) != nil || !IsCollectionDir(filepath.Join(k.dir, name)):
		return nil, fmt.Errorf("%w: index %q", ErrNotFound, name)
	}
	unlock := k.lockName(name)
	defer unlock()
	return k.openLocked(name)
}

// openLocked opens name unless it is open already; the name lock is held.
func (k *Catalog) openLocked(name string) (*Collection, error) {
	k.mu.RLock()
	e, ok := k.cols[name]
	k.mu.RUnlock()
	if ok {
		return e.c, nil
	}
	dir := filepath.Join(k.dir, name)
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: index %q", ErrNotFound, name)
	}
	c, err := Open(dir, k.opts)
	k.mu.Lock()
	defer k.mu.Unlock()
	if err != nil {
		err = &BrokenError{Name: name, Err: err}
		if prev := k.broken[name]; prev == nil || prev.Error() != err.Error() {
			k.opts.Logger.Error("index is broken and not served", "index", name, "err", err)
		}
		k.broken[name] = err
		return nil, err
	}
	delete(k.broken, name)
	k.cols[name] = &entry{c: c, fi: fi}
	st := c.sparse.Snapshot().NumDocs()
	k.opts.Logger.Info("opened index", "index", name, "documents", st, "model", c.manifest.Model)
	return c, nil
}

// BrokenError is the error of a collection directory that does not open;
// the catalog serves the others.
type BrokenError struct {
	Name string
	Err  error
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("index %q cannot be opened: %v", e.Name, e.Err)
}

func (e *BrokenError) Unwrap() error { return e.Err }

// Names lists the open collections, sorted.
func (k *Catalog) Names() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]string, 0, len(k.cols))
	for n := range k.cols {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Broken lists the collection directories that did not open, with why.
func (k *Catalog) Broken() map[string]error {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make(map[string]error, len(k.broken))
	for n, err := range k.broken {
		out[n] = err
	}
	return out
}

// Create makes a new, empty collection name with opts' Model, Analyzer and
// Meta (the catalog's other options apply) and opens it. ErrExists when the name
// is taken.
func (k *Catalog) Create(name string, opts Options) (*Collection, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	if k.opts.ReadOnly {
		return nil, ErrReadOnly
	}
	unlock := k.lockName(name)
	defer unlock()
	k.mu.RLock()
	_, open := k.cols[name]
	k.mu.RUnlock()
	if open {
		return nil, fmt.Errorf("%w: index %q", ErrExists, name)
	}
	o := k.opts
	o.Model, o.Analyzer, o.Meta = opts.Model, opts.Analyzer, opts.Meta
	dir := filepath.Join(k.dir, name)
	c, err := Create(dir, o)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		c.Close()
		return nil, err
	}
	k.mu.Lock()
	k.cols[name] = &entry{c: c, fi: fi}
	delete(k.broken, name)
	k.mu.Unlock()
	return c, nil
}

// Drop closes the collection name (waiting for operations in flight) and
// deletes its directory; a broken one is deleted too. The directory is
// first renamed to a temporary name, so a crash never leaves half a
// collection behind. While a Drop runs, Get answers ErrNotFound and a
// Create of the same name waits for it.
func (k *Catalog) Drop(name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if k.opts.ReadOnly {
		return ErrReadOnly
	}
	unlock := k.lockName(name)
	k.mu.Lock()
	e, open := k.cols[name]
	delete(k.cols, name)
	delete(k.broken, name)
	k.dropping[name] = true
	k.mu.Unlock()
	defer func() {
		k.mu.Lock()
		delete(k.dropping, name)
		k.mu.Unlock()
	}()
	dir := filepath.Join(k.dir, name)
	if !open && !IsCollectionDir(dir) {
		unlock()
		return fmt.Errorf("%w: index %q", ErrNotFound, name)
	}
	if open {
		if err := e.c.Close(); err != nil {
			k.opts.Logger.Warn("closing index before delete", "index", name, "err", err)
		}
	}
	tomb, err := os.MkdirTemp(k.dir, filepath.Base(deletingDir(dir))+"-")
	if err == nil {
		err = os.Rename(dir, filepath.Join(tomb, name))
	}
	if err == nil {
		err = durable.SyncDir(k.dir)
	}
	unlock()
	if err != nil {
		return err
	}
	return os.RemoveAll(tomb)
}

// Changes are what a Rescan did.
type Changes struct {
	Opened, Reopened, Closed, Broken []string
}

// Rescan brings the catalog in line with the data directory: it opens
// collection directories that appeared (and retries broken ones), closes
// those whose directory is gone, and reopens those whose directory was
// replaced (a Build with Force).
func (k *Catalog) Rescan() (Changes, error) {
	var ch Changes
	entries, err := os.ReadDir(k.dir)
	if err != nil {
		return ch, fmt.Errorf("data directory: %w", err)
	}
	present := map[string]bool{}
	for _, de := range entries {
		name := de.Name()
		if !de.IsDir() || ValidName(name) != nil || !IsCollectionDir(filepath.Join(k.dir, name)) {
			continue
		}
		present[name] = true
		k.rescanOne(name, &ch)
	}
	for _, name := range append(k.Names(), keys(k.Broken())...) {
		if !present[name] {
			k.forget(name, &ch)
		}
	}
	return ch, nil
}

func keys(m map[string]error) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// rescanOne opens name when it is not open, or reopens it when its
// directory was replaced.
func (k *Catalog) rescanOne(name string, ch *Changes) {
	unlock := k.lockName(name)
	defer unlock()
	k.mu.RLock()
	e, open := k.cols[name]
	k.mu.RUnlock()
	if open {
		fi, err := os.Stat(filepath.Join(k.dir, name))
		if err != nil || os.SameFile(fi, e.fi) {
			return
		}
		k.mu.Lock()
		delete(k.cols, name)
		k.mu.Unlock()
		// Replaced by Build: the old collection was moved aside and left
		// for us to delete once we let go of it.
		old := e.c.location()
		if err := e.c.Close(); err != nil {
			k.opts.Logger.Warn("closing a replaced index", "index", name, "err", err)
		}
		if isReplaced(old) {
			os.RemoveAll(old)
		}
		ch.Reopened = append(ch.Reopened, name)
	}
	if _, err := k.openLocked(name); err != nil {
		ch.Broken = append(ch.Broken, name)
	} else if !open {
		ch.Opened = append(ch.Opened, name)
	}
}

// forget closes name, whose directory is gone.
func (k *Catalog) forget(name string, ch *Changes) {
	unlock := k.lockName(name)
	defer unlock()
	if IsCollectionDir(filepath.Join(k.dir, name)) {
		return // re-created meanwhile
	}
	k.mu.Lock()
	e, open := k.cols[name]
	delete(k.cols, name)
	delete(k.broken, name)
	k.mu.Unlock()
	if open {
		ch.Closed = append(ch.Closed, name)
		k.opts.Logger.Info("index directory is gone; closing the index", "index", name)
		// In the background: with its directory deleted, a store that
		// still has writes to flush retries for ever (Badger).
		go func() {
			if err := e.c.Close(); err != nil {
				k.opts.Logger.Warn("closing a removed index", "index", name, "err", err)
			}
		}()
	}
}

// Close closes every collection.
func (k *Catalog) Close() error {
	k.mu.Lock()
	cols := k.cols
	k.cols = map[string]*entry{}
	k.mu.Unlock()
	var errs []error
	for name, e := range cols {
		if err := e.c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("index %q: %w", name, err))
		}
	}
	return errors.Join(errs...)
}
