package lexical

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/sparrow-search/sparrow/internal/durable"
)

// The seal closes the one gap Check's segment CRCs leave: bbolt checksums
// only its two meta pages, so a flipped bit in a data page of root.bolt
// (bleve's snapshot records: segment lists, deleted-doc bitmaps, our
// options and mark) goes undetected, and bleve may then answer wrongly or
// panic in one of its own goroutines, where no recover of ours reaches.
// A writable index's Close records root.bolt's length and CRC-32C in
// SealFile (after bleve has closed it: nothing writes it any more); a
// writable Open removes the seal, durably, before bleve may write again.
// So a present seal always describes the file as its last clean Close left
// it, and Check compares the two: any change is ErrCorrupt. An index
// without a seal (an unclean stop, or made before seals) gets a walk of
// every bolt page in our goroutine instead, which turns a damaged page
// structure into an error but cannot see a flipped value.

// SealFile is the name of the seal inside an index directory.
const SealFile = "sparrow.seal"

const sealMagic = "sparrow-bm25-seal 1"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func boltPath(dir string) string { return filepath.Join(dir, "store", "root.bolt") }

// fileCRC returns a file's length and CRC-32C.
func fileCRC(path string) (int64, uint32, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	h := crc32.New(castagnoli)
	n, err := io.Copy(h, f)
	return n, h.Sum32(), err
}

// encodeSeal is one text line: magic, length, CRC of root.bolt, then the
// CRC of everything before it (a damaged seal is an error, not a
// mismatch that blames root.bolt).
func encodeSeal(size int64, sum uint32) []byte {
	body := fmt.Sprintf("%s %d %08x", sealMagic, size, sum)
	return fmt.Appendf(nil, "%s %08x\n", body, crc32.Checksum([]byte(body), castagnoli))
}

func decodeSeal(b []byte) (size int64, sum uint32, err error) {
	b = bytes.TrimSuffix(b, []byte("\n"))
	i := bytes.LastIndexByte(b, ' ')
	if i < 0 {
		return 0, 0, errors.New("seal: malformed")
	}
	body := b[:i]
	own, err := strconv.ParseUint(string(b[i+1:]), 16, 32)
	if err != nil || uint32(own) != crc32.Checksum(body, castagnoli) {
		return 0, 0, errors.New("seal: checksum mismatch")
	}
	var hex string
	if _, err := fmt.Sscanf(string(body), sealMagic+" %d %s", &size, &hex); err != nil {
		return 0, 0, fmt.Errorf("seal: %v", err)
	}
	s, err := strconv.ParseUint(hex, 16, 32)
	if err != nil || size < 0 {
		return 0, 0, errors.New("seal: malformed")
	}
	return size, uint32(s), nil
}

// writeSeal records root.bolt as it is now; only after bleve has closed it.
func writeSeal(dir string) error {
	size, sum, err := fileCRC(boltPath(dir))
	if err != nil {
		return fmt.Errorf("lexical: seal: %w", err)
	}
	if err := durable.WriteFile(filepath.Join(dir, SealFile), encodeSeal(size, sum)); err != nil {
		return fmt.Errorf("lexical: seal: %w", err)
	}
	return nil
}

// breakSeal removes the seal, durably, before bleve may write root.bolt.
func breakSeal(dir string) error {
	if err := durable.Remove(filepath.Join(dir, SealFile)); err != nil {
		return fmt.Errorf("lexical: removing the seal: %w", err)
	}
	return nil
}

// checkRoot verifies root.bolt against the seal, or, without one, walks
// every page of it. sealed says which check ran. A missing root.bolt is
// left to bleve's open (which reports it).
func checkRoot(dir string) (sealed bool, err error) {
	raw, err := os.ReadFile(filepath.Join(dir, SealFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Stat(boltPath(dir)); errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, walkBolt(boltPath(dir))
	case err != nil:
		return false, err
	}
	size, sum, err := decodeSeal(raw)
	if err != nil {
		return true, err
	}
	gotSize, gotSum, err := fileCRC(boltPath(dir))
	if err != nil {
		return true, err
	}
	if gotSize != size || gotSum != sum {
		return true, fmt.Errorf("root.bolt differs from its seal (%d bytes, CRC-32C %08x; sealed %d, %08x)", gotSize, gotSum, size, sum)
	}
	return true, nil
}

var errLocked = errors.New("root.bolt is locked: the index is open for writing in another process")

// walkBolt opens root.bolt read-only and visits every bucket, key and
// value, so a damaged page structure panics or fails here, recovered, and
// not later in a goroutine of bleve's.
func walkBolt(file string) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("root.bolt: bbolt panicked walking its pages: %v", r)
		}
	}()
	db, err := bolt.Open(file, 0o400, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		// Not damage: a writer holds the lock (where bleve's own open
		// would wait for ever).
		return errLocked
	}
	if err != nil {
		return fmt.Errorf("root.bolt: %v", err)
	}
	defer db.Close()
	h := crc32.New(castagnoli)
	var walk func(b *bolt.Bucket, depth int) error
	walk = func(b *bolt.Bucket, depth int) error {
		if depth > 64 {
			return errors.New("root.bolt: buckets nested more than 64 deep")
		}
		return b.ForEach(func(k, v []byte) error {
			h.Write(k) // reads every byte: a bad length faults here
			if v != nil {
				h.Write(v)
				return nil
			}
			nb := b.Bucket(k)
			if nb == nil {
				return fmt.Errorf("root.bolt: key %q is neither a value nor a bucket", k)
			}
			return walk(nb, depth+1)
		})
	}
	return db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return walk(b, 0) })
	})
}
