package index

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/dgraph-io/badger/v4"
	"github.com/sparrow-search/sparrow/index/segment"
)

// segWriter accumulates one new segment: vectors into the segment builder,
// ids, field values, and either new document records (Apply) or the keys
// of existing ones (compaction).
type segWriter struct {
	b      *segment.Builder
	dict   *termDict
	lens   []uint32       // document lengths in words
	words  map[int32]bool // word ids the segment's postings use
	ids    []string
	recs   []uint64 // record keys, when reusing records
	raws   [][]byte // encoded new records
	fields fieldIndex
	bare   *roaring.Bitmap // docs without title and fields (idList.bare)
	// idBytes is the length of all ids so far.
	idBytes int
}

func newSegWriter(opts segment.Options, dict *termDict) *segWriter {
	return &segWriter{b: segment.NewBuilder(opts), dict: dict, words: map[int32]bool{}, fields: fieldIndex{}, bare: roaring.New()}
}

func (w *segWriter) n() int { return len(w.ids) }

// maxSegIDBytes keeps a segment's concatenated ids addressable by the
// uint32 offsets of idList.
const maxSegIDBytes = 1 << 31

// full reports whether the segment must be cut before the next document.
func (w *segWriter) full(maxDocs int) bool {
	return w.n() >= maxDocs || w.idBytes+MaxIDBytes > maxSegIDBytes
}

// add appends a validated document. raw is its new encoded record, or nil
// when the document keeps its existing record rec.
func (w *segWriter) add(d *Document, rec uint64, raw []byte) (uint32, error) {
	v, err := w.dict.wordVector(d, false)
	if err != nil {
		return 0, err
	}
	for _, id := range v.IDs[len(d.Vector.IDs):] {
		w.words[id] = true
	}
	local := w.b.Add(v)
	w.lens = append(w.lens, d.Length)
	if int(local) != len(w.ids) {
		return 0, fmt.Errorf("segment builder returned doc %d, want %d", local, len(w.ids))
	}
	w.ids = append(w.ids, d.ID)
	w.idBytes += len(d.ID)
	if d.Title == "" && len(d.Fields) == 0 {
		w.bare.Add(local)
	}
	for k, v := range d.Fields {
		fk := fieldKey(k, v)
		bm := w.fields[fk]
		if bm == nil {
			bm = roaring.New()
			w.fields[fk] = bm
		}
		bm.Add(local)
	}
	if raw != nil {
		w.raws = append(w.raws, raw)
	} else {
		w.recs = append(w.recs, rec)
	}
	return local, nil
}

// built is a finished segment, serialised and ready to be written.
type built struct {
	st         *segState
	blob       []byte
	fieldsBlob []byte
	wordsBlob  []byte
	raws       [][]byte // new records (Apply)
}

// finish builds the segment. Segments of fewer than minBlob documents are
// stored without their blob (rebuilt from the records on Open): a blob has
// a fixed cost that would dominate small batches.
func (w *segWriter) finish(minBlob int) (*built, error) {
	if len(w.raws) > 0 && len(w.recs) > 0 {
		return nil, errors.New("segment mixes new and existing records")
	}
	seg, err := w.b.Build()
	if err != nil {
		return nil, err
	}
	var blob []byte
	if len(w.ids) >= minBlob {
		if blob, err = seg.MarshalBinary(); err != nil {
			return nil, err
		}
	}
	ids := newIDList(w.ids, w.recs)
	ids.bare = w.bare
	bt := &built{
		st:         &segState{seg: seg, ids: ids, fields: w.fields, words: newSegWords(w.lens)},
		blob:       blob,
		fieldsBlob: encodeFieldIndex(w.fields),
		wordsBlob:  w.wordsBlob(),
		raws:       w.raws,
	}
	bt.st.info = segInfo{NumDocs: uint32(len(w.ids)), BlobLen: uint64(len(blob)), FieldsLen: uint64(len(bt.fieldsBlob)),
		WordsLen: uint64(len(bt.wordsBlob))}
	return bt, nil
}

// assign gives the segment its id and returns its writes: chunks, id list
// and new document records (whose keys depend on the id).
func (bt *built) assign(id uint64, dst []kv) []kv {
	bt.st.info.ID = id
	if bt.raws != nil {
		bt.st.ids.recs = make([]uint64, len(bt.raws))
		for i, raw := range bt.raws {
			rec := recKey(id, uint32(i))
			bt.st.ids.recs[i] = rec
			dst = append(dst, kv{docKey(rec), raw})
		}
		bt.raws = nil
	}
	idsBlob := encodeIDList(bt.st.ids)
	bt.st.info.IDsLen = uint64(len(idsBlob))
	dst = appendChunks(dst, id, kindBlob, bt.blob)
	dst = appendChunks(dst, id, kindIDs, idsBlob)
	dst = appendChunks(dst, id, kindFields, bt.fieldsBlob)
	dst = appendChunks(dst, id, kindWords, bt.wordsBlob)
	return dst
}

// Apply commits the batch atomically: either every operation becomes
// visible or (on error) none does. It validates every document first and
// rejects the whole batch on the first problem, naming the document. When
// Apply returns nil the batch is fsynced (with SyncWrites) and visible to
// new snapshots. Within the batch the last operation on an id wins.
//
// The upserts become one new segment (several if more than MaxSegmentDocs);
// older versions of upserted and deleted ids are tombstoned. See Index for
// how batches too large for one Badger transaction stay atomic.
func (ix *Index) Apply(b *Batch) error {
	if b == nil || b.Len() == 0 {
		return nil
	}
	meta, err := validateMeta(b.meta)
	if err != nil {
		return err
	}
	last := make(map[string]int, len(b.ops))
	for i := range b.ops {
		o := &b.ops[i]
		if o.del {
			err = validateID(o.doc.ID)
		} else {
			err = validateDoc(&o.doc)
		}
		if err != nil {
			return fmt.Errorf("index: batch rejected, operation %d: %w", i, err)
		}
		last[o.doc.ID] = i
	}
	// Build segments outside the commit lock: only ids and tombstones
	// depend on the committed state.
	var touched []string
	var segs []*built
	var w *segWriter
	for i := range b.ops {
		o := &b.ops[i]
		if last[o.doc.ID] != i {
			continue
		}
		touched = append(touched, o.doc.ID)
		if o.del {
			continue
		}
		if w != nil && w.full(ix.opts.MaxSegmentDocs) {
			bt, err := w.finish(ix.opts.MinBlobDocs)
			if err != nil {
				return fmt.Errorf("index: building segment: %w", err)
			}
			segs = append(segs, bt)
			w = nil
		}
		if w == nil {
			w = newSegWriter(ix.opts.Segment, ix.dict)
		}
		if _, err := w.add(&o.doc, 0, encodeDoc(nil, &o.doc)); err != nil {
			return fmt.Errorf("index: document %q: %w", o.doc.ID, err)
		}
	}
	if w != nil {
		bt, err := w.finish(ix.opts.MinBlobDocs)
		if err != nil {
			return fmt.Errorf("index: building segment: %w", err)
		}
		segs = append(segs, bt)
	}

	return ix.groupCommit(&pending{segs: segs, touched: touched, meta: meta})
}

// pending is a validated, built batch waiting for its commit.
type pending struct {
	segs    []*built
	touched []string // ids upserted or deleted: their older versions get tombstones
	meta    []kv     // meta keys without prefix (empty value: delete)
	done    bool
	err     error
}

// groupCommit commits p, together with any batches queued meanwhile by
// concurrent Apply calls: one writer at a time leads, taking the whole
// queue into one transaction (one fsync) and waking the others; each batch
// stays all-or-nothing since the group is. Single writers see no change.
func (ix *Index) groupCommit(p *pending) error {
	ix.gcMu.Lock()
	ix.queue = append(ix.queue, p)
	for ix.leading && !p.done {
		ix.gcCond.Wait()
	}
	if p.done {
		ix.gcMu.Unlock()
		return p.err
	}
	ix.leading = true
	group := ix.queue
	ix.queue = nil
	ix.gcMu.Unlock()

	err := ix.commitGroup(group)

	ix.gcMu.Lock()
	for _, q := range group {
		q.done, q.err = true, err
	}
	ix.leading = false
	ix.groups++
	ix.gcCond.Broadcast()
	ix.gcMu.Unlock()
	return err
}

// commitGroup applies the batches in order to the committed state and
// commits the result: new segments' data, the touched tombstone sets and
// the manifest (see commit). The new snapshot is published only after the
// commit is durable.
func (ix *Index) commitGroup(group []*pending) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return ErrClosed
	}
	cur := ix.snap.Load()
	next := &Snapshot{ix: ix, segs: slices.Clone(cur.segs), tombs: slices.Clone(cur.tombs)}
	changed := map[int]bool{} // views whose tombstones this group cloned
	man := manifest{Generation: ix.man.Generation, Segments: slices.Clone(ix.man.Segments)}
	var staged []kv
	var newIDs []uint64
	for _, p := range group {
		// Look up before adding p's own segments, but after earlier
		// batches of the group: a later batch replaces their versions.
		for _, id := range p.touched {
			v, doc, ok := next.Lookup(id)
			if !ok {
				continue
			}
			if !changed[v] {
				if next.tombs[v] != nil {
					next.tombs[v] = next.tombs[v].Clone()
				} else {
					next.tombs[v] = roaring.New()
				}
				changed[v] = true
			}
			next.tombs[v].Add(doc)
		}
		for _, bt := range p.segs {
			if ix.nextSeg > maxSegID {
				return errors.New("index: segment ids exhausted")
			}
			staged = bt.assign(ix.nextSeg, staged)
			newIDs = append(newIDs, ix.nextSeg)
			ix.nextSeg++
			man.Segments = append(man.Segments, bt.st.info)
			next.segs = append(next.segs, bt.st)
			next.tombs = append(next.tombs, nil)
		}
		man.Generation++
	}
	man.NextSegID = ix.nextSeg
	var final []kv
	for v := range changed {
		enc := encodeTombstones(next.tombs[v])
		man.Segments[v].Deleted = uint32(next.tombs[v].GetCardinality())
		man.Segments[v].TombCRC = trailerCRC(enc)
		final = append(final, kv{tombKey(next.segs[v].info.ID), enc})
	}
	// Meta keys in batch order; a later batch's value for a key wins.
	man.Meta = maps.Clone(ix.man.Meta)
	for _, p := range group {
		for _, m := range p.meta {
			if len(m.v) == 0 {
				delete(man.Meta, string(m.k))
				continue
			}
			if man.Meta == nil {
				man.Meta = map[string]string{}
			}
			man.Meta[string(m.k)] = string(m.v)
		}
	}
	if metaBytes(man.Meta) > maxMetaBytes {
		return fmt.Errorf("index: meta keys and values exceed %d bytes", maxMetaBytes)
	}
	for _, k := range ix.legacyMeta { // format 1 kept meta under its own keys
		final = append(final, kv{metaKey(k), nil})
	}
	final = append(final, kv{manifestKey, encodeManifest(&man)})
	if err := ix.commit(staged, final); err != nil {
		for _, id := range newIDs { // best effort; not referenced by any manifest
			_ = ix.deletePrefix(segPrefix(id))
			_ = ix.deletePrefix(docOriginPrefix(id))
		}
		return fmt.Errorf("index: commit: %w", err)
	}
	ix.man, ix.legacyMeta = man, nil
	ix.markCommitted(man.Generation)
	next.gen, next.next = man.Generation, man.NextSegID
	next.finishFrom(cur)
	ix.snap.Store(next)
	ix.kick()
	return nil
}

// validateMeta checks Batch.SetMeta keys.
func validateMeta(meta []kv) ([]kv, error) {
	n := 0
	for _, m := range meta {
		if len(m.k) == 0 {
			return nil, errors.New("index: batch rejected: empty meta key")
		}
		if !utf8.Valid(m.k) || !utf8.Valid(m.v) {
			return nil, fmt.Errorf("index: batch rejected: meta key %q or its value is not UTF-8", m.k)
		}
		n += len(m.k) + len(m.v)
	}
	if n > maxMetaBytes {
		return nil, fmt.Errorf("index: batch rejected: meta keys and values exceed %d bytes", maxMetaBytes)
	}
	return meta, nil
}

func metaBytes(m map[string]string) int {
	n := 0
	for k, v := range m {
		n += len(k) + len(v)
	}
	return n
}

// commit writes staged (invisible segment data) and final (tombstones and
// the manifest: the commit point). Normally both go in one transaction. If
// that is too big for Badger, staged goes first through a WriteBatch (any
// number of transactions; unreferenced until the manifest names it) and
// final in one transaction after it.
func (ix *Index) commit(staged, final []kv) error {
	n := kvBytes(staged) + kvBytes(final)
	fits := true
	err := ix.write(n, "commit", func(db *badger.DB) error {
		txn := db.NewTransaction(true)
		defer txn.Discard()
		for _, set := range [][]kv{staged, final} {
			for _, e := range set {
				if err := setOrDelete(txn, e); err != nil {
					if errors.Is(err, badger.ErrTxnTooBig) {
						fits = false
					}
					return err
				}
			}
		}
		return txn.Commit()
	})
	if fits {
		return err
	}
	ix.stagedCommits.Add(1)
	if err := ix.writeStaged(staged); err != nil {
		return err
	}
	return ix.write(kvBytes(final), "commit", func(db *badger.DB) error {
		txn := db.NewTransaction(true)
		defer txn.Discard()
		for _, e := range final {
			if err := setOrDelete(txn, e); err != nil {
				return fmt.Errorf("commit record too large for one transaction: %w", err)
			}
		}
		return txn.Commit()
	})
}

func kvBytes(kvs []kv) int64 {
	var n int64
	for _, e := range kvs {
		n += int64(len(e.k)+len(e.v)) + entryOverhead
	}
	return n
}

// setOrDelete writes e; an empty value (only meta keys have them) deletes.
func setOrDelete(txn *badger.Txn, e kv) error {
	if len(e.v) == 0 {
		return txn.Delete(e.k)
	}
	return txn.Set(e.k, e.v)
}

func (ix *Index) writeStaged(staged []kv) error {
	return ix.write(kvBytes(staged), "write segment", func(db *badger.DB) error {
		wb := db.NewWriteBatch()
		defer wb.Cancel()
		for _, e := range staged {
			if err := wb.Set(e.k, e.v); err != nil {
				return err
			}
		}
		return wb.Flush()
	})
}
