package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/dgraph-io/badger/v4"
	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// Problem is one piece of damage Verify found.
type Problem struct {
	Where string // the record or structure, e.g. `document "x" (record 3/5)`
	Err   error  // matches ErrCorrupt or ErrIO
}

func (p Problem) String() string { return p.Where + ": " + p.Err.Error() }

// Report is what Verify found.
type Report struct {
	Generation uint64 // of the manifest
	Segments   int    // live segments
	Docs       int    // live documents
	Records    int    // document records read and checked
	Keys       int    // keys walked (values read and checksummed)
	// Problems lists damage: each entry is something a read could fail on.
	Problems []Problem
	// Notes lists what is not damage: records written before checksums
	// existed, and garbage a crash or compaction left (removed by the next
	// read-write Open).
	Notes []string
}

// OK reports whether Verify found no damage.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// maxProblems caps the problems listed per kind of damage, so a wrecked
// store does not produce a report as large as itself.
const maxProblems = 1000

func (r *Report) problem(where string, err error) {
	if len(r.Problems) == maxProblems {
		r.Problems = append(r.Problems, Problem{"...", errors.New("more problems not listed")})
	}
	if len(r.Problems) > maxProblems {
		return
	}
	if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrIO) {
		err = corrupt(where, err)
	}
	r.Problems = append(r.Problems, Problem{Where: where, Err: err})
}

// Verify checks the store in dir without changing it (it opens it
// read-only; a store that was not closed cleanly is opened read-write
// once, which only replays Badger's log, as any Open would): Badger's table
// checksums; the manifest and the commit mark; every live segment's id
// list, blob, field index and tombstones; every document record (checksum,
// id, and its term ids against the segment's postings); every other key
// and value (value-log checksums), listing garbage as notes. It reports
// every problem it finds rather than stopping at the first. The error is
// for failures to run at all (the store is in use, or its files cannot be
// opened: then the report still says why).
func Verify(dir string, opts Options) (*Report, error) {
	opts = opts.withDefaults()
	rep := &Report{}
	db, err := openBadger(dir, opts, true)
	if errors.Is(err, ErrReadOnly) {
		rep.Notes = append(rep.Notes, "the store was not closed cleanly: opened read-write to replay its log")
		err = checkLogs(dir)
		if err == nil {
			err = newSpaceGuard(dir, opts, opts.badger(dir, false)).canOpen(0)
		}
		if err == nil {
			db, err = openBadger(dir, opts, false)
		}
	}
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return rep, fmt.Errorf("index: %s is in use by another process: %w", dir, err)
		}
		rep.problem("badger files", err)
		return rep, nil
	}
	defer db.Close()
	v := &verifier{db: db, rep: rep, opts: opts}
	v.guard("badger tables", func() error { return classify("table checksums", db.VerifyChecksum()) })
	man := v.manifest(dir)
	if man != nil {
		for _, info := range man.Segments {
			v.segment(info, man.legacy)
		}
		v.liveIDs()
	}
	v.walkKeys(man)
	return rep, nil
}

// Verify checks the open index's files like the package function Verify
// (the index keeps serving meanwhile, with compaction paused; a concurrent
// commit may show up as garbage notes).
func (ix *Index) Verify() (*Report, error) {
	rep := &Report{}
	ix.compactMu.Lock() // no merge or purge deletes what is being checked
	defer ix.compactMu.Unlock()
	ix.mu.Lock()
	man := ix.man
	ix.mu.Unlock()
	ix.dbMu.RLock()
	defer ix.dbMu.RUnlock()
	if ix.db == nil {
		return nil, ErrClosed
	}
	v := &verifier{db: ix.db, rep: rep, opts: ix.opts}
	if !ix.opts.InMemory {
		v.guard("badger tables", func() error { return classify("table checksums", ix.db.VerifyChecksum()) })
	}
	if m := v.manifest(ix.dir); m != nil && !ix.opts.InMemory {
		man = *m
	}
	rep.Generation = man.Generation
	for _, info := range man.Segments {
		v.segment(info, man.legacy)
	}
	v.liveIDs()
	v.walkKeys(&man)
	return rep, nil
}

type verifier struct {
	db   *badger.DB
	rep  *Report
	opts Options
	segs []verifiedSeg
	refs map[uint64]bool // document records that live segments reference
}

type verifiedSeg struct {
	words map[string]int32 // the words blob: text -> id
	info  segInfo
	ids   *idList
	tomb  *roaring.Bitmap
}

// guard runs fn, turning a panic or a memory fault inside Badger into a
// problem of where.
func (v *verifier) guard(where string, fn func() error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			v.rep.problem(where, fmt.Errorf("storage library panicked: %v", r))
		}
	}()
	if err := fn(); err != nil {
		v.rep.problem(where, err)
	}
}

func (v *verifier) view(where string, fn func(txn *badger.Txn) error) {
	v.guard(where, func() error { return classify(where, v.db.View(fn)) })
}

func (v *verifier) manifest(dir string) *manifest {
	var man *manifest
	v.view("manifest", func(txn *badger.Txn) error {
		item, err := txn.Get(manifestKey)
		if errors.Is(err, badger.ErrKeyNotFound) {
			man = &manifest{NextSegID: 1}
			return nil
		}
		if err != nil {
			return err
		}
		raw, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		man, err = decodeManifest(raw)
		return err
	})
	if man == nil {
		return nil
	}
	v.rep.Generation, v.rep.Segments = man.Generation, len(man.Segments)
	if man.legacy {
		v.rep.Notes = append(v.rep.Notes, "format-1 manifest (no tombstone digests); the next commit upgrades it")
	}
	if !v.opts.InMemory {
		if _, _, err := readCommitMark(dir); err != nil {
			v.rep.problem(commitMarkFile, err)
		}
		if err := checkCommitMark(dir, man); err != nil {
			v.rep.problem("manifest", err)
		}
	}
	return man
}

// segment checks one live segment and its records.
func (v *verifier) segment(info segInfo, legacy bool) {
	vs := verifiedSeg{info: info}
	var seg *segment.Segment
	where := fmt.Sprintf("segment %d", info.ID)
	v.view(where+" id list", func(txn *badger.Txn) error {
		raw, err := readChunks(txn, info.ID, kindIDs, info.IDsLen)
		if err == nil {
			vs.ids, err = decodeIDList(raw)
		}
		if err == nil && vs.ids.len() != int(info.NumDocs) {
			err = fmt.Errorf("id list has %d ids, manifest says %d docs", vs.ids.len(), info.NumDocs)
		}
		if err != nil {
			vs.ids = nil
		}
		return err
	})
	if info.BlobLen > 0 {
		v.view(where+" blob", func(txn *badger.Txn) error {
			blob, err := readChunks(txn, info.ID, kindBlob, info.BlobLen)
			if err == nil {
				seg, err = segment.Decode(blob)
			}
			if err == nil && seg.NumDocs() != int(info.NumDocs) {
				err = fmt.Errorf("segment has %d docs, manifest says %d", seg.NumDocs(), info.NumDocs)
			}
			if err != nil {
				seg = nil
			}
			return err
		})
	}
	v.view(where+" field index", func(txn *badger.Txn) error {
		raw, err := readChunks(txn, info.ID, kindFields, info.FieldsLen)
		if err == nil {
			_, err = decodeFieldIndex(raw, info.NumDocs)
		}
		return err
	})
	if info.WordsLen > 0 {
		v.view(where+" words", func(txn *badger.Txn) error {
			raw, err := readChunks(txn, info.ID, kindWords, info.WordsLen)
			if err != nil {
				return err
			}
			_, ids, texts, err := decodeWords(raw, info.NumDocs)
			if err != nil {
				return err
			}
			vs.words = make(map[string]int32, len(ids))
			for i, id := range ids {
				vs.words[texts[i]] = id
			}
			return nil
		})
	}
	v.view(where+" tombstones", func(txn *badger.Txn) (err error) {
		vs.tomb, err = readTombstones(txn, info, legacy)
		return err
	})
	if vs.ids != nil {
		v.records(vs, seg)
		v.rep.Docs += int(info.NumDocs)
		if vs.tomb != nil {
			v.rep.Docs -= int(vs.tomb.GetCardinality())
		}
	}
	v.segs = append(v.segs, vs)
}

// records reads every record of a segment (deleted documents' too: they
// stay until compaction) and compares its term ids with the segment's.
func (v *verifier) records(vs verifiedSeg, seg *segment.Segment) {
	if v.refs == nil {
		v.refs = map[uint64]bool{}
	}
	legacy := 0
	for i, rec := range vs.ids.recs {
		v.refs[rec] = true
		id := vs.ids.id(uint32(i))
		where := fmt.Sprintf("document %q (segment %d doc %d, record %d/%d)", id, vs.info.ID, i, rec>>32, uint32(rec))
		v.view(where, func(txn *badger.Txn) error {
			d, err := readDoc(txn, rec, id)
			if err != nil {
				return err
			}
			v.rep.Records++
			if item, err := txn.Get(docKey(rec)); err == nil {
				_ = item.Value(func(b []byte) error {
					if len(b) > 0 && b[0] == docRecordV1 {
						legacy++
					}
					return nil
				})
			}
			full, err := vs.fullVector(&d)
			if err != nil {
				return err
			}
			if seg != nil && !sameTerms(full.IDs, full.Weights, seg.Vector(uint32(i)).IDs) {
				return errors.New("record and segment postings disagree on its terms")
			}
			return nil
		})
	}
	if legacy > 0 {
		v.rep.Notes = append(v.rep.Notes, fmt.Sprintf("segment %d: %d document records of format 1 (no checksum; rebuild the index to add them)", vs.info.ID, legacy))
	}
}

// sameTerms compares a record's terms with positive weight to a segment's.
func sameTerms(ids []int32, weights []float32, seg []int32) bool {
	j := 0
	for i, id := range ids {
		if !(weights[i] > 0) {
			continue
		}
		if j >= len(seg) || seg[j] != id {
			return false
		}
		j++
	}
	return j == len(seg)
}

// liveIDs checks that no id is live in two segments.
func (v *verifier) liveIDs() {
	seen := map[string]uint64{}
	for _, s := range v.segs {
		if s.ids == nil {
			continue
		}
		for i := range s.ids.len() {
			if s.tomb != nil && s.tomb.Contains(uint32(i)) {
				continue
			}
			id := s.ids.id(uint32(i))
			if prev, dup := seen[id]; dup {
				v.rep.problem(fmt.Sprintf("document %q", id), fmt.Errorf("live in segments %d and %d", prev, s.info.ID))
				continue
			}
			seen[id] = s.info.ID
		}
	}
}

// walkKeys reads every key and value, checking value-log checksums on the
// way, and sorts what no live structure references into notes.
func (v *verifier) walkKeys(man *manifest) {
	live := map[uint64]bool{}
	next := uint64(0)
	if man != nil {
		for _, s := range man.Segments {
			live[s.ID] = true
		}
		next = man.NextSegID
	}
	var orphanSegs, orphanRecs, pending, damaged int
	unknown := map[byte]int{}
	seenSeg := map[uint64]bool{}
	v.view("all keys", func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			k := item.KeyCopy(nil)
			v.rep.Keys++
			if err := item.Value(func([]byte) error { return nil }); err != nil {
				v.rep.problem(fmt.Sprintf("key %x", k), classify("read value", err))
				damaged++
				continue
			}
			switch {
			case len(k) == 0:
				unknown[0]++
			case k[0] == prefixSeg && len(k) >= 9:
				id := binary.BigEndian.Uint64(k[1:9])
				if !live[id] && !seenSeg[id] {
					seenSeg[id] = true
					orphanSegs++
				}
			case k[0] == prefixDoc && len(k) == 9:
				rec := binary.BigEndian.Uint64(k[1:])
				if man != nil && !v.refs[rec] {
					if rec>>32 >= next {
						pending++
					} else {
						orphanRecs++
					}
				}
			case k[0] == prefixDrop:
				if raw, err := item.ValueCopy(nil); err == nil {
					if _, err := decodeRecList(raw); err != nil {
						v.rep.problem(fmt.Sprintf("drop list %x", k), err)
					}
				}
			case k[0] == prefixMeta || string(k) == string(manifestKey):
			default:
				unknown[k[0]]++
			}
		}
		return nil
	})
	if orphanSegs > 0 {
		v.rep.Notes = append(v.rep.Notes, fmt.Sprintf("%d unreferenced segments (a crash or a compaction left them; removed on the next read-write open)", orphanSegs))
	}
	if orphanRecs+pending > 0 {
		v.rep.Notes = append(v.rep.Notes, fmt.Sprintf("%d unreferenced document records (%d of uncommitted batches, %d dropped by compactions)", orphanRecs+pending, pending, orphanRecs))
	}
	prefixes := make([]byte, 0, len(unknown))
	for p := range unknown {
		prefixes = append(prefixes, p)
	}
	slices.Sort(prefixes)
	for _, p := range prefixes {
		v.rep.problem("keys", fmt.Errorf("%d keys with unknown prefix %q", unknown[p], p))
	}
}

// fullVector is a record's segment vector: its WordPiece ids and its words
// under the ids the segment's words blob gives them.
func (vs verifiedSeg) fullVector(d *Document) (sparse.Vector, error) {
	if len(d.Words) == 0 {
		return d.Vector, nil
	}
	dict := newTermDict()
	for _, w := range d.Words {
		id, ok := vs.words[w.Text]
		if !ok {
			return sparse.Vector{}, fmt.Errorf("word %q is not in the segment's words", w.Text)
		}
		if err := dict.register(id, w.Text); err != nil {
			return sparse.Vector{}, err
		}
	}
	return dict.wordVector(d, true)
}
