package index

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sparrow-search/sparrow/internal/testenv"
)

// Corruption trials: damage one file of a store at a random offset and
// check that nothing reads back wrong. Each trial copies a reference store
// (one closed cleanly, one killed mid-life so Badger's logs hold unflushed
// commits), damages one file of a kind chosen uniformly (tables, value
// logs, write-ahead logs, Badger's MANIFEST, KEYREGISTRY and DISCARD, the
// commit mark) with a flipped bit, a random byte, a zeroed or garbled run,
// or a truncation, and hands it to a child process (this test binary) that
// opens it and reads every document, the live id set and the segments'
// postings. Outcomes: the open fails, or reads fail, or everything reads
// back exactly; a child that dies (panic, SIGBUS, log.Fatal) is a crash,
// and anything read back differently without an error is a silent wrong
// answer. Both must be 0. Verify must report damage whenever a read did.

const corruptEnv = "SPARROW_INDEX_CORRUPT_CHILD"

// faultOptions keeps files small so there are several of each kind.
func faultOptions() Options {
	o := DefaultOptions()
	o.Segment.Scale = testScale
	o.DisableAutoCompaction = true
	o.MinBlobDocs = 300
	o.MemTableSize = 1 << 20
	o.ValueLogFileSize = 1 << 20
	o.ValueThreshold = 1 << 10
	o.MinFreeBytes = -1
	o.Logger = nopLogger{}
	return o
}

// faultHistory is the reference store's history: batches 0..11 of
// crashBatch, a compaction after batch 5, and one large batch (a segment
// stored with its blob) as batch 12.
const faultBatches = 13

func faultBatch(k int) (ups []Document, dels []string) {
	if k < faultBatches-1 {
		return crashBatch(k)
	}
	r := rand.New(rand.NewPCG(uint64(k), 99))
	for i := range 400 {
		d := randDoc(r, fmt.Sprintf("big%d", i), 20)
		d.Text = strings.Repeat(d.Text+" ", 1+r.IntN(150))
		ups = append(ups, d)
	}
	return ups, []string{"b3-2", "big7"}
}

// applyOps commits upserts, deletes and meta key/value pairs as one batch.
func applyOps(ix *Index, ups []Document, dels []string, meta ...string) error {
	var b Batch
	for _, d := range ups {
		b.Upsert(d)
	}
	for _, id := range dels {
		b.Delete(id)
	}
	for i := 0; i+1 < len(meta); i += 2 {
		b.SetMeta(meta[i], meta[i+1])
	}
	return ix.Apply(&b)
}

func faultModel() (map[string]Document, map[string]string) {
	m := map[string]Document{}
	for k := range faultBatches {
		ups, dels := faultBatch(k)
		for _, d := range ups {
			m[d.ID] = d
		}
		for _, id := range dels {
			delete(m, id)
		}
	}
	return m, map[string]string{"last-batch": strconv.Itoa(faultBatches - 1)}
}

// buildFaultStore writes the reference history into dir. With crash, the
// process is meant to be killed afterwards (it does not close the index).
func buildFaultStore(dir string, crash bool) error {
	ix, err := Open(dir, faultOptions())
	if err != nil {
		return err
	}
	for k := range faultBatches {
		ups, dels := faultBatch(k)
		if err := applyOps(ix, ups, dels, "last-batch", strconv.Itoa(k)); err != nil {
			return err
		}
		if k == 5 {
			if err := ix.Compact(); err != nil {
				return err
			}
		}
	}
	if crash {
		return nil
	}
	return ix.Close()
}

// checkFaultStore opens a damaged copy and compares everything with the
// model and with the reference's postings. It returns the outcome word and
// details.
func checkFaultStore(dir string, model map[string]Document, meta map[string]string, ref map[string][]int32) (string, string) {
	ix, err := Open(dir, faultOptions())
	if err != nil {
		return "open-error", errKind(err) + " " + oneLine(err)
	}
	defer ix.Close()
	s := ix.Snapshot()
	var live []string
	for vi, v := range s.Views() {
		for doc := uint32(0); int(doc) < v.Segment.NumDocs(); doc++ {
			if v.Live != nil && !v.Live.Contains(doc) {
				continue
			}
			id, _ := s.ID(vi, doc)
			live = append(live, id)
			want, ok := ref[id]
			if got := v.Segment.Vector(doc).IDs; !ok || !slices.Equal(got, want) {
				return "WRONG", fmt.Sprintf("postings of %q differ from the reference", id)
			}
		}
	}
	sort.Strings(live)
	var ids []string
	for id := range model {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if !slices.Equal(live, ids) {
		return "WRONG", fmt.Sprintf("%d live ids, want %d", len(live), len(ids))
	}
	for k, v := range meta {
		if got, _ := ix.Meta(k); got != v {
			return "WRONG", fmt.Sprintf("meta %q = %q, want %q", k, got, v)
		}
	}
	bad := 0
	for _, id := range ids {
		got, ok, err := ix.Get(id)
		switch {
		case err != nil:
			bad++
		case !ok || !reflect.DeepEqual(got, model[id]):
			return "WRONG", fmt.Sprintf("document %q read back different (ok=%v)", id, ok)
		}
	}
	if bad > 0 {
		return "read-errors", strconv.Itoa(bad)
	}
	return "ok", ""
}

func errKind(err error) string {
	for _, k := range []struct {
		e    error
		name string
	}{{ErrCorrupt, "corrupt"}, {ErrIO, "io"}, {ErrReadOnly, "readonly"}, {ErrNoSpace, "nospace"}} {
		if errors.Is(err, k.e) {
			return k.name
		}
	}
	return "other"
}

func oneLine(err error) string {
	s := strings.ReplaceAll(err.Error(), "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// corruptChild builds reference stores or checks damaged copies, one per
// stdin line: "build DIR", "crash DIR" (build, then wait to be killed),
// "check DIR REF" (REF: the pristine store of which DIR is a damaged copy).
func corruptChild() {
	model, meta := faultModel()
	refs := map[string]map[string][]int32{}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch f[0] {
		case "build", "crash":
			if err := buildFaultStore(f[1], f[0] == "crash"); err != nil {
				fmt.Println("error", oneLine(err))
				continue
			}
			fmt.Println("built")
			if f[0] == "crash" {
				time.Sleep(time.Hour) // killed by the parent
			}
		case "check":
			ref := refs[f[2]]
			if ref == nil {
				var err error
				if ref, err = referencePostings(f[2]); err != nil {
					fmt.Println("error", oneLine(err))
					continue
				}
				refs[f[2]] = ref
			}
			out, detail := checkFaultStore(f[1], model, meta, ref)
			verified := "-"
			if out != "ok" {
				rep, err := Verify(f[1], faultOptions())
				verified = strconv.FormatBool(err != nil || !rep.OK())
			}
			fmt.Println(out, verified, detail)
		}
	}
	os.Exit(0)
}

// referencePostings reads the term ids of every live document of a pristine
// store (a copy: opening it replays its log).
func referencePostings(dir string) (map[string][]int32, error) {
	tmp, err := os.MkdirTemp("", "ref")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := copyDir(dir, tmp); err != nil {
		return nil, err
	}
	ix, err := Open(tmp, faultOptions())
	if err != nil {
		return nil, err
	}
	defer ix.Close()
	s := ix.Snapshot()
	out := map[string][]int32{}
	for vi, v := range s.Views() {
		for doc := uint32(0); int(doc) < v.Segment.NumDocs(); doc++ {
			if v.Live == nil || v.Live.Contains(doc) {
				id, _ := s.ID(vi, doc)
				out[id] = v.Segment.Vector(doc).IDs
			}
		}
	}
	return out, nil
}

func copyDir(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// copyFile copies only the data extents (Badger's log files are sparse).
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer out.Close()
	end := int64(dataEnd(src, int(fi.Size())))
	if _, err := io.Copy(out, io.LimitReader(in, end)); err != nil {
		return err
	}
	return out.Truncate(fi.Size())
}

// faultChild is a child process driven over stdin.
type faultChild struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

// startChild runs this test binary's test as a child with env added
// ("KEY=value" entries); it talks over stdin and stdout.
func startChild(t *testing.T, test string, env ...string) *faultChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	return &faultChild{cmd: cmd, in: in, out: sc}
}

// ask sends a command and returns the reply; ok is false when the child
// died (its exit status is in the reply then).
func (c *faultChild) ask(cmd string) (string, bool) {
	fmt.Fprintln(c.in, cmd)
	return c.next()
}

// next returns the child's next line, or its exit status and false.
func (c *faultChild) next() (string, bool) {
	if c.out.Scan() {
		return c.out.Text(), true
	}
	err := c.cmd.Wait()
	return fmt.Sprint(err), false
}

func (c *faultChild) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

// fileKind names the kinds of files a store holds.
func fileKind(name string) string {
	switch ext := filepath.Ext(name); ext {
	case ".sst", ".vlog", ".mem":
		return ext
	}
	return name
}

// damage applies one random kind of damage to path and describes it.
func damage(r *rand.Rand, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if len(b) == 0 {
		return "empty file, left alone", nil
	}
	n := len(b)
	if end := dataEnd(path, len(b)); end > 0 && r.IntN(10) > 0 {
		n = end // mostly where the data is, sometimes in a sparse tail
	}
	off := r.IntN(n)
	var what string
	switch r.IntN(5) {
	case 0:
		bit := byte(1) << r.IntN(8)
		b[off] ^= bit
		what = fmt.Sprintf("bit %#x flipped at %d", bit, off)
	case 1:
		b[off] = byte(r.IntN(256))
		what = fmt.Sprintf("byte at %d set", off)
	case 2:
		end := min(len(b), off+512)
		clear(b[off:end])
		what = fmt.Sprintf("bytes %d..%d zeroed", off, end)
	case 3:
		end := min(len(b), off+64)
		for i := off; i < end; i++ {
			b[i] = byte(r.IntN(256))
		}
		what = fmt.Sprintf("bytes %d..%d garbled", off, end)
	case 4:
		b = b[:off]
		what = fmt.Sprintf("truncated to %d", off)
	}
	return what, os.WriteFile(path, b, 0o644)
}

func TestCorruptionTrials(t *testing.T) {
	if os.Getenv(corruptEnv) != "" {
		corruptChild()
		return
	}
	t.Parallel() // its time is the child's: overlaps the other trial suites
	// File kinds are taken in turn (files and damage at random), so even
	// make test's short run damages every kind several times.
	trials := testenv.Trials(14, 1000)
	base := t.TempDir()
	c := startChild(t, "TestCorruptionTrials", corruptEnv+"=1")
	defer c.kill()
	refs := []string{filepath.Join(base, "clean"), filepath.Join(base, "crashed")}
	if got, ok := c.ask("build " + refs[0]); got != "built" || !ok {
		t.Fatalf("building the clean reference: %s", got)
	}
	if got, ok := c.ask("crash " + refs[1]); got != "built" || !ok {
		t.Fatalf("building the crashed reference: %s", got)
	}
	c.kill()
	kinds := map[string]map[string][]string{} // ref -> kind -> files
	for _, ref := range refs {
		kinds[ref] = map[string][]string{}
		entries, _ := os.ReadDir(ref)
		for _, e := range entries {
			if e.Name() == "LOCK" {
				continue
			}
			k := fileKind(e.Name())
			kinds[ref][k] = append(kinds[ref][k], e.Name())
		}
	}
	if len(kinds[refs[1]][".mem"]) == 0 {
		t.Fatalf("crashed reference has no write-ahead log: %v", kinds[refs[1]])
	}
	seed := uint64(time.Now().UnixNano())
	r := rand.New(rand.NewPCG(seed, 3))
	t.Logf("seed %d", seed)
	c = startChild(t, "TestCorruptionTrials", corruptEnv+"=1")
	defer func() { c.kill() }()
	counts := map[string]map[string]int{} // kind -> outcome -> n
	var failures []string
	for trial := range trials {
		ref := refs[r.IntN(2)]
		names := make([]string, 0, len(kinds[ref]))
		for k := range kinds[ref] {
			names = append(names, k)
		}
		sort.Strings(names)
		kind := names[trial%len(names)]
		file := kinds[ref][kind][r.IntN(len(kinds[ref][kind]))]
		dir := filepath.Join(base, fmt.Sprintf("t%d", trial))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := copyDir(ref, dir); err != nil {
			t.Fatal(err)
		}
		what, err := damage(r, filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		reply, alive := c.ask("check " + dir + " " + ref)
		outcome := strings.Fields(reply + " -")[0]
		if !alive {
			outcome = "CRASH"
			c = startChild(t, "TestCorruptionTrials", corruptEnv+"=1")
		}
		if counts[kind] == nil {
			counts[kind] = map[string]int{}
		}
		counts[kind][outcome]++
		desc := fmt.Sprintf("trial %d: %s %s, %s: %s", trial, filepath.Base(ref), file, what, reply)
		switch {
		case outcome == "CRASH" || outcome == "WRONG" || outcome == "error":
			failures = append(failures, desc)
		case outcome != "ok" && !strings.HasPrefix(reply, outcome+" true"):
			failures = append(failures, desc+" (Verify did not report the damage)")
		}
		os.RemoveAll(dir)
	}
	var sum []string
	for _, k := range slices.Sorted(mapsKeys(counts)) {
		sum = append(sum, fmt.Sprintf("%s %v", k, counts[k]))
	}
	t.Logf("corruption trials: %d (seed %d); outcomes by file kind: %s", trials, seed, strings.Join(sum, "; "))
	for _, f := range failures {
		t.Error(f)
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
