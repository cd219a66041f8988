package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/dgraph-io/badger/v4"
	"github.com/sparrow-search/sparrow/index/segment"
)

// ErrClosed is returned by operations on a closed Index.
var ErrClosed = errors.New("index: closed")

// Index is a durable, LSM-like sparse index: each committed batch becomes an
// immutable segment; deletes and replaced versions are tombstones; a
// background merger compacts small segments. It is safe for concurrent use.
//
// Atomicity: a batch becomes visible only through the manifest key, which is
// rewritten together with the touched tombstone sets in one Badger
// transaction. Everything else a batch writes lives under a fresh segment id
// that no manifest names yet. Normally all of it goes in that same single
// transaction; a batch too large for one Badger transaction has its segment
// data written first in as many transactions as needed (invisible, since no
// manifest names the segment) and then the manifest+tombstone transaction.
// A crash in between leaves only unreferenced keys, deleted on the next Open.
type Index struct {
	dir  string
	opts Options

	// dbMu is held shared by every use of db and exclusively only to swap
	// it (reopening read-write once space returns, and Close).
	dbMu sync.RWMutex
	db   *badger.DB // nil once closed

	space    *spaceGuard // nil in memory
	mark     *commitMark // nil in memory or without SyncWrites
	readOnly atomic.Bool
	// roCause is why a read-only index is read-only (ErrReadOnly, or a
	// no-space error while it waits for space to switch back).
	roCause atomic.Pointer[error]
	// fault is a sticky write fault (ErrIO): writes are refused until the
	// index is reopened.
	fault atomic.Pointer[error]

	gcMu    sync.Mutex // group commit: queue of batches, one leader at a time
	gcCond  *sync.Cond
	queue   []*pending
	leading bool
	groups  int // group commits so far (tests)

	mu      sync.Mutex // serialises commits (Apply, compaction switch, SetMeta)
	man     manifest   // last committed manifest (guarded by mu)
	nextSeg uint64     // next segment id to hand out (guarded by mu)
	closed  bool       // guarded by mu
	// legacyMeta lists meta keys of a format-1 store, moved into the
	// manifest by the next commit (guarded by mu).
	legacyMeta []string

	snap atomic.Pointer[Snapshot]
	// dict is the term dictionary of word terms (terms.go).
	dict *termDict

	stagedCommits atomic.Int64 // batches that took the multi-transaction path (tests)
	merges        atomic.Int64 // committed merges (tests)

	compactMu sync.Mutex // one compaction at a time
	retired   []retired  // guarded by compactMu
	trigger   chan struct{}
	stop      chan struct{}
	bg        sync.WaitGroup
}

// segState is a loaded segment: immutable once published.
type segState struct {
	info   segInfo
	seg    *segment.Segment
	ids    *idList
	fields fieldIndex
	words  segWords
	// del caches the deleted documents' share of the statistics for the
	// latest tombstone set seen (Snapshot.termStats).
	del atomic.Pointer[deleted]
}

// Open opens (creating if needed) the index in dir. With opts.InMemory, dir
// is ignored.
//
// On a disk too full to open the store for writing (see
// Options.MinFreeBytes), Open opens it read-only instead of failing: reads
// work, writes return an error matching ErrReadOnly and ErrNoSpace, and the
// index switches to read-write by itself once space returns. Damaged
// records it needs (the manifest, a segment, the records of a small
// segment) make Open fail with an error matching ErrCorrupt that names
// them; Verify lists every problem.
func Open(dir string, opts Options) (*Index, error) {
	opts = opts.withDefaults()
	ix := &Index{dir: dir, opts: opts, trigger: make(chan struct{}, 1), stop: make(chan struct{}), dict: newTermDict()}
	ix.gcCond = sync.NewCond(&ix.gcMu)
	readOnly := opts.ReadOnly
	var roCause error
	if !opts.InMemory {
		if !readOnly {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("index: %w", classify("create "+dir, err))
			}
			if err := removeEmptyLogs(dir, opts.Logger); err != nil {
				return nil, fmt.Errorf("index: %w", err)
			}
		}
		ix.space = newSpaceGuard(dir, opts, opts.badger(dir, false))
		if !readOnly {
			if err := checkLogs(dir); err != nil {
				opts.Logger.Errorf("index: opening %s read-only: %v", dir, err)
				readOnly, roCause = true, err
			}
		}
		if !readOnly {
			if err := ix.space.canOpen(0); err != nil {
				opts.Logger.Warningf("index: opening %s read-only: %v", dir, err)
				readOnly, roCause = true, err
			}
		}
		if opts.SyncWrites && !readOnly {
			ix.mark = &commitMark{path: filepath.Join(dir, commitMarkFile)}
		}
	}
	db, err := openBadger(dir, opts, readOnly)
	if err != nil {
		if roCause != nil {
			return nil, fmt.Errorf("index: open %s: %w; read-only: %v", dir, roCause, err)
		}
		return nil, fmt.Errorf("index: open %s: %w", dir, err)
	}
	ix.db = db
	if readOnly {
		ix.setReadOnly(roCause)
	}
	if err := ix.load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("index: open %s: %w", dir, err)
	}
	switch {
	case errors.Is(roCause, ErrNoSpace):
		ix.bg.Add(1)
		go ix.waitForSpace()
	case !readOnly && !opts.DisableAutoCompaction:
		ix.startCompaction()
	}
	return ix, nil
}

// openBadger opens the store, turning a panic of Badger's (on damaged
// files) into an error.
func openBadger(dir string, opts Options, readOnly bool) (db *badger.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, corrupt("badger files", fmt.Errorf("storage library panicked while opening: %v", r))
		}
	}()
	bo := opts.badger(dir, readOnly)
	if !opts.InMemory {
		if err := checkTables(dir, bo); err != nil {
			return nil, err
		}
	}
	db, err = badger.Open(bo)
	if err != nil {
		if errors.Is(err, badger.ErrTruncateNeeded) || strings.Contains(err.Error(), badger.ErrTruncateNeeded.Error()) {
			return nil, &faultError{kind: ErrReadOnly, msg: "the store was not closed cleanly and its log needs recovery, which writes; open it read-write once", err: err}
		}
		return nil, classify("open", err)
	}
	return db, nil
}

func (ix *Index) startCompaction() {
	ix.bg.Add(1)
	go ix.compactLoop()
	ix.kick()
}

// removeEmptyLogs deletes zero-length Badger memtable/value-log files. A
// crash between creating such a file and sizing it leaves it empty (it never
// held data), and Badger then refuses to open with z.NewFile ("Create a new
// file"; dgraph-io/badger#2207). Our crash test hits this.
func removeEmptyLogs(dir string, log badger.Logger) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".mem") && !strings.HasSuffix(name, ".vlog") {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
			log.Warningf("removing empty %s left by a crash", name)
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// load reads the manifest, checks it against the commit mark, drops
// unreferenced segment keys (leftovers of a crash or of a finished
// compaction; not when read-only) and loads every live segment.
func (ix *Index) load() error {
	man := manifest{NextSegID: 1}
	err := ix.view(func(txn *badger.Txn) error {
		item, err := txn.Get(manifestKey)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return checkEmpty(txn)
		}
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		m, err := decodeManifest(v)
		if err != nil {
			return corrupt("manifest", err)
		}
		man = *m
		return nil
	}, func() string { return "manifest" })
	if err != nil {
		return err
	}
	if !ix.opts.InMemory {
		if err := checkCommitMark(ix.dir, &man); err != nil {
			return err
		}
	}
	if man.legacy {
		if man.Meta, ix.legacyMeta, err = ix.readLegacyMeta(); err != nil {
			return err
		}
	}
	ix.man, ix.nextSeg = man, man.NextSegID
	if !ix.readOnly.Load() {
		live := map[uint64]bool{}
		for _, s := range man.Segments {
			live[s.ID] = true
		}
		if err := ix.dropSegments(func(id uint64) bool { return !live[id] }); err != nil {
			return fmt.Errorf("removing unreferenced segments: %w", err)
		}
		if err := ix.dropRecords(man.NextSegID); err != nil {
			return fmt.Errorf("removing unreferenced documents: %w", err)
		}
	}
	snap := &Snapshot{ix: ix, gen: man.Generation, next: man.NextSegID}
	for _, info := range man.Segments {
		st, tomb, err := ix.loadSegment(info, man.legacy)
		if err != nil {
			return fmt.Errorf("segment %d: %w", info.ID, err)
		}
		snap.segs = append(snap.segs, st)
		snap.tombs = append(snap.tombs, tomb)
	}
	snap.finish()
	ix.snap.Store(snap)
	return nil
}

// checkEmpty is called when there is no manifest: then there must be no
// committed segment either (a damaged table block reads as a missing key).
func checkEmpty(txn *badger.Txn) error {
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if k := it.Item().Key(); len(k) > 0 && k[0] != prefixDoc && k[0] != prefixSeg && k[0] != prefixMeta {
			return corrupt("manifest", fmt.Errorf("missing, but the store holds key %x", k))
		}
	}
	return nil
}

// readLegacyMeta reads the meta keys of a format-1 store.
func (ix *Index) readLegacyMeta() (map[string]string, []string, error) {
	meta := map[string]string{}
	var keys []string
	err := ix.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte{prefixMeta}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			k := string(it.Item().Key()[1:])
			if k != "" && len(v) > 0 {
				meta[k] = string(v)
			}
			keys = append(keys, k)
		}
		return nil
	}, func() string { return "meta keys" })
	return meta, keys, err
}

// dropSegments deletes all keys of the segments for which drop returns true.
func (ix *Index) dropSegments(drop func(id uint64) bool) error {
	var ranges [][]byte
	err := ix.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: []byte{prefixSeg}})
		defer it.Close()
		for it.Rewind(); it.Valid(); {
			k := it.Item().Key()
			if len(k) < 9 {
				it.Next()
				continue
			}
			id := binary.BigEndian.Uint64(k[1:9])
			if drop(id) {
				ranges = append(ranges, segPrefix(id))
			}
			if id == ^uint64(0) {
				break
			}
			it.Seek(segPrefix(id + 1))
		}
		return nil
	}, func() string { return "segment keys" })
	if err != nil {
		return err
	}
	for _, p := range ranges {
		if err := ix.deletePrefix(p); err != nil {
			return err
		}
	}
	return nil
}

// dropRecords deletes document records that no segment can reference:
// those a merge dropped (listed under "X") and those of batches that never
// committed (origin segment id >= the manifest's next id).
func (ix *Index) dropRecords(nextSeg uint64) error {
	var lists [][]byte
	var recs []uint64
	err := ix.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte{prefixDrop}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			l, err := decodeRecList(v)
			if err != nil {
				return corrupt(fmt.Sprintf("drop list %x", it.Item().Key()), err)
			}
			recs = append(recs, l...)
			lists = append(lists, it.Item().KeyCopy(nil))
		}
		if nextSeg > maxSegID {
			return nil
		}
		it2 := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: []byte{prefixDoc}})
		defer it2.Close()
		for it2.Seek(docOriginPrefix(nextSeg)); it2.Valid(); it2.Next() {
			if k := it2.Item().Key(); len(k) == 9 {
				recs = append(recs, binary.BigEndian.Uint64(k[1:]))
			}
		}
		return nil
	}, func() string { return "unreferenced records" })
	if err != nil {
		return err
	}
	keys := make([][]byte, 0, len(recs))
	for _, rec := range recs {
		keys = append(keys, docKey(rec))
	}
	if err := ix.deleteKeys(keys); err != nil {
		return err
	}
	// The lists go last: if we crash before, the next Open deletes the rest.
	return ix.deleteKeys(lists)
}

// deletePrefix removes every key with prefix p. Not atomic; only used on
// keys no manifest references.
func (ix *Index) deletePrefix(p []byte) error {
	var keys [][]byte
	err := ix.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: p})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		return nil
	}, func() string { return fmt.Sprintf("keys %x", p) })
	if err != nil {
		return err
	}
	return ix.deleteKeys(keys)
}

// deleteKeys deletes keys in order, in as many transactions as needed (not
// atomic: only for keys no manifest references).
func (ix *Index) deleteKeys(keys [][]byte) error {
	if len(keys) == 0 {
		return nil
	}
	var n int64
	for _, k := range keys {
		n += int64(len(k)) + entryOverhead
	}
	return ix.write(n, "delete", func(db *badger.DB) error {
		wb := db.NewWriteBatch()
		defer wb.Cancel()
		for _, k := range keys {
			if err := wb.Delete(k); err != nil {
				return err
			}
		}
		return wb.Flush()
	})
}

// readChunks reassembles a chunked blob of the given length.
func readChunks(txn *badger.Txn, seg uint64, kind byte, length uint64) ([]byte, error) {
	buf := make([]byte, 0, length)
	p := append(segPrefix(seg), kind)
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 4, Prefix: p})
	defer it.Close()
	n := uint32(0)
	for it.Rewind(); it.Valid(); it.Next() {
		k := it.Item().Key()
		if len(k) != 14 || binary.BigEndian.Uint32(k[10:]) != n {
			return nil, fmt.Errorf("chunk %q: missing chunk %d", kind, n)
		}
		n++
		var err error
		if err = it.Item().Value(func(v []byte) error {
			if uint64(len(buf)+len(v)) > length {
				return fmt.Errorf("chunks %q longer than %d bytes", kind, length)
			}
			buf = append(buf, v...)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	if uint64(len(buf)) != length {
		return nil, fmt.Errorf("chunks %q: %d bytes, manifest says %d", kind, len(buf), length)
	}
	return buf, nil
}

// loadSegment reads a live segment: its id list, its postings (decoded from
// the blob or rebuilt from the records), its field index and its
// tombstones, checked against the manifest's digest unless legacy. Any
// damage is an error matching ErrCorrupt.
func (ix *Index) loadSegment(info segInfo, legacy bool) (*segState, *roaring.Bitmap, error) {
	st := &segState{info: info}
	var tomb *roaring.Bitmap
	part := "id list"
	err := ix.view(func(txn *badger.Txn) error {
		raw, err := readChunks(txn, info.ID, kindIDs, info.IDsLen)
		if err != nil {
			return err
		}
		if st.ids, err = decodeIDList(raw); err != nil {
			return err
		}
		if st.ids.len() != int(info.NumDocs) {
			return fmt.Errorf("id list has %d ids, manifest says %d docs", st.ids.len(), info.NumDocs)
		}
		// the words blob first: rebuilding from records maps word texts
		// to the ids this segment's postings used
		part = "words"
		if st.words, err = ix.loadWords(txn, info); err != nil {
			return err
		}
		if info.BlobLen == 0 {
			part = "records"
			st.seg, err = ix.rebuildSegment(txn, st.ids)
		} else {
			part = "blob"
			var blob []byte
			if blob, err = readChunks(txn, info.ID, kindBlob, info.BlobLen); err == nil {
				st.seg, err = segment.Decode(blob)
			}
		}
		if err != nil {
			return err
		}
		if st.seg.NumDocs() != int(info.NumDocs) {
			return fmt.Errorf("segment has %d docs, manifest says %d", st.seg.NumDocs(), info.NumDocs)
		}
		part = "field index"
		if raw, err = readChunks(txn, info.ID, kindFields, info.FieldsLen); err != nil {
			return err
		}
		if st.fields, err = decodeFieldIndex(raw, info.NumDocs); err != nil {
			return err
		}
		part = "tombstones"
		tomb, err = readTombstones(txn, info, legacy)
		return err
	}, func() string { return fmt.Sprintf("segment %d %s", info.ID, part) })
	if err != nil && !errors.Is(err, ErrCorrupt) {
		err = corrupt(fmt.Sprintf("segment %d %s", info.ID, part), err)
	}
	return st, tomb, err
}

// readTombstones reads a segment's tombstone set (nil when empty) and, for
// a format-2 manifest, checks that it is the one the manifest names.
func readTombstones(txn *badger.Txn, info segInfo, legacy bool) (*roaring.Bitmap, error) {
	item, err := txn.Get(tombKey(info.ID))
	if errors.Is(err, badger.ErrKeyNotFound) {
		if !legacy && (info.Deleted != 0 || info.TombCRC != 0) {
			return nil, fmt.Errorf("missing: the manifest says %d deleted", info.Deleted)
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var tomb *roaring.Bitmap
	err = item.Value(func(v []byte) error {
		t, err := decodeTombstones(v, info.NumDocs)
		if err != nil {
			return err
		}
		if !legacy && (trailerCRC(v) != info.TombCRC || t.GetCardinality() != uint64(info.Deleted)) {
			return fmt.Errorf("stale: %d deleted, the manifest says %d (checksum %08x, want %08x)",
				t.GetCardinality(), info.Deleted, trailerCRC(v), info.TombCRC)
		}
		if !t.IsEmpty() {
			tomb = t
		}
		return nil
	})
	return tomb, err
}

// rebuildSegment builds a segment stored without its blob (fewer than
// Options.MinBlobDocs documents) from its documents' records. A damaged
// record fails the load: skipping it would change scores silently.
func (ix *Index) rebuildSegment(txn *badger.Txn, ids *idList) (*segment.Segment, error) {
	b := segment.NewBuilder(ix.opts.Segment)
	for i, rec := range ids.recs {
		d, err := readDoc(txn, rec, ids.id(uint32(i)))
		if err != nil {
			return nil, err
		}
		v, err := ix.dict.wordVector(&d, true)
		if err != nil {
			return nil, err
		}
		b.Add(v)
	}
	return b.Build()
}

// readDoc reads and checks the record rec of the document with external id
// id; errors name the record.
func readDoc(txn *badger.Txn, rec uint64, id string) (Document, error) {
	what := func() string { return fmt.Sprintf("document %q (record %d/%d)", id, rec>>32, uint32(rec)) }
	item, err := txn.Get(docKey(rec))
	if err != nil {
		if errors.Is(err, badger.ErrKeyNotFound) {
			return Document{}, corrupt(what(), errors.New("record missing"))
		}
		return Document{}, classify(what(), err)
	}
	var d Document
	if err := item.Value(func(v []byte) (err error) {
		if len(v) == 0 { // Badger's Item.Value hides failed value-log reads this way
			return errors.New("value unreadable (its value-log entry failed Badger's checksum or is gone)")
		}
		d, err = decodeDoc(v)
		return err
	}); err != nil {
		return Document{}, corrupt(what(), classify("read", err))
	}
	if d.ID != id {
		return Document{}, corrupt(what(), fmt.Errorf("record holds %q", d.ID))
	}
	return d, nil
}

// Snapshot returns the current immutable view. It is cheap (an atomic load)
// and never blocks; hold it as long as needed.
func (ix *Index) Snapshot() *Snapshot { return ix.snap.Load() }

// Get returns the current version of a document.
func (ix *Index) Get(id string) (Document, bool, error) {
	s := ix.Snapshot()
	v, doc, ok := s.Lookup(id)
	if !ok {
		return Document{}, false, nil
	}
	d, err := s.Document(v, doc)
	return d, err == nil, err
}

// maxMetaBytes bounds the meta keys and values together: they live in the
// manifest, which every commit rewrites.
const maxMetaBytes = 64 << 10

// Meta returns the value stored under key, or "" when there is none.
func (ix *Index) Meta(key string) (string, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.man.Meta[key], nil
}

// SetMeta stores a small key/value (durably, like Apply; it is a commit of
// its own). An empty value deletes the key. Keys and values together are
// limited to 64 KiB.
func (ix *Index) SetMeta(key, value string) error {
	if key == "" {
		return errors.New("index: empty meta key")
	}
	var b Batch
	b.SetMeta(key, value)
	return ix.Apply(&b)
}

// Stats describes the index.
type Stats struct {
	Generation   uint64 // commits so far (batches, meta updates and compactions)
	Segments     int
	Docs         int   // live (searchable) documents
	Deleted      int   // tombstoned documents not yet compacted away
	Postings     int64 // postings in all segments, deleted docs included
	SegmentBytes int64 // stored segment blobs (small segments store none)
	DiskBytes    int64 // Badger LSM + value log files (0 in memory)
}

// Stats reports the current snapshot's sizes.
func (ix *Index) Stats() Stats {
	s := ix.Snapshot()
	st := Stats{Generation: s.gen, Segments: len(s.segs), Docs: s.live}
	for i, seg := range s.segs {
		st.Postings += seg.seg.NumPostings()
		st.SegmentBytes += int64(seg.info.BlobLen)
		if s.tombs[i] != nil {
			st.Deleted += int(s.tombs[i].GetCardinality())
		}
	}
	if !ix.opts.InMemory {
		ix.dbMu.RLock()
		if ix.db != nil {
			lsm, vlog := ix.db.Size()
			st.DiskBytes = lsm + vlog
		}
		ix.dbMu.RUnlock()
	}
	return st
}

// Close stops background compaction and closes the store. Snapshots taken
// before must not be used for Document/Get afterwards (searching their
// in-memory segments still works; reading documents returns ErrClosed).
//
// Badger flushes its memtable when it closes. When the disk no longer has
// room for that flush (something else filled it), Close leaves the store as
// a crash would, rather than let Badger die of SIGBUS: every acknowledged
// commit is in its write-ahead log, and the next Open replays it.
func (ix *Index) Close() error {
	ix.mu.Lock()
	if ix.closed {
		ix.mu.Unlock()
		return nil
	}
	ix.closed = true
	ix.mu.Unlock()
	close(ix.stop)
	ix.bg.Wait()
	ix.compactMu.Lock()
	defer ix.compactMu.Unlock()
	// Retired segments are unreachable through the index now; delete them
	// (a crash here just leaves them to the next Open's cleanup).
	if ix.writeGate(0) == nil {
		ix.purge(true)
	}
	ix.dbMu.Lock()
	defer ix.dbMu.Unlock()
	db := ix.db
	ix.db = nil
	markErr := ix.mark.close()
	if !ix.readOnly.Load() && ix.space != nil {
		if err := ix.space.canOpen(0); err != nil {
			ix.opts.Logger.Errorf("index: %s: not closing Badger, its memtable flush could not be written: %v", ix.dir, err)
			return err
		}
	}
	return errors.Join(classify("close", db.Close()), markErr)
}
