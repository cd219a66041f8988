package index

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sparrow-search/sparrow/internal/testenv"
)

// The disk-full test runs the index in a child process (this test binary)
// on a small tmpfs, fills the filesystem with a ballast file, and drives
// the child over stdin: every write must either be acknowledged or refused
// with ErrNoSpace (never a SIGBUS), reads must go on, and writes must
// succeed again once the ballast is gone — without a restart. A child
// started on a full disk must open read-only and switch back by itself.

const (
	diskFullEnv     = "SPARROW_INDEX_DISKFULL_DIR"
	diskFullFreeEnv = "SPARROW_INDEX_DISKFULL_MINFREE"
)

// smallFS mounts a tmpfs of size bytes, or skips the test saying why.
func smallFS(t *testing.T, size int64) string {
	t.Helper()
	dir := t.TempDir()
	err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size))
	if err != nil {
		t.Skipf("disk-full test needs a small filesystem: mounting a %d-byte tmpfs failed (%v); run as root (CAP_SYS_ADMIN)", size, err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

func diskFullOptions() Options {
	o := DefaultOptions() // Badger sizes as searchd uses them
	o.Segment.Scale = testScale
	o.Logger = nopLogger{}
	o.SpaceRetryInterval = 50 * time.Millisecond
	o.MinFreeBytes, _ = strconv.ParseInt(os.Getenv(diskFullFreeEnv), 10, 64)
	return o
}

// fullBatch is batch k: 100 documents like the (text and vector).
func fullBatch(k int) []Document {
	r := rand.New(rand.NewPCG(uint64(k), 5))
	docs := make([]Document, 100)
	for i := range docs {
		docs[i] = randDoc(r, fmt.Sprintf("b%d-%d", k, i), 60)
		docs[i].Text = strings.Repeat(fmt.Sprintf("text of b%d-%d ", k, i), 20+r.IntN(60))
	}
	return docs
}

// diskFullChild serves commands on stdin: "ingest N" applies batches
// until one is refused (at most N), "check" reads every acknowledged
// document back, "close" closes the index.
func diskFullChild(dir string) {
	ix, err := Open(dir, diskFullOptions())
	if err != nil {
		fmt.Println("open-error", err)
		os.Exit(2)
	}
	next := 0
	if v, _ := ix.Meta("next"); v != "" {
		next, _ = strconv.Atoi(v)
	}
	fmt.Println("opened", next, errors.Is(ix.Writable(), ErrReadOnly))
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch f[0] {
		case "ingest":
			n, _ := strconv.Atoi(f[1])
			acked, refused := 0, ""
			for range n {
				var b Batch
				for _, d := range fullBatch(next) {
					b.Upsert(d)
				}
				b.SetMeta("next", strconv.Itoa(next+1))
				if err := ix.Apply(&b); err != nil {
					refused = fmt.Sprintf("nospace=%v enospc=%v readonly=%v %v", errors.Is(err, ErrNoSpace),
						errors.Is(err, syscall.ENOSPC), errors.Is(err, ErrReadOnly), err)
					break
				}
				next++
				acked++
			}
			fmt.Printf("ingested %d %d %s\n", acked, next, strings.ReplaceAll(refused, "\n", " "))
		case "check":
			bad := 0
			for k := range next {
				for _, d := range fullBatch(k) {
					if got, ok, err := ix.Get(d.ID); err != nil || !ok || !reflect.DeepEqual(got, d) {
						bad++
					}
				}
			}
			fmt.Printf("checked %d %d\n", next*100, bad)
		case "close":
			fmt.Println("closed", strings.ReplaceAll(fmt.Sprint(ix.Close()), "\n", " "))
			os.Exit(0)
		}
	}
	os.Exit(3)
}

type diskFullProc struct {
	*faultChild
	t     *testing.T
	first string
}

func startDiskFullChild(t *testing.T, dir string, minFree int64) *diskFullProc {
	t.Helper()
	c := startChild(t, "TestDiskFull", diskFullEnv+"="+dir, fmt.Sprintf("%s=%d", diskFullFreeEnv, minFree))
	p := &diskFullProc{faultChild: c, t: t}
	p.first = p.line()
	return p
}

func (p *diskFullProc) line() string {
	p.t.Helper()
	l, ok := p.next()
	if !ok {
		p.t.Fatalf("child died: %s", l)
	}
	return l
}

func (p *diskFullProc) do(cmd string) string {
	p.t.Helper()
	fmt.Fprintln(p.in, cmd)
	return p.line()
}

// ingest returns batches acknowledged and the refusal ("" if none).
func (p *diskFullProc) ingest(n int) (int, string) {
	p.t.Helper()
	f := strings.SplitN(p.do(fmt.Sprintf("ingest %d", n)), " ", 4)
	acked, _ := strconv.Atoi(f[1])
	if len(f) < 4 {
		return acked, ""
	}
	return acked, f[3]
}

func (p *diskFullProc) check() {
	p.t.Helper()
	var n, bad int
	fmt.Sscanf(p.do("check"), "checked %d %d", &n, &bad)
	if bad != 0 {
		p.t.Fatalf("%d of %d acknowledged documents missing or changed", bad, n)
	}
}

// fill writes a ballast file until the filesystem is full, leaving room
// bytes; it returns the ballast's path.
func fill(t *testing.T, dir string, room int64) string {
	t.Helper()
	path := filepath.Join(dir, "ballast")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	free, err := freeBytes(dir)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	for left := free - room; left > 0; left -= int64(len(buf)) {
		if _, err := f.Write(buf[:min(int64(len(buf)), left)]); err != nil {
			break // ENOSPC: full
		}
	}
	return path
}

func TestDiskFull(t *testing.T) {
	if dir := os.Getenv(diskFullEnv); dir != "" {
		diskFullChild(dir)
		return
	}
	t.Parallel() // its time is the child's and the file system's: overlaps the other trial suites
	// No margin (Badger's own reserve for its memtable flush and a
	// compaction must keep it alive on its own), and in the long run the
	// default margin (16 MiB) too.
	configs := []int64{-1}
	if testenv.Long() {
		configs = append(configs, 0)
	}
	for _, minFree := range configs {
		t.Run(fmt.Sprintf("MinFreeBytes=%d", minFree), func(t *testing.T) { testDiskFull(t, minFree) })
	}
}

func testDiskFull(t *testing.T, minFree int64) {
	fs := smallFS(t, 256<<20)
	dir := filepath.Join(fs, "sparse")
	p := startDiskFullChild(t, dir, minFree)
	defer p.kill()

	fills, refusals, acked, nearFull := testenv.Trials(3, 10), 0, 0, 0
	for i := range fills {
		// Leave no room, less than the margin, or more (then some batches
		// go in before the refusal).
		room := []int64{0, 4 << 20, int64(testenv.Trials(8, 24)) << 20}[i%3]
		ballast := fill(t, fs, room)
		n, refused := p.ingest(200)
		acked += n
		if n > 0 {
			nearFull++
		}
		if !strings.HasPrefix(refused, "nospace=true enospc=true") {
			t.Fatalf("fill %d (room %d): %d batches acknowledged, then %q; want a refusal matching ErrNoSpace and ENOSPC", i, room, n, refused)
		}
		refusals++
		p.check() // reads go on while the disk is full
		if err := os.Remove(ballast); err != nil {
			t.Fatal(err)
		}
		n, refused = p.ingest(2) // no restart
		acked += n
		if n != 2 {
			t.Fatalf("fill %d: after space returned, %d of 2 batches acknowledged: %s", i, n, refused)
		}
		p.check()
	}
	// A restart on a full disk opens read-only and switches back by itself.
	if got := p.do("close"); got != "closed <nil>" {
		t.Fatalf("close: %s", got)
	}
	p.cmd.Wait()
	ballast := fill(t, fs, 0)
	p = startDiskFullChild(t, dir, minFree)
	defer p.kill()
	if !strings.HasSuffix(p.first, " true") {
		t.Fatalf("open on a full disk: %q, want read-only", p.first)
	}
	p.check()
	if n, refused := p.ingest(1); n != 0 || !strings.Contains(refused, "nospace=true enospc=true readonly=true") {
		t.Fatalf("write to a read-only index on a full disk: %d acked, %q", n, refused)
	}
	os.Remove(ballast)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if n, _ := p.ingest(1); n == 1 {
			acked++
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("index did not become writable after space returned")
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.check()
	// Closing on a full disk leaves the store as a crash would (Badger's
	// memtable flush cannot be written); the next open replays its log.
	ballast = fill(t, fs, 0)
	if got := p.do("close"); !strings.Contains(got, "no space") {
		t.Fatalf("close on a full disk: %s", got)
	}
	p.cmd.Wait()
	os.Remove(ballast)
	p = startDiskFullChild(t, dir, minFree)
	defer p.kill()
	p.check()
	t.Logf("disk full: %d fills survived (%d with batches acknowledged up to the refusal), %d writes refused with ErrNoSpace, "+
		"%d batches (%d documents) acknowledged and intact; reopened read-only on a full disk, writable again without a restart",
		fills, nearFull, refusals, acked, acked*100)
}
