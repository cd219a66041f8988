package index

import (
	"fmt"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/dgraph-io/badger/v4"
	"github.com/sparrow-search/sparrow/index/segment"
)

// Snapshot is an immutable, consistent view of the index at one commit: its
// segments, tombstones and ids never change, so any number of goroutines may
// search it while writers commit new snapshots. View i of Views, of filters
// and of ID all refer to the same segment order.
type Snapshot struct {
	ix    *Index
	gen   uint64
	next  uint64 // the manifest's next segment id: see Watermark
	segs  []*segState
	tombs []*roaring.Bitmap // per view; nil = no deletes (shared, read-only)
	views []segment.View
	live  int

	statsOnce sync.Once // TermStats
	stats     *TermStats
	statsErr  error
}

// finishFrom computes views and counts, reusing prev's live sets for
// segments whose tombstones did not change (prev may be nil).
func (s *Snapshot) finishFrom(prev *Snapshot) {
	type key struct {
		st   *segState
		tomb *roaring.Bitmap
	}
	old := map[key]*roaring.Bitmap{}
	if prev != nil {
		for i, st := range prev.segs {
			if prev.tombs[i] != nil {
				old[key{st, prev.tombs[i]}] = prev.views[i].Live
			}
		}
	}
	s.views = make([]segment.View, len(s.segs))
	s.live = 0
	for i, st := range s.segs {
		n := int(st.info.NumDocs)
		v := segment.View{Segment: st.seg}
		if t := s.tombs[i]; t != nil {
			if v.Live = old[key{st, t}]; v.Live == nil {
				v.Live = roaring.Flip(t, 0, uint64(n))
				v.Live.RunOptimize()
			}
			n -= int(t.GetCardinality())
		}
		s.live += n
		s.views[i] = v
	}
}

func (s *Snapshot) finish() { s.finishFrom(nil) }

// Generation is the commit number this snapshot shows.
func (s *Snapshot) Generation() uint64 { return s.gen }

// NumDocs is the number of live documents.
func (s *Snapshot) NumDocs() int { return s.live }

// Views returns the segments with their live sets, for a query algorithm
// (package scoring; package collection runs the queries). The slice and
// bitmaps are shared: do not modify them.
func (s *Snapshot) Views() []segment.View { return s.views }

// ID returns the external id of local doc doc of view v.
func (s *Snapshot) ID(v int, doc uint32) (string, error) {
	if v < 0 || v >= len(s.segs) || int64(doc) >= int64(s.segs[v].info.NumDocs) {
		return "", fmt.Errorf("index: no document %d in view %d", doc, v)
	}
	return s.segs[v].ids.id(doc), nil
}

// Lookup finds the live version of id.
func (s *Snapshot) Lookup(id string) (view int, doc uint32, ok bool) {
	// Newest first: recently written ids are the likely ones. At most one
	// version of an id is live; older ones are tombstoned.
	for v := len(s.segs) - 1; v >= 0; v-- {
		if d, found := s.segs[v].ids.find(id); found {
			if t := s.tombs[v]; t == nil || !t.Contains(d) {
				return v, d, true
			}
		}
	}
	return 0, 0, false
}

// Document reads the stored document of local doc doc of view v (from
// Badger; the snapshot keeps the segment's records alive until it is
// garbage). A damaged record is an error matching ErrCorrupt that names
// it, never a panic and never altered data.
func (s *Snapshot) Document(v int, doc uint32) (Document, error) {
	id, err := s.ID(v, doc)
	if err != nil {
		return Document{}, err
	}
	rec := s.segs[v].ids.recs[doc]
	var d Document
	err = s.ix.view(func(txn *badger.Txn) (err error) {
		d, err = readDoc(txn, rec, id)
		return err
	}, func() string { return fmt.Sprintf("document %q (record %d/%d)", id, rec>>32, uint32(rec)) })
	if err != nil {
		return Document{}, fmt.Errorf("index: view %d doc %d: %w", v, doc, err)
	}
	return d, nil
}

// Bare reports whether document doc of view v is known to have neither a
// title nor fields, so that showing it as a hit needs nothing from its
// record (Document would read and decode all of it). False when the
// segment predates this knowledge (written by an older version).
func (s *Snapshot) Bare(v int, doc uint32) bool { return s.segs[v].ids.isBare(doc) }

// Watermark orders commits for catching up a mirror of the index (the bm25
// index): every document a later commit upserts comes from a record at or
// above the watermark of this snapshot (see ForEachDocumentSince), while
// compaction never moves records. It only grows.
func (s *Snapshot) Watermark() uint64 { return s.next }

// ForEachDocumentSince calls fn with every live document upserted after
// the snapshot whose Watermark was w, in view order (all live documents
// for w = 0). Documents deleted since are not reported; compare ids to
// find them.
func (s *Snapshot) ForEachDocumentSince(w uint64, fn func(Document) error) error {
	for vi, v := range s.views {
		recs := s.segs[vi].ids.recs
		n := v.Segment.NumDocs()
		for doc := uint32(0); int(doc) < n; doc++ {
			if (v.Live != nil && !v.Live.Contains(doc)) || recs[doc]>>32 < w {
				continue
			}
			d, err := s.Document(vi, doc)
			if err != nil {
				return err
			}
			if err := fn(d); err != nil {
				return err
			}
		}
	}
	return nil
}

// ForEachDocument calls fn with every live document, in view order; an
// error from fn or from reading a record stops the walk and is returned.
func (s *Snapshot) ForEachDocument(fn func(Document) error) error {
	return s.ForEachDocumentSince(0, fn)
}

// FilterIDs returns, per view, the local docs of the live documents with
// these ids (unknown ids are ignored), e.g. for scoring.Options.Filter.
func (s *Snapshot) FilterIDs(ids []string) []*roaring.Bitmap {
	out := make([]*roaring.Bitmap, len(s.segs))
	for i := range out {
		out[i] = roaring.New()
	}
	for _, id := range ids {
		if v, d, ok := s.Lookup(id); ok {
			out[v].Add(d)
		}
	}
	return out
}

// FilterField returns, per view, the local docs whose field name equals
// value (deleted docs may be included; the views' live sets exclude them),
// e.g. for scoring.Options.Filter. The bitmaps are shared: do not modify them.
func (s *Snapshot) FilterField(name, value string) []*roaring.Bitmap {
	k := fieldKey(name, value)
	out := make([]*roaring.Bitmap, len(s.segs))
	for i, st := range s.segs {
		if out[i] = st.fields[k]; out[i] == nil {
			out[i] = roaring.New()
		}
	}
	return out
}
