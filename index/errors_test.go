package index

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/y"
)

// TestClassify: storage errors map onto the typed errors whether the errno
// is still in the chain or only in Badger's message (y.Wrap formats with
// %+v outside its debug mode, dropping the chain).
func TestClassify(t *testing.T) {
	lossy := func(err error) error { return fmt.Errorf("while writing to value log err: %+v", err) }
	for _, tc := range []struct {
		name  string
		in    error
		kind  error
		errno error
	}{
		{"ENOSPC chained", fmt.Errorf("sync: %w", syscall.ENOSPC), ErrNoSpace, syscall.ENOSPC},
		{"ENOSPC in Badger's message", lossy(syscall.ENOSPC), ErrNoSpace, syscall.ENOSPC},
		{"EDQUOT", lossy(syscall.EDQUOT), ErrNoSpace, syscall.EDQUOT},
		{"EIO chained", fmt.Errorf("fsync: %w", syscall.EIO), ErrIO, syscall.EIO},
		{"EIO in Badger's message", lossy(syscall.EIO), ErrIO, syscall.EIO},
		{"EROFS", lossy(syscall.EROFS), ErrIO, syscall.EROFS},
		{"checksum", lossy(y.ErrChecksumMismatch), ErrCorrupt, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := classify("commit", tc.in)
			if !errors.Is(err, tc.kind) || (tc.errno != nil && !errors.Is(err, tc.errno)) {
				t.Fatalf("classify(%v) = %v: want %v and %v", tc.in, err, tc.kind, tc.errno)
			}
		})
	}
	if err := classify("x", badger.ErrKeyNotFound); err != badger.ErrKeyNotFound {
		t.Fatalf("an unrelated error changed: %v", err)
	}
}

// TestWriteFaultIsSticky: after a write fails with an I/O error (what
// reached the disk is uncertain, as after a failed fsync), every later
// write is refused with ErrIO while reads go on.
func TestWriteFaultIsSticky(t *testing.T) {
	ix := openMem(t)
	r := rand.New(rand.NewPCG(1, 1))
	apply(t, ix, []Document{randDoc(r, "a", 3)})
	err := ix.write(10, "commit", func(*badger.DB) error { return lossyErr(syscall.EIO) })
	if !errors.Is(err, ErrIO) || !errors.Is(err, syscall.EIO) {
		t.Fatalf("failed write: %v", err)
	}
	var b Batch
	b.Upsert(randDoc(r, "b", 3))
	if err := ix.Apply(&b); !errors.Is(err, ErrIO) {
		t.Fatalf("write after an I/O fault: %v, want ErrIO", err)
	}
	if err := ix.Writable(); !errors.Is(err, ErrIO) {
		t.Fatalf("Writable: %v", err)
	}
	if _, ok, err := ix.Get("a"); err != nil || !ok {
		t.Fatalf("read after an I/O fault: %v %v", ok, err)
	}
}

func lossyErr(err error) error { return fmt.Errorf("msync err: %+v", err) }
