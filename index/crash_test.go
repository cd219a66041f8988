package index

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sparrow-search/sparrow/internal/testenv"
)

// The crash test re-executes this test binary as a child that ingests
// batches into an on-disk index and prints "ack K" after Apply(batch K)
// returns. The parent SIGKILLs it at a random moment (mid-batch, often
// mid-compaction: the child merges aggressively), reopens the index and
// checks that the state is exactly batches 0..K for some K with
// lastAck <= K <= lastAck+1: every acknowledged document is present,
// searchable and identical, and no batch is partially visible.

const crashEnv = "SPARROW_INDEX_CRASH_DIR"

func crashOptions() Options {
	o := DefaultOptions() // SyncWrites on
	o.Segment.Scale = testScale
	o.CompactionMinSegments = 3
	o.CompactionFloorDocs = 200
	o.MinBlobDocs = 300 // batches without blobs, most merged segments with
	// Small transactions: about half the batches take the staged
	// (multi-transaction) commit path.
	o.MemTableSize = 1 << 20
	o.ValueThreshold = 1 << 15
	o.Logger = nopLogger{}
	return o
}

type nopLogger struct{}

func (nopLogger) Errorf(string, ...any)   {}
func (nopLogger) Warningf(string, ...any) {}
func (nopLogger) Infof(string, ...any)    {}
func (nopLogger) Debugf(string, ...any)   {}

// crashBatch is batch k: new docs, the marker doc (its title is k), a new
// version of one doc of batch k-2 and a delete of one doc of batch k-1.
func crashBatch(k int) (ups []Document, dels []string) {
	r := rand.New(rand.NewPCG(uint64(k), 77))
	doc := func(id string) Document {
		return Document{
			ID: id, Title: fmt.Sprintf("batch %d", k),
			Text:   strings.Repeat(fmt.Sprintf("words of %s ", id), 50+r.IntN(150)),
			Fields: map[string]string{"batch": strconv.Itoa(k)},
			Vector: randVector(r, 5+r.IntN(40)),
		}
	}
	for i := range 10 + r.IntN(60) {
		ups = append(ups, doc(fmt.Sprintf("b%d-%d", k, i)))
	}
	ups = append(ups, Document{ID: "marker", Title: strconv.Itoa(k), Vector: randVector(r, 1)})
	if k >= 2 {
		ups = append(ups, doc(fmt.Sprintf("b%d-1", k-2)))
	}
	if k >= 1 {
		dels = append(dels, fmt.Sprintf("b%d-0", k-1))
	}
	return ups, dels
}

// crashModel is the state after batches 0..k.
func crashModel(k int) map[string]Document {
	m := map[string]Document{}
	for i := 0; i <= k; i++ {
		ups, dels := crashBatch(i)
		for _, d := range ups {
			m[d.ID] = d
		}
		for _, id := range dels {
			delete(m, id)
		}
	}
	return m
}

func crashChild(dir string) {
	ix, err := Open(dir, crashOptions())
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	k := 0
	if d, ok, err := ix.Get("marker"); err != nil {
		fmt.Fprintln(os.Stderr, "child get:", err)
		os.Exit(2)
	} else if ok {
		k, _ = strconv.Atoi(d.Title)
		k++
	}
	deadline := time.Now().Add(2 * time.Minute) // never outlive a dead parent for long
	for ; time.Now().Before(deadline); k++ {
		ups, dels := crashBatch(k)
		var b Batch
		for _, d := range ups {
			b.Upsert(d)
		}
		for _, id := range dels {
			b.Delete(id)
		}
		b.SetMeta("last-batch", strconv.Itoa(k))
		if err := ix.Apply(&b); err != nil {
			fmt.Fprintln(os.Stderr, "child apply:", err)
			os.Exit(2)
		}
		fmt.Printf("ack %d %d %d\n", k, ix.stagedCommits.Load(), ix.merges.Load())
	}
	os.Exit(3)
}

func TestCrashRecovery(t *testing.T) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashChild(dir)
		return
	}
	// TestKillTrials covers more (creation, deletes, compactions); this one
	// keeps its long run.
	trials := testenv.Trials(5, 20)
	if testing.Short() {
		trials = 3
	}
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	committed, acked, checked, staged, merges := -1, -1, 0, 0, 0
	for trial := range trials {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashRecovery$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killAfter := r.IntN(30) // acks to wait for; 0 = kill during the first batch
		sc := bufio.NewScanner(out)
		seen, killed, trialStaged, trialMerges := 0, false, 0, 0
		kill := func() {
			time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
			cmd.Process.Kill() // SIGKILL
			killed = true
		}
		if killAfter == 0 {
			kill()
		}
		for sc.Scan() {
			var k, st, mg int
			if _, err := fmt.Sscanf(sc.Text(), "ack %d %d %d", &k, &st, &mg); err != nil {
				continue
			}
			trialStaged, trialMerges = st, mg
			if want := max(acked, committed) + 1; k != want {
				t.Fatalf("trial %d: child acknowledged batch %d, expected %d next", trial, k, want)
			}
			acked = k
			if seen++; seen == killAfter && !killed {
				kill()
			}
		}
		cmd.Wait()
		if !killed {
			t.Fatalf("trial %d: child exited by itself: %s", trial, stderr.String())
		}

		ix, err := Open(dir, crashOptions())
		if err != nil {
			t.Fatalf("trial %d: reopen after kill: %v", trial, err)
		}
		k := -1
		if d, ok, err := ix.Get("marker"); err != nil {
			t.Fatal(err)
		} else if ok {
			k, _ = strconv.Atoi(d.Title)
		}
		// Acknowledged batches must all be there; at most the one in
		// flight at the kill may be there too.
		if known := max(acked, committed); k < known || k > known+1 {
			t.Fatalf("trial %d: index holds batches 0..%d, but batch %d was acknowledged (committed before: %d)", trial, k, acked, committed)
		}
		if m, err := ix.Meta("last-batch"); err != nil || m != map[bool]string{true: "", false: strconv.Itoa(k)}[k < 0] {
			t.Fatalf("trial %d: meta last-batch = %q (%v), but the documents are those of batches 0..%d", trial, m, err, k)
		}
		committed = k
		want := crashModel(k)
		wantIDs := make([]string, 0, len(want))
		for id := range want {
			wantIDs = append(wantIDs, id)
		}
		slices.Sort(wantIDs)
		if got := visible(t, ix.Snapshot()); !slices.Equal(got, wantIDs) {
			t.Fatalf("trial %d: %d docs searchable, want exactly the %d of batches 0..%d", trial, len(got), len(wantIDs), k)
		}
		for _, id := range wantIDs {
			got, ok, err := ix.Get(id)
			if err != nil || !ok || !reflect.DeepEqual(got, want[id]) {
				t.Fatalf("trial %d: doc %q: ok=%v err=%v, stored doc differs from batch %s", trial, id, ok, err, want[id].Title)
			}
			if b, _ := strconv.Atoi(strings.TrimPrefix(want[id].Title, "batch ")); b <= acked {
				checked++
			}
		}
		staged += trialStaged
		merges += trialMerges
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("trial %d: killed after %d acks; batches 0..%d committed (last ack %d), %d docs",
			trial, seen, k, acked, len(wantIDs))
	}
	t.Logf("crash test: %d trials, %d batches acknowledged (%d committed through the staged multi-transaction path, "+
		"%d background merges committed by the children), %d documents at the end, %d acknowledged-document checks (all present, searchable, identical)",
		trials, acked+1, staged, merges, len(crashModel(committed)), checked)
}
