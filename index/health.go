package index

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// entryOverhead approximates Badger's per-entry bytes besides key and value
// (headers, checksums, version suffixes), for the space guard.
const entryOverhead = 64

// view runs fn in a read transaction. A panic inside Badger (damaged files
// decode to impossible offsets) and a fault on its memory-mapped files
// become an error matching ErrCorrupt that names what was read (what is
// only called then).
func (ix *Index) view(fn func(txn *badger.Txn) error, what func() string) (err error) {
	ix.dbMu.RLock()
	defer ix.dbMu.RUnlock()
	if ix.db == nil {
		return ErrClosed
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = corrupt(what(), fmt.Errorf("storage library panicked: %v", r))
		}
	}()
	if err := ix.db.View(fn); err != nil {
		return classify(what(), err)
	}
	return nil
}

// write runs fn, which writes about n bytes, if writes are allowed now
// (see writeGate), and classifies its error; an I/O fault makes every later
// write fail until the index is reopened.
func (ix *Index) write(n int64, op string, fn func(db *badger.DB) error) (err error) {
	if err := ix.writeGate(n); err != nil {
		return err
	}
	ix.dbMu.RLock()
	defer ix.dbMu.RUnlock()
	if ix.db == nil {
		return ErrClosed
	}
	defer func() {
		if r := recover(); r != nil {
			err = &faultError{kind: ErrIO, msg: op, err: fmt.Errorf("storage library panicked: %v", r)}
		}
		if err = classify(op, err); isWriteFault(err) {
			ix.fault.CompareAndSwap(nil, &err)
		}
	}()
	return fn(ix.db)
}

// writeGate returns why a write of about n bytes must not happen now: the
// index is read-only, an earlier write hit an I/O fault, or the disk is too
// full (ErrNoSpace: the write is refused before Badger starts it).
func (ix *Index) writeGate(n int64) error {
	if ix.readOnly.Load() {
		if p := ix.roCause.Load(); p != nil {
			return *p
		}
		return ErrReadOnly
	}
	if p := ix.fault.Load(); p != nil {
		return fmt.Errorf("index: writes disabled after an earlier failure (reopen the index): %w", *p)
	}
	if ix.space != nil {
		return ix.space.check(n)
	}
	return nil
}

// setReadOnly makes the index read-only; cause (may be nil) says why.
func (ix *Index) setReadOnly(cause error) {
	err := ErrReadOnly
	switch {
	case errors.Is(cause, ErrNoSpace):
		err = &faultError{kind: ErrReadOnly, msg: "opened read-only until space returns", err: cause}
	case cause != nil:
		err = &faultError{kind: ErrReadOnly, msg: "opened read-only", err: cause}
	}
	ix.roCause.Store(&err)
	ix.readOnly.Store(true)
}

// Writable reports whether writes are accepted now: nil, or the error a
// write would get (ErrReadOnly, ErrNoSpace, ErrIO, ErrClosed). A no-space
// condition clears by itself once space returns.
func (ix *Index) Writable() error {
	ix.mu.Lock()
	closed := ix.closed
	ix.mu.Unlock()
	if closed {
		return ErrClosed
	}
	return ix.writeGate(0)
}

// waitForSpace runs while an index opened read-only for lack of space
// waits to switch to read-write.
func (ix *Index) waitForSpace() {
	defer ix.bg.Done()
	t := time.NewTicker(ix.opts.SpaceRetryInterval)
	defer t.Stop()
	for {
		select {
		case <-ix.stop:
			return
		case <-t.C:
		}
		// Hysteresis: switch only with the write margin available too.
		if ix.space.canOpen(ix.opts.MinFreeBytes) != nil {
			continue
		}
		err := ix.reopenWritable()
		if err == nil {
			ix.opts.Logger.Warningf("index: %s: space is back, open for writing again", ix.dir)
			return
		}
		if errors.Is(err, ErrClosed) {
			return
		}
		ix.opts.Logger.Errorf("index: %s: switching to read-write: %v", ix.dir, err)
	}
}

// reopenWritable replaces the read-only Badger handle with a read-write
// one. Readers wait for the swap (dbMu); the loaded segments stay valid
// since the files are the same.
func (ix *Index) reopenWritable() error {
	ix.compactMu.Lock()
	defer ix.compactMu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return ErrClosed
	}
	ix.dbMu.Lock()
	defer ix.dbMu.Unlock()
	if err := ix.db.Close(); err != nil {
		return err
	}
	db, err := openBadger(ix.dir, ix.opts, false)
	if err != nil {
		// Keep serving reads.
		ro, err2 := openBadger(ix.dir, ix.opts, true)
		if err2 != nil {
			ix.db = nil
			fault := fmt.Errorf("index: reopening %s failed (%v), and read-only too: %w", ix.dir, err, err2)
			ix.fault.Store(&fault)
			return fault
		}
		ix.db = ro
		return err
	}
	ix.db = db
	if ix.opts.SyncWrites {
		ix.mark = &commitMark{path: filepath.Join(ix.dir, commitMarkFile)}
	}
	ix.readOnly.Store(false)
	ix.roCause.Store(nil)
	if !ix.opts.DisableAutoCompaction {
		ix.startCompaction()
	}
	return nil
}

// markCommitted records the generation of a durable commit (see
// commitMark). Caller holds mu.
func (ix *Index) markCommitted(gen uint64) {
	if ix.mark == nil {
		return
	}
	if err := ix.mark.write(gen); err != nil {
		ix.opts.Logger.Warningf("index: %s: recording commit %d: %v", ix.dir, gen, err)
	}
}
