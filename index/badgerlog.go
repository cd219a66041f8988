package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// Badger, opened for writing, replays every write-ahead log (.mem) and the
// newest value log (.vlog) and truncates each at its first entry that does
// not check out, assuming a torn tail left by a crash. A flipped bit in the
// middle of such a file is indistinguishable to it, so it would cut off
// every later entry — acknowledged commits — for good. checkLogs tells the
// two apart before Badger gets to truncate: after a crash, nothing but
// zeros (the file's unwritten part) follows the torn entry; after damage,
// valid entries do.

// vlogHeaderSize is Badger's per-file header (key id, IV) before the
// first entry.
const vlogHeaderSize = 20

// checkLogs returns an error matching ErrCorrupt when a log file Badger
// would truncate on a read-write open has valid entries after its first bad
// one.
func checkLogs(dir string) error {
	files, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	vlogs, _ := filepath.Glob(filepath.Join(dir, "*.vlog"))
	if last := lastVlog(vlogs); last != "" {
		files = append(files, last)
	}
	for _, f := range files {
		data, release, err := mapFile(f)
		if err != nil {
			return fmt.Errorf("index: reading %s: %w", f, err)
		}
		data = data[:dataEnd(f, len(data))]
		end, damaged := scanLog(data)
		release()
		if damaged {
			return corrupt(filepath.Base(f), fmt.Errorf("entry at offset %d does not check out but valid entries follow it "+
				"(a crash leaves only zeros after a torn entry): opening for writing would truncate them", end))
		}
	}
	return nil
}

// lastVlog is the value-log file with the largest id.
func lastVlog(files []string) string {
	best, bestID := "", -1
	for _, f := range files {
		id, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(f), ".vlog"))
		if err == nil && id > bestID {
			best, bestID = f, id
		}
	}
	return best
}

// scanLog walks the entries of a log file; end is the offset of the first
// entry that does not decode or check out, and damaged reports whether a
// valid entry starts anywhere after it.
func scanLog(data []byte) (end int, damaged bool) {
	off := vlogHeaderSize
	if len(data) < off {
		return 0, false
	}
	for {
		n := entryAt(data, off, 0)
		if n == 0 {
			break
		}
		off += n
	}
	z := len(data)
	for z > off && data[z-1] == 0 {
		z--
	}
	for c := off + 1; c < z; c++ {
		if entryAt(data[:z], c, 9) > 0 {
			return off, true
		}
	}
	return off, false
}

// entryAt returns the length of the valid entry at off (header, key, value,
// CRC-32C), or 0. Keys shorter than minKey do not count (Badger's keys end
// in an 8-byte version; resynchronising asks for at least one byte more).
func entryAt(data []byte, off, minKey int) int {
	b := data[off:]
	if len(b) < 2+3+4 {
		return 0
	}
	r := b[2:]
	klen, n1 := binary.Uvarint(r)
	if n1 <= 0 || klen > 1<<16 || klen == 0 || int(klen) < minKey {
		return 0
	}
	vlen, n2 := binary.Uvarint(r[n1:])
	if n2 <= 0 {
		return 0
	}
	_, n3 := binary.Uvarint(r[n1+n2:])
	if n3 <= 0 {
		return 0
	}
	hlen := 2 + n1 + n2 + n3
	total := uint64(hlen) + klen + vlen + 4
	if total > uint64(len(b)) {
		return 0
	}
	body := b[:hlen+int(klen)+int(vlen)]
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(b[len(body):]) {
		return 0
	}
	return int(total)
}

// mapFile returns the file's bytes (memory-mapped where possible).
func mapFile(path string) ([]byte, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if fi.Size() == 0 {
		return nil, func() {}, nil
	}
	if data, release, err := mmapFile(f, fi.Size()); err == nil {
		return data, release, nil
	}
	data, err := os.ReadFile(path)
	return slices.Clip(data), func() {}, err
}

// checkTables opens every table Badger's MANIFEST lists the way Badger
// will, but in this goroutine: Badger opens tables in goroutines of its own,
// where a damaged footer (a truncated file, garbled lengths) panics out of
// reach of any recover and kills the process. Here the panic becomes an
// error matching ErrCorrupt naming the table.
func checkTables(dir string, bo badger.Options) error {
	fp, err := os.Open(filepath.Join(dir, badger.ManifestFilename))
	if err != nil {
		return nil // a new store, or Badger will say what is wrong
	}
	man, _, err := replayManifest(fp, bo)
	fp.Close()
	if err != nil {
		return nil // Badger reports a damaged MANIFEST itself
	}
	ids := slices.Sorted(maps.Keys(man.Tables))
	for _, id := range ids {
		if err := checkTable(table.NewFilename(id, dir), man.Tables[id].Compression, bo); err != nil {
			return corrupt("table "+filepath.Base(table.NewFilename(id, dir)), err)
		}
	}
	return nil
}

func replayManifest(fp *os.File, bo badger.Options) (m badger.Manifest, n int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return badger.ReplayManifestFile(fp, bo.ExternalMagicVersion, bo)
}

func checkTable(path string, compression options.CompressionType, bo badger.Options) (err error) {
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.New("missing")
		}
		return err
	}
	defer mf.Close(-1)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("damaged (the storage library panicked: %.200s)", fmt.Sprint(r))
		}
	}()
	_, err = table.OpenTable(mf, table.Options{
		ReadOnly:           true,
		ChkMode:            options.OnBlockRead,
		BlockSize:          bo.BlockSize,
		BloomFalsePositive: bo.BloomFalsePositive,
		Compression:        compression,
		TableSize:          uint64(bo.BaseTableSize),
	})
	return err
}
