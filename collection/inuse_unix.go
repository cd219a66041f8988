//go:build unix

package collection

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// inUse reports whether a process (this one included) has the collection
// at dir open: its sparse store holds an exclusive flock on its directory.
func inUse(dir string) bool {
	f, err := os.Open(filepath.Join(dir, SparseDir))
	if err != nil {
		return false
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return errors.Is(err, unix.EWOULDBLOCK)
	}
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false
}
