package lexical

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/sparrow-search/sparrow/dataset"
)

// Marks let a lexical index that mirrors another store (Sparrow's sparse
// index) catch up after an unclean stop by replaying only what it may have
// missed, instead of being rebuilt: every Apply stores the source's
// position (an opaque string) in the same bleve batch as its last
// documents, so whatever state bleve recovers, its mark says how far it
// got. CatchUp then re-adds the source's documents written after the mark
// and deletes the ids the source no longer has.

var markKey = []byte("sparrow.lexical.mark")

// encodeMark appends a CRC-32C, so a damaged mark is an error rather than
// a wrong position (which would skip documents).
func encodeMark(mark string) []byte {
	b := []byte(mark)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

func decodeMark(b []byte) (string, error) {
	if len(b) < 4 {
		return "", errors.New("stored mark: too short")
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return "", errors.New("stored mark: checksum mismatch")
	}
	return string(body), nil
}

// Mark returns the mark stored by the last Apply that set one.
func (ix *Index) Mark() (mark string, ok bool, err error) {
	raw, err := ix.bi.GetInternal(markKey)
	if err != nil || raw == nil {
		return "", false, err
	}
	mark, err = decodeMark(raw)
	return mark, err == nil, err
}

// Apply indexes upserts (replacing documents with the same id) and removes
// deletes (unknown ids are ignored), in batches of Options.BatchSize; a
// non-empty mark is stored with the last batch (see Mark).
func (ix *Index) Apply(upserts []dataset.Doc, deletes []string, mark string) error {
	return ix.apply(len(upserts), func(add func(dataset.Doc) error) error {
		for _, d := range upserts {
			if err := add(d); err != nil {
				return err
			}
		}
		return nil
	}, deletes, mark)
}

// ForEachID calls fn with the id of every indexed document.
func (ix *Index) ForEachID(fn func(id string) error) error {
	adv, err := ix.bi.Advanced()
	if err != nil {
		return err
	}
	r, err := adv.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	it, err := r.DocIDReaderAll()
	if err != nil {
		return err
	}
	defer it.Close()
	for {
		iid, err := it.Next()
		if err != nil {
			return err
		}
		if iid == nil {
			return nil
		}
		id, err := r.ExternalID(iid)
		if err != nil {
			return err
		}
		if err := fn(id); err != nil {
			return err
		}
	}
}

// Source is the store a lexical index mirrors.
type Source interface {
	// Mark is the source's current position.
	Mark() string
	// Since calls fn with every live document written after the position
	// mark (an earlier Mark of the source), or with every live document when
	// mark is "". An error (e.g. a mark it cannot parse) stops CatchUp.
	Since(mark string, fn func(dataset.Doc) error) error
	// Has reports whether id is a live document.
	Has(id string) bool
	// Get returns a live document (for ids the lexical index lacks).
	Get(id string) (dataset.Doc, bool, error)
	// ForEachID calls fn with the id of every live document.
	ForEachID(fn func(id string) error) error
}

// CatchUpStats says what CatchUp replayed.
type CatchUpStats struct {
	Upserted, Deleted int
	// Missing counts live source documents the index lacked although its
	// mark covered them (damage, or writes made without marks).
	Missing int
}

// ErrNoMark is returned by CatchUp when the index has no mark: it was not
// written through Apply with marks, so rebuild it instead.
var ErrNoMark = errors.New("lexical: no mark to catch up from")

// CatchUp brings the index in line with src: documents written after the
// stored mark are re-added, ids src no longer has are deleted, ids src has
// but the index lacks are added, and src's current mark is stored. Its
// cost is one pass over the index's ids and the source's ids plus indexing
// the replayed documents — not a rebuild.
func (ix *Index) CatchUp(src Source) (CatchUpStats, error) {
	var st CatchUpStats
	mark, ok, err := ix.Mark()
	if err != nil {
		return st, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if !ok {
		return st, ErrNoMark
	}
	now := src.Mark()
	have := map[string]bool{}
	var dels []string
	if err := ix.ForEachID(func(id string) error {
		have[id] = true
		if !src.Has(id) {
			dels = append(dels, id)
		}
		return nil
	}); err != nil {
		return st, fmt.Errorf("lexical: catch-up: listing ids: %w", err)
	}
	var ups []dataset.Doc
	replayed := map[string]bool{}
	if err := src.Since(mark, func(d dataset.Doc) error {
		ups = append(ups, d)
		replayed[d.ID] = true
		return nil
	}); err != nil {
		return st, fmt.Errorf("lexical: catch-up from mark %q: %w", mark, err)
	}
	if err := src.ForEachID(func(id string) error {
		if have[id] || replayed[id] {
			return nil
		}
		d, ok, err := src.Get(id)
		if err != nil || !ok {
			return err
		}
		ups = append(ups, d)
		st.Missing++
		return nil
	}); err != nil {
		return st, fmt.Errorf("lexical: catch-up: %w", err)
	}
	st.Upserted, st.Deleted = len(ups), len(dels)
	return st, ix.Apply(ups, dels, now)
}
