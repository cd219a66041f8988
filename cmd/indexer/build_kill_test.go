package main

import (
	"bytes"
	"encoding/json"
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
	t.Parallel()
	// The child is this test binary (race-instrumented under make test):
	// 2 trials of 200 documents there, 4 of 500 under make test-long.
	trials, docs := 2, 200
	if os.Getenv("SPARROW_TEST_LONG") != "" {
		trials, docs = 4, 500
	}
	if testing.Short() {
		trials = 1
	}
	corpus := testenv.DemoCorpus(t, docs)
	resumed := 0
	for trial := 0; trial < trials; trial++ {
		dir := filepath.Join(t.TempDir(), "idx")
		args := []string{"build", "--corpus", corpus, "--index", dir, "--batch", "8", "--workers", "2"}
		cmd := mainCommand(args...)
		cmd.Env = append(cmd.Env, progress.Env+"=bar", "SPARROW_TEST_COMMIT_DELAY=10ms") // the bar's (N/M) on a pipe
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
		threshold := 8 + docs/5*trial
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
		again := mainCommand(args...)
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
		if n != docs {
			t.Fatalf("trial %d: %d documents after resume, want %d (%s%s)", trial, n, docs, out.String(), errb.String())
		}
	}
	// A build that finished before the kill has nothing to resume; at
	// least one trial must have been killed mid-build.
	if resumed == 0 {
		t.Fatalf("no trial was killed mid-build (all %d finished first)", trials)
	}
	t.Logf("%d kill -9 trials, %d resumed mid-build, all complete with %d documents", trials, resumed, docs)
}

// mainArgsEnv makes the test binary run the indexer's main with these
// arguments (a JSON array) instead of the tests: the kill test's child,
// without building a second binary.
const mainArgsEnv = "SPARROW_TEST_MAIN_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(mainArgsEnv); ok {
		os.Exit(dispatch(decodeArgs(args), os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// mainCommand runs `indexer args...` as a child process.
func mainCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+encodeArgs(args))
	return cmd
}

func encodeArgs(args []string) string {
	b, _ := json.Marshal(args)
	return string(b)
}

func decodeArgs(s string) []string {
	var args []string
	json.Unmarshal([]byte(s), &args)
	return args
}
