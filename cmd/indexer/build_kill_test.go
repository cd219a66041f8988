package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/sparrow-search/sparrow/internal/progress"
	"github.com/sparrow-search/sparrow/internal/testenv"
)

// TestBuildKill9Resume kills `indexer build` with SIGKILL part-way, reruns
// the same command and checks it resumes and ends with every document.
func TestBuildKill9Resume(t *testing.T) {
	trials := 4
	if testing.Short() {
		trials = 1
	}
	bin := filepath.Join(t.TempDir(), "indexer")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building indexer: %v\n%s", err, out)
	}
	corpus := testenv.DemoCorpus(t, 500)
	resumed := 0
	for trial := 0; trial < trials; trial++ {
		dir := filepath.Join(t.TempDir(), "idx")
		args := []string{"build", "--corpus", corpus, "--index", dir, "--batch", "8", "--workers", "2"}
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), progress.Env+"=bar", "SPARROW_TEST_COMMIT_DELAY=10ms") // the bar's (N/M) on a pipe
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill once the progress bar shows committed documents (it advances
		// after each commit), at a different point each trial.
		progress := regexp.MustCompile(`\((\d+)/(\d+)`)
		threshold := 8 + 100*trial
		buf := make([]byte, 4096)
		var seen []byte
		for {
			n, err := stderr.Read(buf)
			seen = append(seen, buf[:n]...)
			if m := progress.FindAllSubmatch(seen, -1); len(m) > 0 {
				last := m[len(m)-1]
				c, _ := strconv.Atoi(string(last[1]))
				total, _ := strconv.Atoi(string(last[2]))
				if c >= threshold && c < total {
					cmd.Process.Signal(syscall.SIGKILL)
					break
				}
			}
			if len(seen) > 1<<16 {
				seen = seen[len(seen)-1024:]
			}
			if err != nil {
				break
			}
		}
		cmd.Wait()
		args = append(args, "--quiet")

		var out, errb bytes.Buffer
		again := exec.Command(bin, args...)
		again.Stdout, again.Stderr = &out, &errb
		if err := again.Run(); err != nil {
			t.Fatalf("trial %d: rerun failed: %v\n%s", trial, err, errb.String())
		}
		if strings.Contains(errb.String(), "resumed:") {
			resumed++
		}
		ix := openIdx(t, dir)
		n := ix.Stats().Docs
		ix.Close()
		if n != 500 {
			t.Fatalf("trial %d: %d documents after resume, want 500 (%s%s)", trial, n, out.String(), errb.String())
		}
	}
	// A build that finished before the kill has nothing to resume; at
	// least one trial must have been killed mid-build.
	if resumed == 0 {
		t.Fatalf("no trial was killed mid-build (all %d finished first)", trials)
	}
	t.Logf("%d kill -9 trials, %d resumed mid-build, all complete with 500 documents", trials, resumed)
}
