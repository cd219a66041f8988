package index

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/dgraph-io/badger/v4/y"
)

// Storage faults are reported as errors that callers test with errors.Is;
// the index never panics or kills the process over them.
var (
	// ErrNoSpace: the write was refused (or failed) because the disk is full
	// or too close to full for Badger to write safely (see
	// Options.MinFreeBytes). Nothing was changed. The index stays readable
	// and accepts writes again, without a restart, once space returns.
	// errors.Is(err, syscall.ENOSPC) holds for the same errors.
	ErrNoSpace = errors.New("index: no space left on device")

	// ErrIO: the storage failed a read, write or fsync (EIO and the like).
	// After a failed write or fsync the index refuses further writes (what
	// reached the disk is uncertain) until it is reopened; reads go on.
	ErrIO = errors.New("index: storage I/O error")

	// ErrCorrupt: a stored record failed its checksum or its invariants.
	// The error names the record; `indexer verify` lists every such problem.
	ErrCorrupt = errors.New("index: corrupt data")

	// ErrReadOnly: the index was opened read-only (Options.ReadOnly, or
	// automatically because the disk was too full to open it for writing;
	// then the error also matches ErrNoSpace until space returns).
	ErrReadOnly = errors.New("index: read-only")
)

// faultError carries a sentinel (ErrNoSpace, ...) and the underlying cause,
// so errors.Is matches both (e.g. ErrNoSpace and syscall.ENOSPC).
type faultError struct {
	kind  error
	msg   string
	err   error
	errno syscall.Errno // when err lost it in Badger's wrapping; 0 = none
}

func (e *faultError) Error() string {
	if e.err == nil {
		return e.kind.Error() + ": " + e.msg
	}
	return e.kind.Error() + ": " + e.msg + ": " + e.err.Error()
}

func (e *faultError) Unwrap() []error {
	out := []error{e.kind}
	if e.err != nil {
		out = append(out, e.err)
	}
	if e.errno != 0 {
		out = append(out, e.errno)
	}
	return out
}

// corrupt reports a damaged record; what names it (e.g. "document record
// 12/3").
func corrupt(what string, err error) error {
	if errors.Is(err, ErrCorrupt) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return &faultError{kind: ErrCorrupt, msg: what, err: err}
}

// noSpace reports a refused or failed write for lack of space.
func noSpace(msg string, err error) error {
	if err == nil {
		err = syscall.ENOSPC
	}
	return &faultError{kind: ErrNoSpace, msg: msg, err: err}
}

// classify maps a storage error from Badger or the OS onto the typed errors
// above (nil and already-typed errors pass through). Badger wraps errors
// with %+v (y.Wrap outside its debug mode), which loses the chain, so the
// errno is also recognised by its message.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	for _, e := range []error{ErrNoSpace, ErrIO, ErrCorrupt, ErrReadOnly, ErrClosed} {
		if errors.Is(err, e) {
			return err
		}
	}
	msg := err.Error()
	has := func(errs ...syscall.Errno) (syscall.Errno, bool) {
		for _, e := range errs {
			if errors.Is(err, e) || strings.Contains(msg, e.Error()) {
				return e, true
			}
		}
		return 0, false
	}
	if e, ok := has(syscall.ENOSPC, syscall.EDQUOT); ok {
		return &faultError{kind: ErrNoSpace, msg: op, err: err, errno: e}
	}
	if e, ok := has(syscall.EIO, syscall.EROFS, syscall.ENXIO); ok {
		return &faultError{kind: ErrIO, msg: op, err: err, errno: e}
	}
	if errors.Is(err, y.ErrChecksumMismatch) || strings.Contains(msg, y.ErrChecksumMismatch.Error()) {
		return corrupt(op, err)
	}
	return err
}

// isWriteFault reports whether a failed write leaves the store in a state
// where further writes must be refused (the disk dropped data we thought
// written: a failed fsync or an I/O error).
func isWriteFault(err error) bool { return errors.Is(err, ErrIO) }
