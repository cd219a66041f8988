package index

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/dgraph-io/badger/v4"
)

// spaceGuard keeps Badger from running out of disk space in the middle of
// a write. Badger v4 writes its write-ahead log (.mem), value log (.vlog)
// and new tables (.sst) through memory-mapped files that it creates sparse
// (ftruncate) — it has no option for ordinary writes or preallocation — so
// on a full disk the first store into a hole raises SIGBUS and kills the
// process (dgraph-io/badger#1682, #1801). Ordinary file writes would fail
// with ENOSPC instead. The guard therefore refuses a write with ErrNoSpace
// unless the filesystem has room for everything Badger may allocate before
// the next check:
//
//   - the write itself, twice (value log and write-ahead log), plus page slack;
//   - the flush of every memtable to a table: about its .mem file's allocated
//     bytes (what Close or a full memtable will write);
//   - one compaction: at most the tables it merges, bounded by all tables
//     (and by Level 0 plus a margin, on large stores);
//   - Options.MinFreeBytes for everything else on the filesystem.
//
// Only the statfs call runs on every write; the directory is listed only
// when free space is within the worst case the options allow.
type spaceGuard struct {
	dir       string
	minFree   int64
	worstMem  int64 // every memtable full: NumMemtables .mem files of 2*MemTableSize
	compCap   int64 // bound on one compaction's output
	vlogFile  int64 // ValueLogFileSize: what a value-log GC may rewrite
	statfs    func(dir string) (int64, error)
	listFiles func(dir string) ([]os.DirEntry, error)
}

// pageSlack covers partial pages and entry headers Badger writes around a
// write (header pages of new log files, zeroed next-entry headers).
const pageSlack = 256 << 10

func newSpaceGuard(dir string, o Options, bo badger.Options) *spaceGuard {
	return &spaceGuard{
		dir:       dir,
		minFree:   o.MinFreeBytes,
		worstMem:  int64(bo.NumMemtables) * 2 * bo.MemTableSize * 5 / 4,
		compCap:   int64(bo.NumLevelZeroTablesStall+1)*bo.MemTableSize + 10*bo.BaseLevelSize,
		vlogFile:  bo.ValueLogFileSize,
		statfs:    freeBytes,
		listFiles: os.ReadDir,
	}
}

// usage is what Badger may still allocate regardless of new writes.
type usage struct {
	flush   int64 // memtables to flush
	compact int64 // one compaction
}

func (g *spaceGuard) usage() (usage, error) {
	entries, err := g.listFiles(g.dir)
	if err != nil {
		return usage{}, err
	}
	var u usage
	var tables int64
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, ".mem"):
			if fi, err := e.Info(); err == nil {
				u.flush += allocated(fi)*5/4 + pageSlack
			}
		case strings.HasSuffix(name, ".sst"):
			if fi, err := e.Info(); err == nil {
				tables += fi.Size()
			}
		}
	}
	u.compact = min(tables, g.compCap)
	return u, nil
}

// check returns nil when a write of about n bytes leaves enough room, and
// an error matching ErrNoSpace and syscall.ENOSPC otherwise.
func (g *spaceGuard) check(n int64) error {
	need, free, err := g.need(n, g.minFree)
	if err != nil {
		return err
	}
	if free < need {
		return noSpace(fmt.Sprintf("write of %d bytes refused: %s has %d bytes free, the store needs %d "+
			"(room for Badger's memtable flush and a compaction, plus MinFreeBytes %d)",
			n, g.dir, free, need, g.minFree), syscall.ENOSPC)
	}
	return nil
}

// need returns the free space a write of n bytes requires and the free space
// there is.
func (g *spaceGuard) need(n, margin int64) (need, free int64, err error) {
	free, err = g.statfs(g.dir)
	if err != nil {
		return 0, 0, fmt.Errorf("index: free space of %s: %w", g.dir, err)
	}
	base := margin + 3*n + pageSlack
	if free >= base+g.worstMem+g.compCap {
		return base, free, nil // fast path: room for the worst case
	}
	u, err := g.usage()
	if err != nil {
		return 0, 0, fmt.Errorf("index: listing %s: %w", g.dir, err)
	}
	return base + u.flush + u.compact, free, nil
}

// canOpen reports whether Badger can be opened for writing: its replayed
// memtables get flushed and compacted, and it creates new log files.
// margin is added (hysteresis when switching back from read-only).
func (g *spaceGuard) canOpen(margin int64) error {
	need, free, err := g.need(0, margin)
	if err != nil {
		return err
	}
	if free < need {
		return noSpace(fmt.Sprintf("%s has %d bytes free, opening it for writing needs %d", g.dir, free, need), syscall.ENOSPC)
	}
	return nil
}
