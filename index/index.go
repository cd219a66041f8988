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
	db   *badger.DB
	opts Options

	gcMu    sync.Mutex // group commit: queue of batches, one leader at a time
	gcCond  *sync.Cond
	queue   []*pending
	leading bool
	groups  int // group commits so far (tests)

	mu      sync.Mutex // serialises commits (Apply, compaction switch, SetMeta)
	man     manifest   // last committed manifest (guarded by mu)
	nextSeg uint64     // next segment id to hand out (guarded by mu)
	closed  bool       // guarded by mu

	snap atomic.Pointer[Snapshot]

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
}

// Open opens (creating if needed) the index in dir. With opts.InMemory, dir
// is ignored.
func Open(dir string, opts Options) (*Index, error) {
	opts = opts.withDefaults()
	if !opts.InMemory {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		if err := removeEmptyLogs(dir, opts.Logger); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
	}
	db, err := badger.Open(opts.badger(dir))
	if err != nil {
		return nil, fmt.Errorf("index: open %s: %w", dir, err)
	}
	ix := &Index{db: db, opts: opts, trigger: make(chan struct{}, 1), stop: make(chan struct{})}
	ix.gcCond = sync.NewCond(&ix.gcMu)
	if err := ix.load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("index: open %s: %w", dir, err)
	}
	if !opts.DisableAutoCompaction {
		ix.bg.Add(1)
		go ix.compactLoop()
		ix.kick()
	}
	return ix, nil
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

// load reads the manifest, drops unreferenced segment keys (leftovers of a
// crash or of a finished compaction) and loads every live segment.
func (ix *Index) load() error {
	man := manifest{NextSegID: 1}
	err := ix.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(manifestKey)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
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
			return err
		}
		man = *m
		return nil
	})
	if err != nil {
		return err
	}
	ix.man, ix.nextSeg = man, man.NextSegID
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
	snap := &Snapshot{ix: ix, gen: man.Generation}
	for _, info := range man.Segments {
		st, tomb, err := ix.loadSegment(info)
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

// dropSegments deletes all keys of the segments for which drop returns true.
func (ix *Index) dropSegments(drop func(id uint64) bool) error {
	var ranges [][]byte
	err := ix.db.View(func(txn *badger.Txn) error {
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
	})
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
	err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte{prefixDrop}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			l, err := decodeRecList(v)
			if err != nil {
				return fmt.Errorf("key %x: %w", it.Item().Key(), err)
			}
			recs = append(recs, l...)
			lists = append(lists, it.Item().KeyCopy(nil))
		}
		return nil
	})
	if err != nil {
		return err
	}
	wb := ix.db.NewWriteBatch()
	defer wb.Cancel()
	for _, rec := range recs {
		if err := wb.Delete(docKey(rec)); err != nil {
			return err
		}
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	for _, k := range lists {
		if err := ix.db.Update(func(txn *badger.Txn) error { return txn.Delete(k) }); err != nil {
			return err
		}
	}
	if nextSeg <= maxSegID {
		var stale [][]byte
		err := ix.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: []byte{prefixDoc}})
			defer it.Close()
			for it.Seek(docOriginPrefix(nextSeg)); it.Valid(); it.Next() {
				stale = append(stale, it.Item().KeyCopy(nil))
			}
			return nil
		})
		if err != nil {
			return err
		}
		wb := ix.db.NewWriteBatch()
		defer wb.Cancel()
		for _, k := range stale {
			if err := wb.Delete(k); err != nil {
				return err
			}
		}
		return wb.Flush()
	}
	return nil
}

// deletePrefix removes every key with prefix p. Not atomic; only used on
// keys no manifest references.
func (ix *Index) deletePrefix(p []byte) error {
	wb := ix.db.NewWriteBatch()
	defer wb.Cancel()
	err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: p})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := wb.Delete(it.Item().KeyCopy(nil)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return wb.Flush()
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

func (ix *Index) loadSegment(info segInfo) (*segState, *roaring.Bitmap, error) {
	st := &segState{info: info}
	var tomb *roaring.Bitmap
	err := ix.db.View(func(txn *badger.Txn) error {
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
		if info.BlobLen == 0 {
			st.seg, err = ix.rebuildSegment(txn, st.ids)
		} else {
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
		if raw, err = readChunks(txn, info.ID, kindFields, info.FieldsLen); err != nil {
			return err
		}
		if st.fields, err = decodeFieldIndex(raw, info.NumDocs); err != nil {
			return err
		}
		item, err := txn.Get(tombKey(info.ID))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			t, err := decodeTombstones(v, info.NumDocs)
			if err != nil {
				return err
			}
			if !t.IsEmpty() {
				tomb = t
			}
			return nil
		})
	})
	return st, tomb, err
}

// rebuildSegment builds a segment stored without its blob (fewer than
// Options.MinBlobDocs documents) from its documents' records.
func (ix *Index) rebuildSegment(txn *badger.Txn, ids *idList) (*segment.Segment, error) {
	b := segment.NewBuilder(ix.opts.Segment)
	for i, rec := range ids.recs {
		item, err := txn.Get(docKey(rec))
		if err != nil {
			return nil, fmt.Errorf("doc %d: record: %w", i, err)
		}
		var d Document
		if err := item.Value(func(v []byte) (err error) { d, err = decodeDoc(v); return err }); err != nil {
			return nil, fmt.Errorf("doc %d: %w", i, err)
		}
		if d.ID != ids.id(uint32(i)) {
			return nil, fmt.Errorf("doc %d: record holds %q, id list %q", i, d.ID, ids.id(uint32(i)))
		}
		b.Add(d.Vector)
	}
	return b.Build()
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

// Meta returns the value stored under key, or "" when there is none.
func (ix *Index) Meta(key string) (string, error) {
	var out string
	err := ix.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(metaKey(key))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		out = string(v)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("index: meta %q: %w", key, err)
	}
	return out, nil
}

// SetMeta stores a small key/value (durably, like Apply). An empty value
// deletes the key.
func (ix *Index) SetMeta(key, value string) error {
	if key == "" {
		return errors.New("index: empty meta key")
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return ErrClosed
	}
	err := ix.db.Update(func(txn *badger.Txn) error {
		if value == "" {
			return txn.Delete(metaKey(key))
		}
		return txn.Set(metaKey(key), []byte(value))
	})
	if err != nil {
		return fmt.Errorf("index: set meta %q: %w", key, err)
	}
	return nil
}

// Stats describes the index.
type Stats struct {
	Generation   uint64 // commits so far (batches and compactions)
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
		lsm, vlog := ix.db.Size()
		st.DiskBytes = lsm + vlog
	}
	return st
}

// Close stops background compaction and closes the store. Snapshots taken
// before must not be used for Document/Get afterwards (searching their
// in-memory segments still works).
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
	ix.purge(true)
	return ix.db.Close()
}
