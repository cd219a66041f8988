//go:build linux || darwin || freebsd

package index

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// freeBytes is the space an unprivileged writer may still use on dir's
// filesystem.
func freeBytes(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// allocated is the disk space a file occupies (its holes excluded).
func allocated(fi os.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return fi.Size()
}

// mmapFile maps f read-only.
func mmapFile(f *os.File, size int64) ([]byte, func(), error) {
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, func() { unix.Munmap(data) }, nil
}

// dataEnd bounds the file's written bytes: the end of its last data extent
// (holes read as zeros; skipping them saves touching every page of Badger's
// sparse log files). size when the filesystem cannot say.
func dataEnd(path string, size int) int {
	f, err := os.Open(path)
	if err != nil {
		return size
	}
	defer f.Close()
	end, off := 0, int64(0)
	for off < int64(size) {
		data, err := unix.Seek(int(f.Fd()), off, unix.SEEK_DATA)
		if err != nil {
			break // ENXIO: no data after off
		}
		hole, err := unix.Seek(int(f.Fd()), data, unix.SEEK_HOLE)
		if err != nil {
			return size
		}
		end, off = int(hole), hole
	}
	return min(end, size)
}
