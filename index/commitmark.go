package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// commitMark is a small file next to Badger's that holds the generation of
// the last acknowledged commit. Badger replays its write-ahead log on Open
// and silently stops at the first damaged entry (dropping every later
// commit), and it reads a torn entry of its own MANIFEST as the end of the
// file; either can bring back an older manifest key, which looks like a
// perfectly consistent older index. Comparing the manifest's generation
// with the mark turns that into ErrCorrupt. The mark is written after the
// commit is durable and is not fsynced itself: after a power loss it can
// only be older than the store, never newer, so it never raises a false
// alarm. It is only kept with SyncWrites (otherwise acknowledged commits
// may legitimately vanish on a power loss).
const commitMarkFile = "sparrow.commit"

const commitMarkMagic = "SPCM"

type commitMark struct {
	path string
	f    *os.File // nil until the first write
}

func encodeCommitMark(gen uint64) []byte {
	b := binary.LittleEndian.AppendUint64([]byte(commitMarkMagic), gen)
	return withCRC(b)
}

// readCommitMark returns the recorded generation; ok is false when there is
// no mark. A damaged mark is an error (callers report it; it is rewritten by
// the next commit).
func readCommitMark(dir string) (gen uint64, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, commitMarkFile))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	body, err := checkCRC(b, "commit mark")
	if err != nil {
		return 0, false, err
	}
	if len(body) != len(commitMarkMagic)+8 || string(body[:4]) != commitMarkMagic {
		return 0, false, fmt.Errorf("commit mark: bad format (%d bytes)", len(b))
	}
	return binary.LittleEndian.Uint64(body[4:]), true, nil
}

// write records gen in place (one page, no fsync; see commitMark).
func (m *commitMark) write(gen uint64) error {
	if m.f == nil {
		f, err := os.OpenFile(m.path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		m.f = f
	}
	_, err := m.f.WriteAt(encodeCommitMark(gen), 0)
	return err
}

func (m *commitMark) close() error {
	if m == nil || m.f == nil {
		return nil
	}
	err := m.f.Close()
	m.f = nil
	return err
}

// checkCommitMark compares the loaded manifest with the mark.
func checkCommitMark(dir string, man *manifest) error {
	gen, ok, err := readCommitMark(dir)
	if err != nil || !ok {
		return nil // no mark (older store, or SyncWrites off), or damaged: nothing to compare
	}
	if man.Generation < gen {
		return corrupt("manifest", fmt.Errorf("store is at commit %d but commit %d was acknowledged: "+
			"Badger's log or MANIFEST is damaged and later commits were lost", man.Generation, gen))
	}
	return nil
}
