package lexical

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
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
}

// Check verifies the on-disk index at path without changing it: it opens
// it read-only (no merger, no persister), reads the stored options and the
// mark, and checks every persisted segment file against the CRC-32 in its
// footer (bleve does not: a flipped byte would change postings or scores
// silently). Errors match ErrCorrupt for damage and fs.ErrNotExist for a
// missing index. It reads every segment once: about a second per GB.
func Check(path string) (Info, error) {
	bi, err := openBleve(path, map[string]any{"read_only": true})
	if err != nil {
		return Info{}, err
	}
	defer bi.Close()
	ix, err := wrapStored(bi, path)
	if err != nil {
		return Info{}, err
	}
	info := Info{Options: ix.opts}
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
	if _, err := Check(path); err != nil {
		return nil, err
	}
	bi, err := openBleve(path, map[string]any{"read_only": true})
	if err != nil {
		return nil, err
	}
	ix, err := wrapStored(bi, path)
	if err != nil {
		bi.Close()
		return nil, err
	}
	return ix, nil
}
