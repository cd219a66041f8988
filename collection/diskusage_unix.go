//go:build unix

package collection

import (
	"io/fs"
	"syscall"
)

// allocatedBytes is the space a file really occupies: Badger preallocates
// sparse value-log files of 1 GiB, so the apparent size overstates it.
func allocatedBytes(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return info.Size()
}
