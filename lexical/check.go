package lexical

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"runtime/debug"

	"github.com/blevesearch/bleve/v2/index/scorch"
)

// Info describes an index that passed Check.
type Info struct {
	Options  Options
	Docs     uint64
	Segments int    // persisted segments, each verified against its checksum
	Mark     string // the last mark stored by Apply ("" if none)
	Sealed   bool   // root.bolt matched the seal of a clean Close (else its pages were walked)
}

// Check verifies the on-disk index at path without changing it: it opens
// it read-only (no merger, no persister), reads the stored options and the
// mark, checks root.bolt against its seal (see SealFile) and every
// persisted segment file against the CRC-32 in its footer (bleve does
// not: a flipped byte would change postings or scores silently). Errors
// match ErrCorrupt for damage and fs.ErrNotExist for a missing index; an
// index open for writing in another process is an error of neither kind.
// It reads every segment once: about a second per GB.
func Check(path string) (Info, error) {
	if err := checkBoltSize(boltPath(path)); err != nil {
		return Info{}, corruptf(path, "%v", err)
	}
	sealed, err := checkRoot(path)
	if errors.Is(err, errLocked) {
		return Info{}, fmt.Errorf("lexical: %s: %w", path, err)
	}
	if err != nil {
		return Info{}, corruptf(path, "%v", err)
	}
	bi, err := openBleve(path, map[string]any{"read_only": true})
	if err != nil {
		return Info{}, err
	}
	defer bi.Close()
	ix, err := wrapStored(bi, path)
	if err != nil {
		return Info{}, err
	}
	info := Info{Options: ix.opts, Sealed: sealed}
	if info.Mark, _, err = ix.Mark(); err != nil {
		return info, corruptf(path, "%v", err)
	}
	if info.Docs, err = bi.DocCount(); err != nil {
		return info, corruptf(path, "doc count: %v", err)
	}
	if err := newestSnapshotLoads(ix); err != nil {
		return info, corruptf(path, "%v", err)
	}
	paths, err := segmentPaths(ix)
	if err != nil {
		return info, corruptf(path, "%v", err)
	}
	for _, p := range paths {
		if err := checkSegmentFile(p); err != nil {
			return info, corruptf(path, "segment %s: %v", p, err)
		}
	}
	info.Segments = len(paths)
	return info, nil
}

// newestSnapshotLoads checks that the newest persisted snapshot is the one
// bleve could load: when it cannot load one, scorch logs it and falls back
// to an older snapshot, which would silently serve an older index.
func newestSnapshotLoads(ix *Index) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("newest snapshot: bleve panicked: %v", r)
		}
	}()
	adv, err := ix.bi.Advanced()
	if err != nil {
		return err
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil
	}
	epochs, err := s.RootBoltSnapshotEpochs()
	if err != nil || len(epochs) == 0 {
		return err
	}
	snap, err := s.LoadSnapshot(epochs[0])
	if err != nil {
		return fmt.Errorf("newest snapshot (epoch %d) does not load: %v", epochs[0], err)
	}
	return snap.DecRef()
}

// segmentPaths lists the files of the segments the index reads now.
func segmentPaths(ix *Index) (paths []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("listing segments: bleve panicked: %v", r)
		}
	}()
	adv, err := ix.bi.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, nil // not scorch: nothing to check
	}
	for _, s := range snap.Segments() {
		if p, ok := s.Segment().(interface{ Path() string }); ok && p.Path() != "" {
			paths = append(paths, p.Path())
		}
	}
	return paths, nil
}

// checkSegmentFile compares a zap segment's footer CRC-32 (IEEE, over every
// byte before it) with its content.
func checkSegmentFile(path string) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() < 4 {
		return errors.New("too short for a footer")
	}
	h := crc32.NewIEEE()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, fi.Size()-4)); err != nil {
		return err
	}
	var sum [4]byte
	if _, err := f.ReadAt(sum[:], fi.Size()-4); err != nil {
		return err
	}
	if got, want := h.Sum32(), binary.BigEndian.Uint32(sum[:]); got != want {
		return fmt.Errorf("checksum mismatch (%08x, footer says %08x)", got, want)
	}
	return nil
}

// OpenReadOnly opens an index after Check, for reading only (searches,
// ForEachID): bleve starts no merger or persister and writes nothing.
func OpenReadOnly(path string) (*Index, error) {
	return openChecked(path, map[string]any{"read_only": true})
}

// checkBoltSize compares root.bolt's length with the pages its newest
// valid meta page says it holds (bbolt's high-water mark). A shorter file
// (a truncated copy) still opens, but bleve's persister then panics reading
// past its end, and bleve v2.6.3 ends the persister loop on a panic while
// every later Batch waits for it to persist: a write would hang for ever
// instead of failing. A missing file is left to bleve's open.
func checkBoltSize(file string) error {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	need, ok := boltHighWater(f)
	if ok && st.Size() < need {
		return fmt.Errorf("root.bolt: %d bytes, its meta page says %d (truncated)", st.Size(), need)
	}
	return nil
}

// boltHighWater is the byte length bbolt's newest valid meta page says the
// file holds (pages x page size); ok is false without a valid meta page
// (bbolt then refuses to open it).
func boltHighWater(f io.ReaderAt) (n int64, ok bool) {
	// meta page layout (bbolt, host byte order): a 16-byte page header,
	// then magic, version, page size, flags (4 bytes each), the root
	// bucket (16), freelist, pgid, txid and an FNV-64a checksum (8 each)
	// over the meta bytes before it
	meta := func(off int64) (pgid, txid uint64, pageSize uint32, ok bool) {
		b := make([]byte, 80)
		if _, err := f.ReadAt(b, off); err != nil {
			return 0, 0, 0, false
		}
		m := b[16:]
		h := fnv.New64a()
		h.Write(m[:56])
		if binary.NativeEndian.Uint32(m[0:]) != 0xED0CDAED || binary.NativeEndian.Uint64(m[56:]) != h.Sum64() {
			return 0, 0, 0, false
		}
		return binary.NativeEndian.Uint64(m[40:]), binary.NativeEndian.Uint64(m[48:]), binary.NativeEndian.Uint32(m[8:]), true
	}
	pgid, tx0, size, ok0 := meta(0)
	if !ok0 {
		size = uint32(os.Getpagesize()) // bbolt's default page size
	}
	if pg1, tx1, size1, ok1 := meta(int64(size)); ok1 && (!ok0 || tx1 > tx0) {
		pgid, size = pg1, size1
	} else if !ok0 {
		return 0, false
	}
	return int64(pgid) * int64(size), true
}
