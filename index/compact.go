package index

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"weak"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/dgraph-io/badger/v4"

	"github.com/sparrow-search/sparrow/index/segment"
)

// errStopped aborts a merge when the index is closing.
var errStopped = errors.New("index: closing")

// kick asks the background merger to look for work (never blocks).
func (ix *Index) kick() {
	if ix.opts.DisableAutoCompaction {
		return
	}
	select {
	case ix.trigger <- struct{}{}:
	default:
	}
}

func (ix *Index) compactLoop() {
	defer ix.bg.Done()
	for {
		select {
		case <-ix.stop:
			return
		case <-ix.trigger:
		}
		if err := ix.autoCompact(); err != nil && !errors.Is(err, errStopped) && !errors.Is(err, ErrClosed) {
			ix.opts.Logger.Errorf("index: background compaction: %v", err)
		}
	}
}

// autoCompact merges by the tiered policy until nothing qualifies.
func (ix *Index) autoCompact() error {
	ix.compactMu.Lock()
	defer ix.compactMu.Unlock()
	defer ix.purgeRetired()
	for {
		s := ix.Snapshot()
		sel := pickTiered(s, ix.opts)
		if sel == nil {
			return nil
		}
		if err := ix.merge(s, sel); err != nil {
			return err
		}
	}
}

// Compact merges every segment that is not already full and clean into as
// few segments as MaxSegmentDocs allows, dropping deleted documents; it
// returns when the new manifest is committed. Search results are unchanged
// (up to re-quantisation when segment.Options.Scale is 0, since then each
// segment derives its own scale).
//
// Afterwards it deletes the old segments' keys right away when no other
// snapshot holds them (it runs a Go GC to find out). Their value-log space
// is reclaimed by Badger's value-log GC later: Badger never rewrites the
// value-log file it is writing, and learns what is garbage from its own LSM
// compactions (see docs/BENCHMARKS.md, Storage).
func (ix *Index) Compact() error {
	ix.compactMu.Lock()
	defer ix.compactMu.Unlock()
	ix.mu.Lock()
	closed := ix.closed
	ix.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if err := ix.compactAll(); err != nil {
		return err
	}
	runtime.GC()
	ix.purgeRetired()
	return nil
}

func (ix *Index) compactAll() error {
	for {
		sel := compactGroup(ix.Snapshot(), ix.opts.MaxSegmentDocs)
		if sel == nil {
			return nil
		}
		if err := ix.merge(ix.Snapshot(), sel); err != nil {
			return err
		}
	}
}

// compactGroup returns the next group of views for Compact, or nil when
// none is left: consecutive segments that are not full, or have deletes,
// as many as fit MaxSegmentDocs live documents together, so that each
// merge builds one segment and its memory is bounded by MaxSegmentDocs,
// not by the index (merging everything at once held every output). A
// group of one clean segment has nothing to do and is skipped.
func compactGroup(s *Snapshot, maxDocs int) []int {
	var sel []int
	sum, dirty := 0, false
	done := func() bool { return len(sel) > 1 || dirty }
	for i, st := range s.segs {
		n := int(st.info.NumDocs)
		live := n
		if t := s.tombs[i]; t != nil {
			live -= int(t.GetCardinality())
		}
		if live == n && n >= maxDocs { // full and clean: a group ends here
			if done() {
				return sel
			}
			sel, sum, dirty = nil, 0, false
			continue
		}
		if len(sel) > 0 && sum+live > maxDocs {
			if done() {
				return sel
			}
			sel, sum, dirty = nil, 0, false
		}
		sel, sum, dirty = append(sel, i), sum+live, dirty || live < n
	}
	if done() {
		return sel
	}
	return nil
}

// pickTiered returns the views to merge next, or nil. A segment with too
// many deletes is rewritten alone; otherwise segments are bucketed by live
// size into tiers (below CompactionFloorDocs: tier 0; then one tier per
// factor CompactionMinSegments) and the smallest CompactionMinSegments of
// the lowest full tier are merged, as long as the result fits
// MaxSegmentDocs.
func pickTiered(s *Snapshot, o Options) []int {
	m := o.CompactionMinSegments
	tiers := map[int][]int{}
	for i, st := range s.segs {
		n := int(st.info.NumDocs)
		live := n
		if t := s.tombs[i]; t != nil {
			live -= int(t.GetCardinality())
			if live*100 < n*(100-o.CompactionDeletesPct) {
				return []int{i}
			}
		}
		tier := 0
		if live >= o.CompactionFloorDocs {
			tier = 1 + int(math.Log(float64(live)/float64(o.CompactionFloorDocs))/math.Log(float64(m)))
		}
		tiers[tier] = append(tiers[tier], i)
	}
	keys := make([]int, 0, len(tiers))
	for t := range tiers {
		keys = append(keys, t)
	}
	slices.Sort(keys)
	liveOf := func(i int) int {
		n := int(s.segs[i].info.NumDocs)
		if t := s.tombs[i]; t != nil {
			n -= int(t.GetCardinality())
		}
		return n
	}
	for _, t := range keys {
		c := tiers[t]
		if len(c) < m {
			continue
		}
		slices.SortStableFunc(c, func(a, b int) int { return liveOf(a) - liveOf(b) })
		var sel []int
		sum := 0
		for _, i := range c[:m] {
			if sum+liveOf(i) > o.MaxSegmentDocs {
				break
			}
			sum += liveOf(i)
			sel = append(sel, i)
		}
		if len(sel) >= 2 {
			slices.Sort(sel)
			return sel
		}
	}
	return nil
}

func (ix *Index) allocSeg() (uint64, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return 0, ErrClosed
	}
	id := ix.nextSeg
	ix.nextSeg++
	return id, nil
}

func (ix *Index) stopping() bool {
	select {
	case <-ix.stop:
		return true
	default:
		return false
	}
}

// merge rewrites views sel of s (sorted) into new segments holding their
// live documents in order, then switches the manifest atomically. Document
// records are read (for the exact vectors) but not rewritten. Apply may run
// meanwhile: deletes it makes in the sources are carried over to the new
// segments at the switch. Caller holds compactMu.
func (ix *Index) merge(s *Snapshot, sel []int) (err error) {
	var outs []*built
	var outIDs []uint64
	defer func() {
		if err != nil { // best effort; Open removes leftovers anyway
			for _, id := range outIDs {
				_ = ix.deletePrefix(segPrefix(id))
			}
		}
	}()
	// remap[k][old local] = out<<32 | new local, or -1 when dropped.
	remap := make([][]int64, len(sel))
	var dropped []uint64
	// The live documents in the order segment.Options.Reorder asks for.
	views := make([]segment.View, len(sel))
	for k, v := range sel {
		views[k] = s.views[v]
		rm := make([]int64, s.segs[v].info.NumDocs)
		remap[k] = rm
		if tomb := s.tombs[v]; tomb != nil {
			for it := tomb.Iterator(); it.HasNext(); {
				local := it.Next()
				rm[local] = -1
				dropped = append(dropped, s.segs[v].ids.recs[local])
			}
		}
	}
	order := segment.MergeOrder(views, ix.opts.Segment)
	// One output segment at a time, written as soon as it is built (no
	// manifest names it yet, so a crash leaves only leftovers that Open
	// removes): a merge holds one builder and one blob, not all of them.
	for len(order) > 0 {
		id, err := ix.allocSeg()
		if err != nil {
			return err
		}
		outIDs = append(outIDs, id)
		bt, rest, err := ix.mergeOne(s, sel, remap, order, len(outs))
		if err != nil {
			return err
		}
		order = rest
		if err := ix.writeStaged(bt.assign(id, nil)); err != nil {
			return err
		}
		bt.blob, bt.fieldsBlob, bt.wordsBlob = nil, nil, nil
		outs = append(outs, bt)
	}
	return ix.switchMerged(s, sel, remap, outs, dropped)
}

// mergeOne builds output segment out of the documents of order, up to
// MaxSegmentDocs, recording their new places in remap; it returns the
// segment and the documents left for the next one.
func (ix *Index) mergeOne(s *Snapshot, sel []int, remap [][]int64, order []segment.DocRef, out int) (*built, []segment.DocRef, error) {
	w := newSegWriter(ix.opts.Segment, ix.dict)
	n := 0
	err := ix.view(func(txn *badger.Txn) error {
		for ; n < len(order) && !w.full(ix.opts.MaxSegmentDocs); n++ {
			k, local := order[n].View, order[n].Doc
			st := s.segs[sel[k]]
			if n%1024 == 0 && ix.stopping() {
				return errStopped
			}
			d, err := readDoc(txn, st.ids.recs[local], st.ids.id(local))
			if err != nil {
				return fmt.Errorf("segment %d doc %d: %w", st.info.ID, local, err)
			}
			nl, err := w.add(&d, st.ids.recs[local], nil)
			if err != nil {
				return err
			}
			remap[k][local] = int64(out)<<32 | int64(nl)
		}
		return nil
	}, func() string { return "documents of the segments being merged" })
	if err != nil {
		return nil, nil, err
	}
	bt, err := w.finish(ix.opts.MinBlobDocs)
	return bt, order[n:], err
}

// switchMerged commits the manifest that replaces the sources with outs.
func (ix *Index) switchMerged(s *Snapshot, sel []int, remap [][]int64, outs []*built, dropped []uint64) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return ErrClosed
	}
	cur := ix.snap.Load()
	pos := map[*segState]int{}
	for i, st := range cur.segs {
		pos[st] = i
	}
	outTombs := make([]*roaring.Bitmap, len(outs))
	drop := map[int]bool{}
	for k, v := range sel {
		p, ok := pos[s.segs[v]]
		if !ok {
			return fmt.Errorf("segment %d vanished during compaction", s.segs[v].info.ID)
		}
		drop[p] = true
		now, then := cur.tombs[p], s.tombs[v]
		if now == nil || now == then {
			continue
		}
		added := now
		if then != nil {
			added = roaring.AndNot(now, then)
		}
		for it := added.Iterator(); it.HasNext(); {
			if r := remap[k][it.Next()]; r >= 0 {
				o := int(r >> 32)
				if outTombs[o] == nil {
					outTombs[o] = roaring.New()
				}
				outTombs[o].Add(uint32(r))
			}
		}
	}
	man := manifest{Generation: ix.man.Generation + 1, NextSegID: ix.nextSeg, Meta: ix.man.Meta}
	next := &Snapshot{ix: ix, gen: man.Generation, next: man.NextSegID}
	var final []kv
	inserted := false
	for i, st := range cur.segs {
		if !drop[i] {
			man.Segments = append(man.Segments, ix.man.Segments[i]) // with its tombstone digest
			next.segs = append(next.segs, st)
			next.tombs = append(next.tombs, cur.tombs[i])
			continue
		}
		if inserted {
			continue
		}
		inserted = true
		for o, bt := range outs {
			info := bt.st.info
			if outTombs[o] != nil {
				enc := encodeTombstones(outTombs[o])
				info.Deleted, info.TombCRC = uint32(outTombs[o].GetCardinality()), trailerCRC(enc)
				final = append(final, kv{tombKey(bt.st.info.ID), enc})
			}
			man.Segments = append(man.Segments, info)
			next.segs = append(next.segs, bt.st)
			next.tombs = append(next.tombs, outTombs[o])
		}
	}
	r := retired{}
	if len(dropped) > 0 {
		r.drop, r.recs = dropKey(man.Generation), dropped
		final = append(final, kv{r.drop, encodeRecList(dropped)})
	}
	final = append(final, kv{manifestKey, encodeManifest(&man)})
	for _, k := range ix.legacyMeta { // format 1 kept meta under its own keys
		final = append(final, kv{metaKey(k), nil})
	}
	if err := ix.commit(nil, final); err != nil {
		return err
	}
	ix.man, ix.legacyMeta = man, nil
	ix.markCommitted(man.Generation)
	next.finishFrom(cur)
	ix.snap.Store(next)
	for p := range drop {
		r.segs = append(r.segs, cur.segs[p].info.ID)
		r.wps = append(r.wps, weak.Make(cur.segs[p]))
	}
	ix.retired = append(ix.retired, r)
	ix.merges.Add(1)
	return nil
}

// retired is what one merge made obsolete: its source segments and the
// records of the documents it dropped (listed under key drop, so that a
// crash before they are deleted leaves the list for Open).
type retired struct {
	segs []uint64
	wps  []weak.Pointer[segState]
	drop []byte
	recs []uint64
}

// purgeRetired deletes what merges made obsolete once no snapshot can reach
// the source segments any more (all when force), then lets Badger reclaim
// value-log space. Caller holds compactMu.
func (ix *Index) purgeRetired() {
	if ix.purge(false) && !ix.opts.InMemory {
		ix.valueLogGC()
	}
}

// valueLogGC lets Badger rewrite value-log files that are mostly garbage.
// A rewrite copies up to a file's live half through the write path, so it
// only runs with room for that.
func (ix *Index) valueLogGC() {
	for {
		err := ix.write(ix.opts.ValueLogFileSize/2, "value-log GC", func(db *badger.DB) error {
			return db.RunValueLogGC(0.5)
		})
		if err != nil {
			return
		}
	}
}

// purge deletes retired data and reports whether it deleted anything.
func (ix *Index) purge(force bool) bool {
	keep := ix.retired[:0]
	purged := false
	for _, r := range ix.retired {
		if !force && slices.ContainsFunc(r.wps, func(wp weak.Pointer[segState]) bool { return wp.Value() != nil }) {
			keep = append(keep, r)
			continue
		}
		if err := ix.deleteRetired(r); err != nil {
			ix.opts.Logger.Warningf("index: dropping compacted segments %v: %v", r.segs, err)
			keep = append(keep, r)
			continue
		}
		purged = true
	}
	ix.retired = keep
	return purged
}

func (ix *Index) deleteRetired(r retired) error {
	for _, id := range r.segs {
		if err := ix.deletePrefix(segPrefix(id)); err != nil {
			return err
		}
	}
	if r.drop == nil {
		return nil
	}
	keys := make([][]byte, len(r.recs))
	for i, rec := range r.recs {
		keys[i] = docKey(rec)
	}
	if err := ix.deleteKeys(keys); err != nil {
		return err
	}
	// The list goes last: if we crash before, Open deletes the rest.
	return ix.deleteKeys([][]byte{r.drop})
}
