package index

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sparrow-search/sparrow/internal/testenv"
)

// Kill -9 trials: a child process (this test binary) creates a store,
// ingests, deletes and compacts (explicitly, and in the background with an
// aggressive merge policy), announcing each step and acknowledging each
// committed batch; the parent SIGKILLs it at a random moment — during the
// open of a new store, mid-batch, mid-compaction — then reopens the store:
// it must open (0 bricked startups), hold exactly batches 0..K with
// lastAck <= K <= lastAck+1 (0 lost acknowledged documents, nothing half
// applied), and Verify clean. Every tenth trial starts a new store, so
// creation is killed too.

const killEnv = "SPARROW_INDEX_KILL_DIR"

// crashOptions merges aggressively and keeps transactions small, so kills
// land mid-merge and about half the batches take the staged
// (multi-transaction) commit path.
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

// killOp is what step k does: "ingest", "delete" (a batch of deletes) or
// "compact" (Compact, then an ingest batch).
func killOp(k int) string {
	switch k % 4 {
	case 1:
		return "delete"
	case 3:
		return "compact"
	}
	return "ingest"
}

func killBatch(k int) (ups []Document, dels []string) {
	if killOp(k) != "delete" {
		ups, dels = crashBatch(k)
		if k%6 == 2 { // too large for one Badger transaction: the staged commit path
			r := rand.New(rand.NewPCG(uint64(k), 78))
			for i := range 150 {
				d := randDoc(r, fmt.Sprintf("big%d-%d", k, i), 30)
				d.Text = strings.Repeat(d.Text+" ", 40)
				ups = append(ups, d)
			}
		}
		return ups, dels
	}
	prev, _ := crashBatch(k - 1)
	for i, d := range prev {
		if i%2 == 0 && d.ID != "marker" {
			dels = append(dels, d.ID)
		}
	}
	return []Document{{ID: "marker", Title: strconv.Itoa(k), Vector: randVector(rand.New(rand.NewPCG(uint64(k), 1)), 1)}}, dels
}

func killModel(k int) map[string]Document {
	m := map[string]Document{}
	for i := 0; i <= k; i++ {
		ups, dels := killBatch(i)
		for _, d := range ups {
			m[d.ID] = d
		}
		for _, id := range dels {
			delete(m, id)
		}
	}
	return m
}

func killChild(dir string) {
	fmt.Println("step open")
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
	deadline := time.Now().Add(2 * time.Minute)
	for ; time.Now().Before(deadline); k++ {
		op := killOp(k)
		fmt.Printf("step %s %d\n", op, k)
		if op == "compact" {
			if err := ix.Compact(); err != nil {
				fmt.Fprintln(os.Stderr, "child compact:", err)
				os.Exit(2)
			}
		}
		ups, dels := killBatch(k)
		var b Batch
		for _, d := range ups {
			b.Upsert(d)
		}
		for _, id := range dels {
			b.Delete(id)
		}
		if err := ix.Apply(&b); err != nil {
			fmt.Fprintln(os.Stderr, "child apply:", err)
			os.Exit(2)
		}
		fmt.Printf("ack %d %d %d\n", k, ix.stagedCommits.Load(), ix.merges.Load())
	}
	os.Exit(3)
}

func TestKillTrials(t *testing.T) {
	if dir := os.Getenv(killEnv); dir != "" {
		killChild(dir)
		return
	}
	t.Parallel() // its time is the children's and Verify's: overlaps the other trial suites
	// A new store every storeTrials trials (its creation is killed too).
	// make test uses small stores: the checks after each kill (every
	// acknowledged document, Verify, whose record check decodes a segment's
	// postings per document) grow with the store, and 10 trials on one
	// store took 30 s each under -race.
	trials, storeTrials := testenv.Trials(10, 200), testenv.Trials(5, 10)
	base := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	r := rand.New(rand.NewPCG(seed, 9))
	phases := map[string]int{}
	var dir string
	committed, acked, checked, staged, merges := -1, -1, 0, 0, 0
	for trial := range trials {
		if trial%storeTrials == 0 { // a new store: kill its creation too
			dir = filepath.Join(base, fmt.Sprintf("s%d", trial))
			committed, acked = -1, -1
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillTrials$", "-test.count=1")
		cmd.Env = append(os.Environ(), killEnv+"="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Acks to wait for; 0 (one trial in five): kill within 300 ms of
		// the start, while the store is opened (or created) or in its first
		// steps.
		fresh := trial%storeTrials == 0
		killAfter := 1 + r.IntN(12)
		window := 300000 // µs
		if fresh {
			window = 60000 // process start and store creation
		}
		timer := time.NewTimer(time.Duration(r.IntN(window)) * time.Microsecond)
		if r.IntN(5) > 0 && !(fresh && r.IntN(2) == 0) {
			timer.Stop()
		} else {
			killAfter = 0
		}
		phase, seen, killed, trialStaged, trialMerges := "start", 0, false, 0, 0
		kill := func() {
			if !killed {
				cmd.Process.Kill() // SIGKILL
				killed = true
				p := strings.Fields(phase)[0]
				if fresh { // a new store, before its first acknowledged batch
					p = "create"
				}
				phases[p]++
			}
		}
	read:
		for {
			select {
			case <-timer.C:
				kill()
			case line, ok := <-lines:
				if !ok {
					break read
				}
				if strings.HasPrefix(line, "step ") {
					phase = strings.TrimPrefix(line, "step ")
					continue
				}
				var k, st, mg int
				if _, err := fmt.Sscanf(line, "ack %d %d %d", &k, &st, &mg); err != nil {
					continue
				}
				trialStaged, trialMerges = st, mg
				if want := max(acked, committed) + 1; k != want {
					t.Fatalf("trial %d: child acknowledged batch %d, expected %d next", trial, k, want)
				}
				acked = k
				fresh = false
				if seen++; seen == killAfter {
					timer.Reset(time.Duration(r.IntN(30000)) * time.Microsecond)
				}
			}
		}
		cmd.Wait()
		if !killed {
			t.Fatalf("trial %d: child exited by itself: %s", trial, stderr.String())
		}
		k, n := checkKilled(t, trial, dir, acked, committed)
		committed = k
		checked += n
		staged += trialStaged
		merges += trialMerges
	}
	t.Logf("kill -9 trials: %d (seed %d), killed during: %v; 0 failed startups, %d acknowledged-document checks (all present, identical, nothing half applied), "+
		"Verify clean after every trial; the children committed %d batches through the staged multi-transaction path and %d background merges",
		trials, seed, phases, checked, staged, merges)
}

// checkKilled reopens a killed child's store and checks it; it returns the
// last batch the store holds and how many acknowledged documents it
// checked.
func checkKilled(t *testing.T, trial int, dir string, acked, committed int) (int, int) {
	t.Helper()
	ix, err := Open(dir, crashOptions())
	if err != nil {
		t.Fatalf("trial %d: startup after kill -9 failed: %v", trial, err)
	}
	defer ix.Close()
	k := -1
	if d, ok, err := ix.Get("marker"); err != nil {
		t.Fatal(err)
	} else if ok {
		k, _ = strconv.Atoi(d.Title)
	}
	if known := max(acked, committed); k < known || k > known+1 {
		t.Fatalf("trial %d: store holds batches 0..%d, but batch %d was acknowledged", trial, k, known)
	}
	want := killModel(k)
	if k < 0 {
		want = map[string]Document{}
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if got := visible(t, ix.Snapshot()); !slices.Equal(got, ids) {
		t.Fatalf("trial %d: %d documents searchable, want exactly the %d of batches 0..%d", trial, len(got), len(ids), k)
	}
	n := 0
	for _, id := range ids {
		got, ok, err := ix.Get(id)
		if err != nil || !ok || !reflect.DeepEqual(got, want[id]) {
			t.Fatalf("trial %d: document %q: ok=%v err=%v, differs from batches 0..%d", trial, id, ok, err, k)
		}
		n++
	}
	rep, err := ix.Verify()
	if err != nil || !rep.OK() {
		t.Fatalf("trial %d: Verify after kill -9: %v %v", trial, err, rep.Problems)
	}
	return k, n
}
