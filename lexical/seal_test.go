package lexical

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/sparrow-search/sparrow/dataset"
)

// TestSealLifecycle: Close seals, a writable Open breaks the seal until
// the next Close, a read-only open leaves it, and Check says which check
// it ran.
func TestSealLifecycle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bm25")
	seal := filepath.Join(dir, SealFile)
	sealed := func() bool { _, err := os.Stat(seal); return err == nil }
	ix := mustBuild(t, dir, Options{})
	if sealed() {
		t.Fatal("sealed while open for writing")
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if info, err := Check(dir); err != nil || !info.Sealed {
		t.Fatalf("after Close: Check = %+v, %v; want sealed", info, err)
	}

	ro, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !ro.Sealed() {
		t.Fatal("a sealed index opened as unsealed")
	}
	before, _ := os.ReadFile(seal)
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(seal); string(after) != string(before) || len(before) == 0 {
		t.Fatalf("read-only open changed the seal: %q -> %q", before, after)
	}

	ix, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if sealed() {
		t.Fatal("a writable Open kept the seal")
	}
	if err := ix.Add([]dataset.Doc{{ID: "new", Text: "a document added after reopening"}}); err != nil {
		t.Fatal(err)
	}
	// An unclean stop now (no Close; a copy of the files stands for what
	// it leaves) finds the index unsealed: Check walks root.bolt instead.
	torn := filepath.Join(t.TempDir(), "torn")
	if err := os.CopyFS(torn, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if info, err := Check(torn); err != nil || info.Sealed {
		t.Fatalf("unsealed: Check = %+v, %v; want a walked, unsealed index", info, err)
	}
	// Open for writing here: another reader is told so, not told that
	// the index is damaged (bleve's own open would wait for ever).
	if _, err := Check(dir); err == nil || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("Check of an index open for writing: %v, want a lock error (not ErrCorrupt)", err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if info, err := Check(dir); err != nil || !info.Sealed {
		t.Fatalf("after the second Close: Check = %+v, %v", info, err)
	}
}

// TestWalkBolt: a damaged page structure in an unsealed root.bolt is an
// error from the walk (never a panic), and every damaged byte of a page is
// either that or harmless.
func TestWalkBolt(t *testing.T) {
	file := filepath.Join(t.TempDir(), "root.bolt")
	db, err := bolt.Open(file, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for i := range 8 {
			b, err := tx.CreateBucket(fmt.Appendf(nil, "b%d", i))
			if err != nil {
				return err
			}
			for j := range 300 {
				if err := b.Put(fmt.Appendf(nil, "k%04d", j), []byte(strings.Repeat("v", j%50))); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := walkBolt(file); err != nil {
		t.Fatalf("intact file: %v", err)
	}
	good, _ := os.ReadFile(file)
	ps := os.Getpagesize()
	errs := 0
	for page := 2; page*ps < len(good); page++ { // data pages, past the two meta pages
		for _, off := range []int{0, 8, 10, 12, 16, 20, 24} { // header: id, flags, count; first elements
			b := append([]byte(nil), good...)
			for i := range 4 {
				b[page*ps+off+i] ^= 0xff
			}
			if err := os.WriteFile(file, b, 0o600); err != nil {
				t.Fatal(err)
			}
			if walkBolt(file) != nil {
				errs++
			}
		}
	}
	if errs == 0 {
		t.Fatal("no damaged page header was reported")
	}
	t.Logf("%d damaged page headers reported, none panicked", errs)
}

func TestSealCodec(t *testing.T) {
	b := encodeSeal(123456, 0xdeadbeef)
	size, sum, err := decodeSeal(b)
	if err != nil || size != 123456 || sum != 0xdeadbeef {
		t.Fatalf("round trip: %d %08x %v", size, sum, err)
	}
	for i := range len(b) - 1 { // the newline is not covered
		c := append([]byte(nil), b...)
		c[i] ^= 0x04
		if _, _, err := decodeSeal(c); err == nil {
			t.Errorf("byte %d flipped: accepted %q", i, c)
		}
	}
}

func FuzzDecodeSeal(f *testing.F) {
	f.Add(encodeSeal(0, 0))
	f.Add(encodeSeal(1<<40, 0xffffffff))
	f.Add([]byte("sparrow-bm25-seal 1 -5 00000000 00000000\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		size, sum, err := decodeSeal(b)
		if err != nil {
			return
		}
		if size < 0 {
			t.Fatalf("negative size %d accepted", size)
		}
		if got, _, err := decodeSeal(encodeSeal(size, sum)); err != nil || got != size {
			t.Fatalf("re-encoded %d %08x: %v", size, sum, err)
		}
	})
}
