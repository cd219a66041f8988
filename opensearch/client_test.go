package opensearch_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sparrow-search/sparrow/internal/testenv"
)

// TestOfficialClient drives a real searchd (built from cmd/searchd, with
// --opensearch-addr) with the official OpenSearch JavaScript client:
// testdata/client/scenario.js creates an index with a mapping, bulk-loads
// the 500 demo documents, runs every supported query kind, gets and deletes
// documents, counts, checks the errors, and loads `indexer export --format
// opensearch` of the demo index through _bulk to compare neural_sparse's
// top 10 with /v1's. It needs node and the client (scripts/deps.sh fetches
// it with npm) and skips without them.
func TestOfficialClient(t *testing.T) {
	t.Parallel() // mostly waiting on node and searchd: overlaps the package's other tests
	if testing.Short() {
		t.Skip("builds searchd and indexer and runs node: not in -short")
	}
	root := testenv.ModuleRoot(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the official OpenSearch client test needs Node.js (apt-get install nodejs npm; then scripts/fetch-opensearch-js.sh)")
	}
	client := filepath.Join(root, ".cache", "opensearch-js", "node_modules", "@opensearch-project", "opensearch")
	if _, err := os.Stat(client); err != nil {
		t.Skipf("the OpenSearch JavaScript client is not installed at %s: run scripts/fetch-opensearch-js.sh (make deps does)", client)
	}
	tmp := t.TempDir()
	bin := func(name string) string {
		out := filepath.Join(tmp, name)
		// In the test binary's own configuration (-race under make test):
		// its packages are then in the build cache already and only the
		// main package compiles, where a plain build would compile the
		// whole tree a second time (2-3 minutes from a cold cache).
		args := []string{"build", "-o", out}
		if testenv.RaceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, "./cmd/"+name)...)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", name, err, b)
		}
		return out
	}
	searchd, indexer := bin("searchd"), bin("indexer")
	data := filepath.Join(tmp, "data")
	corpus := filepath.Join(root, "testdata", "demo", "corpus.jsonl")
	run := func(args ...string) {
		if b, err := exec.Command(indexer, args...).CombinedOutput(); err != nil {
			t.Fatalf("indexer %v: %v\n%s", args, err, b)
		}
	}
	run("build", "--quiet", "--corpus", corpus, "--index", filepath.Join(data, "demo"))
	export := filepath.Join(tmp, "export")
	run("export", "--format", "opensearch", "--index", filepath.Join(data, "demo"), "--out", export, "--name", "exported")

	v1Addr, osAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(searchd, "--data", data, "--addr", v1Addr, "--opensearch-addr", osAddr, "--api-key", "test-key", "--rescan", "-1s")
	logs, err := os.Create(filepath.Join(tmp, "searchd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logs.Name())
			t.Logf("searchd log:\n%s", tail(string(b), 4000))
		}
	})
	waitReady(t, "http://"+osAddr+"/")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	js := exec.CommandContext(ctx, node, filepath.Join(root, "opensearch", "testdata", "client", "scenario.js"))
	js.Env = append(os.Environ(), "OS_URL=http://"+osAddr, "V1_URL=http://"+v1Addr, "CORPUS="+corpus,
		"EXPORT_DIR="+export, "OPENSEARCH_JS="+client)
	out, err := js.CombinedOutput()
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		t.Log(sc.Text())
	}
	if err != nil {
		t.Fatalf("scenario.js: %v", err)
	}
	if !strings.Contains(string(out), " passed, 0 failed") {
		t.Fatal("scenario.js did not report its checks")
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitReady polls url until it answers (searchd opening its indexes).
func waitReady(t *testing.T, url string) {
	t.Helper()
	for i := 0; i < 600; i++ {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer within 30 s", url)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("...%s", s[len(s)-n:])
}
