package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/dgraph-io/badger/v4"
	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// termDict is the index's dictionary of word terms: text <-> id (WordBase,
// WordBase+1, ...), append-only while the index is open. It is persisted per
// segment, like Lucene's term dictionaries: each segment's words blob holds
// the texts of the word ids its postings use, written in the same commit as
// the segment, so a committed id always has its text on disk. An id handed
// out to a batch that then failed is simply never persisted; Open rebuilds
// the dictionary from the live segments' blobs.
type termDict struct {
	mu    sync.RWMutex
	ids   map[string]int32
	texts []string // by id-WordBase; "" for an id no live segment names
}

func newTermDict() *termDict { return &termDict{ids: map[string]int32{}} }

// lookup returns text's id.
func (d *termDict) lookup(text string) (int32, bool) {
	d.mu.RLock()
	id, ok := d.ids[text]
	d.mu.RUnlock()
	return id, ok
}

// lookupAll appends the id of each text (-1 for one the dictionary lacks)
// to dst under one read lock: a query's words at once.
func (d *termDict) lookupAll(dst []int32, texts []string) []int32 {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, s := range texts {
		id, ok := d.ids[s]
		if !ok {
			id = -1
		}
		dst = append(dst, id)
	}
	return dst
}

// text returns id's text ("" and false for an id the dictionary lacks).
func (d *termDict) text(id int32) (string, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	i := int(id) - WordBase
	if i < 0 || i >= len(d.texts) || d.texts[i] == "" {
		return "", false
	}
	return d.texts[i], true
}

// assign returns text's id, handing out the next one for a new text.
func (d *termDict) assign(text string) (int32, error) {
	if id, ok := d.lookup(text); ok {
		return id, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if id, ok := d.ids[text]; ok {
		return id, nil
	}
	if len(d.texts) >= maxWords {
		return 0, fmt.Errorf("term dictionary full (%d word terms)", maxWords)
	}
	id := int32(WordBase + len(d.texts))
	d.ids[text] = id
	d.texts = append(d.texts, text)
	return id, nil
}

// register records id's text read from a segment's words blob; a text
// under two ids, or an id under two texts, is corruption.
func (d *termDict) register(id int32, text string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := int(id) - WordBase
	if i < 0 || i >= maxWords {
		return fmt.Errorf("word id %d out of range", id)
	}
	if old, ok := d.ids[text]; ok && old != id {
		return fmt.Errorf("word %q has ids %d and %d", text, old, id)
	}
	for len(d.texts) <= i {
		d.texts = append(d.texts, "")
	}
	if d.texts[i] != "" && d.texts[i] != text {
		return fmt.Errorf("word id %d names %q and %q", id, d.texts[i], text)
	}
	d.texts[i], d.ids[text] = text, id
	return nil
}

// segWords is what a segment knows of its documents' words: their
// lengths (for the collection's mean length) and, on disk, the texts of the
// word ids its postings use.
type segWords struct {
	lens   []uint32 // by local doc
	lenSum int64
}

const wordsBlobVersion = 1

// encodeWords serialises a segment's words blob: document lengths, then
// the (id, text) entries in ascending id order, then a CRC-32C trailer.
func encodeWords(lens []uint32, ids []int32, texts []string) []byte {
	b := []byte{wordsBlobVersion}
	b = binary.AppendUvarint(b, uint64(len(lens)))
	for _, l := range lens {
		b = binary.AppendUvarint(b, uint64(l))
	}
	b = binary.AppendUvarint(b, uint64(len(ids)))
	prev := int64(WordBase - 1)
	for i, id := range ids {
		b = binary.AppendUvarint(b, uint64(int64(id)-prev-1))
		prev = int64(id)
		b = appendStr(b, texts[i])
	}
	return withCRC(b)
}

// decodeWords parses a words blob of a segment of numDocs documents.
func decodeWords(data []byte, numDocs uint32) (lens []uint32, ids []int32, texts []string, err error) {
	body, err := checkCRC(data, "words")
	if err != nil {
		return nil, nil, nil, err
	}
	if len(body) == 0 || body[0] != wordsBlobVersion {
		return nil, nil, nil, errors.New("words: unknown version")
	}
	r := &reader{b: body[1:]}
	n := r.length(1)
	if r.err == nil && n != int(numDocs) {
		return nil, nil, nil, fmt.Errorf("words: %d lengths for %d documents", n, numDocs)
	}
	lens = make([]uint32, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		l := r.uvarint()
		if l > 1<<32-1 {
			r.err = fmt.Errorf("length %d out of range", l)
		}
		lens = append(lens, uint32(l))
	}
	nt := r.length(2)
	prev := int64(WordBase - 1)
	for i := 0; i < nt && r.err == nil; i++ {
		id := prev + 1 + int64(r.uvarint())
		if id >= WordBase+maxWords {
			r.err = fmt.Errorf("word id %d out of range", id)
			break
		}
		t := r.str()
		if r.err == nil && (t == "" || len(t) > MaxWordBytes) {
			r.err = fmt.Errorf("word id %d: text of %d bytes", id, len(t))
		}
		ids, texts = append(ids, int32(id)), append(texts, t)
		prev = id
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, nil, nil, fmt.Errorf("words: %w", r.err)
	}
	return lens, ids, texts, nil
}

// wordVector is d's segment vector: its WordPiece weights followed by its
// word terms under their dictionary ids (zero weights dropped), ascending.
// New texts get new ids unless strict, when a text the dictionary lacks is
// an error (rebuilding a segment must reproduce the ids its postings had).
func (d *termDict) wordVector(doc *Document, strict bool) (sparse.Vector, error) {
	if len(doc.Words) == 0 {
		return doc.Vector, nil
	}
	v := sparse.Vector{IDs: slices.Clone(doc.Vector.IDs), Weights: slices.Clone(doc.Vector.Weights)}
	type iw struct {
		id int32
		w  float32
	}
	ws := make([]iw, 0, len(doc.Words))
	for _, w := range doc.Words {
		if w.Weight == 0 {
			continue
		}
		id, ok := d.lookup(w.Text)
		if !ok {
			if strict {
				return v, fmt.Errorf("word %q of the record is not in the segment's words", w.Text)
			}
			var err error
			if id, err = d.assign(w.Text); err != nil {
				return v, err
			}
		}
		ws = append(ws, iw{id, w.Weight})
	}
	slices.SortFunc(ws, func(a, b iw) int { return int(a.id - b.id) })
	for _, w := range ws {
		v.IDs = append(v.IDs, w.id)
		v.Weights = append(v.Weights, w.w)
	}
	return v, nil
}

// deleted is a segment's tombstoned documents' share of the statistics,
// for one tombstone set: per word or token id the documents holding it, and
// their total length. It is derived from the previous set's by adding the
// newly deleted documents (tombstones only grow).
type deleted struct {
	tomb   *roaring.Bitmap
	df     map[int32]int32
	lenSum int64
}

func newSegWords(lens []uint32) segWords {
	sw := segWords{lens: lens}
	for _, l := range lens {
		sw.lenSum += int64(l)
	}
	return sw
}

// wordsBlob is the segment's words blob: its documents' lengths and the
// texts of the word ids it uses.
func (w *segWriter) wordsBlob() []byte {
	ids := make([]int32, 0, len(w.words))
	for id := range w.words {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	texts := make([]string, len(ids))
	for i, id := range ids {
		texts[i], _ = w.dict.text(id) // every id a segment uses was assigned, so it has a text
	}
	return encodeWords(w.lens, ids, texts)
}

// loadWords reads a segment's words blob and registers its word ids in the
// dictionary. A segment written before word terms has none: its documents'
// lengths read as 0.
func (ix *Index) loadWords(txn *badger.Txn, info segInfo) (segWords, error) {
	if info.WordsLen == 0 {
		return segWords{lens: make([]uint32, info.NumDocs)}, nil
	}
	raw, err := readChunks(txn, info.ID, kindWords, info.WordsLen)
	if err != nil {
		return segWords{}, err
	}
	lens, ids, texts, err := decodeWords(raw, info.NumDocs)
	if err != nil {
		return segWords{}, err
	}
	for i, id := range ids {
		if err := ix.dict.register(id, texts[i]); err != nil {
			return segWords{}, err
		}
	}
	return newSegWords(lens), nil
}

// TermStats are a snapshot's collection statistics over live documents:
// their number, total length in words, and the document frequency of every
// term (WordPiece token or word), for BM25's idf and length prior. Deleted
// documents are left out exactly (not at the next merge, as Lucene does).
// Safe for concurrent use; immutable.
type TermStats struct {
	n        int
	totalLen int64
	views    []viewStats
	dict     *termDict
}

type viewStats struct {
	seg *segment.Layout // its DocFreq: the segment's postings of a term (live and deleted)
	del *deleted        // nil: no deletes
}

// NumDocs is the number of live documents.
func (t *TermStats) NumDocs() int { return t.n }

// TotalLength is the live documents' summed Document.Length.
func (t *TermStats) TotalLength() int64 { return t.totalLen }

// AvgLength is the live documents' mean length in words (0 when empty).
func (t *TermStats) AvgLength() float64 {
	if t.n == 0 {
		return 0
	}
	return float64(t.totalLen) / float64(t.n)
}

// DocFreq is the number of live documents holding term id.
func (t *TermStats) DocFreq(id int32) int {
	if id < 0 {
		return 0
	}
	df := 0
	for _, v := range t.views {
		if n := v.seg.DocFreq(uint32(id)); n > 0 {
			df += n
			if v.del != nil {
				df -= int(v.del.df[id])
			}
		}
	}
	return df
}

// WordID returns the term id of a word (false when the index has never
// seen it: it matches nothing).
func (t *TermStats) WordID(text string) (int32, bool) { return t.dict.lookup(text) }

// WordIDs appends the term id of each word to dst, -1 for a word the index
// has never seen; one lock for all of them (the query path).
func (t *TermStats) WordIDs(dst []int32, texts []string) []int32 { return t.dict.lookupAll(dst, texts) }

// WordText returns the text of word term id (false for a WordPiece id or an
// unknown one).
func (t *TermStats) WordText(id int32) (string, bool) { return t.dict.text(id) }

// TermStats returns the snapshot's statistics, computed on first use (the
// deleted documents' share is derived from the previous snapshot's, so a
// commit costs only its newly deleted documents). An error means a deleted
// document's vector could not be read.
func (s *Snapshot) TermStats() (*TermStats, error) {
	s.statsOnce.Do(func() { s.stats, s.statsErr = s.termStats() })
	return s.stats, s.statsErr
}

func (s *Snapshot) termStats() (*TermStats, error) {
	t := &TermStats{n: s.live, dict: s.ix.dict, views: make([]viewStats, len(s.segs))}
	for i, st := range s.segs {
		t.views[i].seg = st.seg.Layout()
		t.totalLen += st.words.lenSum
		d, err := s.deletedStats(i)
		if err != nil {
			return nil, err
		}
		if d != nil {
			t.views[i].del = d
			t.totalLen -= d.lenSum
		}
	}
	return t, nil
}

// deletedStats is view i's deleted documents' share of the statistics.
func (s *Snapshot) deletedStats(i int) (*deleted, error) {
	st, tomb := s.segs[i], s.tombs[i]
	if tomb == nil {
		return nil, nil
	}
	prev := st.del.Load()
	if prev != nil && prev.tomb == tomb {
		return prev, nil
	}
	d := &deleted{tomb: tomb, df: map[int32]int32{}}
	add := tomb
	if prev != nil && roaring.AndNot(prev.tomb, tomb).IsEmpty() { // tombstones only grow
		for id, c := range prev.df {
			d.df[id] = c
		}
		d.lenSum = prev.lenSum
		add = roaring.AndNot(tomb, prev.tomb)
	}
	for it := add.Iterator(); it.HasNext(); {
		doc := it.Next()
		ids, err := s.termIDs(i, doc)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			d.df[id]++
		}
		if int(doc) < len(st.words.lens) {
			d.lenSum += int64(st.words.lens[doc])
		}
	}
	st.del.Store(d)
	return d, nil
}

// termIDs are the term ids of local document doc of view i: from the
// segment's forward index when it has one, else from the document's record.
func (s *Snapshot) termIDs(i int, doc uint32) ([]int32, error) {
	st := s.segs[i]
	if st.seg.Layout().HasBMP {
		return st.seg.Vector(doc).IDs, nil
	}
	d, err := s.Document(i, doc)
	if err != nil {
		return nil, err
	}
	v, err := s.ix.dict.wordVector(&d, true)
	if err != nil {
		return nil, corrupt(fmt.Sprintf("document %q", d.ID), err)
	}
	return v.IDs, nil
}
