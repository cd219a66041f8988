package collection

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrNotFound: no collection of that name (Catalog), or no such directory (Open).
	ErrNotFound = errors.New("collection: not found")
	// ErrExists: Create of a name or directory that is taken.
	ErrExists = errors.New("collection: already exists")
	// ErrClosed: the collection was closed (or dropped) under the caller.
	ErrClosed = errors.New("collection: closed")
	// ErrReadOnly: a write to a collection opened with Options.ReadOnly.
	ErrReadOnly = errors.New("collection: opened read-only; writes are disabled")
	// ErrLocked: another process holds the collection's store (a running
	// searchd or indexer build).
	ErrLocked = errors.New("collection: in use")
)

// InputError is a problem with what the caller asked for (a document, a
// query, a model directory), not with the collection: a client error.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{msg: fmt.Sprintf(format, args...)}
}

// IsInputError reports whether err is (or wraps) an *InputError.
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// explainLock turns Badger's directory-lock failure into an error that says
// what to do. Badger reports it as text only ("Cannot acquire directory lock
// on ... Another process is using this Badger database").
func explainLock(dir string, err error) error {
	if err == nil || !strings.Contains(err.Error(), "Cannot acquire directory lock") {
		return err
	}
	return fmt.Errorf("%w: %s is open in another process (a running searchd or indexer build holds its lock); "+
		"stop that process first, or build into a new directory and let searchd pick it up (%v)", ErrLocked, dir, err)
}
