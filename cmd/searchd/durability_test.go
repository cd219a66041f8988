package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestKill9Durability runs searchd as a child process, streams ingests at
// it, kills it with SIGKILL at a random moment, restarts it on the same data
// and checks that every acknowledged document is there and searchable (in
// sparse and bm25 mode: bm25/ is rebuilt from the durable sparse store).
func TestKill9Durability(t *testing.T) {
	if os.Getenv("SPARROW_SKIP_DURABILITY") != "" {
		t.Skip("SPARROW_SKIP_DURABILITY set")
	}
	t.Parallel()
	trials := 3 // make test; 20 under make test-long
	if os.Getenv("SPARROW_TEST_LONG") != "" {
		trials = 20
	}
	if testing.Short() {
		trials = 3
	}
	rng := rand.New(rand.NewPCG(1, 2))
	totalAcked := 0
	for trial := 0; trial < trials; trial++ {
		dir := t.TempDir()
		addr := freeAddr(t)
		p := startSearchd(t, dir, addr)
		base := "http://" + addr
		put(t, base+"/v1/indexes/dur")

		var mu sync.Mutex
		var acked []string
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 3; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				client := &http.Client{Timeout: 10 * time.Second}
				for b := 0; ; b++ {
					select {
					case <-stop:
						return
					default:
					}
					var docs []map[string]any
					var ids []string
					for i := 0; i < 10; i++ {
						id := fmt.Sprintf("t%d-w%d-b%d-%d", trial, w, b, i)
						ids = append(ids, id)
						docs = append(docs, map[string]any{"id": id, "title": "durable record", "text": "sparrow durability check " + id,
							"vector": map[string]float64{"durable": 1, "record": 0.5}}) // model-independent sparse side
					}
					body, _ := json.Marshal(docs)
					resp, err := client.Post(base+"/v1/indexes/dur/documents", "application/json", bytes.NewReader(body))
					if err != nil {
						return // killed
					}
					resp.Body.Close()
					if resp.StatusCode == 200 {
						mu.Lock()
						acked = append(acked, ids...)
						mu.Unlock()
					}
				}
			}(w)
		}
		time.Sleep(time.Duration(50+rng.IntN(700)) * time.Millisecond)
		p.Process.Signal(syscall.SIGKILL)
		p.Wait()
		close(stop)
		wg.Wait()

		p2 := startSearchd(t, dir, addr)
		missing := 0
		for _, id := range acked {
			resp, err := http.Get(base + "/v1/indexes/dur/documents/" + id)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				missing++
			}
		}
		for _, mode := range []string{"sparse", "bm25"} {
			for start := 0; start < len(acked); start += 1000 {
				ids := acked[start:min(start+1000, len(acked))]
				res := searchHTTP(t, base+"/v1/indexes/dur/search", map[string]any{
					"query": "durable record sparrow durability check", "k": 1000, "mode": mode, "filter": map[string]any{"ids": ids}})
				if len(res.Hits) != len(ids) {
					t.Errorf("trial %d %s: %d of %d acknowledged documents found by search", trial, mode, len(res.Hits), len(ids))
				}
			}
		}
		p2.Process.Signal(syscall.SIGTERM)
		p2.Wait()
		if missing > 0 {
			t.Fatalf("trial %d: %d of %d acknowledged documents missing after kill -9", trial, missing, len(acked))
		}
		totalAcked += len(acked)
	}
	t.Logf("%d kill -9 trials, %d acknowledged documents, all present and searchable after restart", trials, totalAcked)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startSearchd(t *testing.T, dir, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+encodeArgs([]string{"--data", dir, "--addr", addr}))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("searchd did not come up on %s:\n%s", addr, logs.String())
	return nil
}

func put(t *testing.T, url string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("PUT %s: %d", url, resp.StatusCode)
	}
}

// searchResponse is the part of a search answer the test reads.
type searchResponse struct {
	Hits []struct {
		ID string `json:"id"`
	} `json:"hits"`
}

func searchHTTP(t *testing.T, url string, req map[string]any) searchResponse {
	t.Helper()
	body, _ := json.Marshal(req)
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out searchResponse
	if resp.StatusCode != 200 {
		t.Fatalf("search: status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// mainArgsEnv makes the test binary run searchd's main with these
// arguments (a JSON array) instead of the tests: the kill test's child,
// without building a second binary.
const mainArgsEnv = "SPARROW_TEST_MAIN_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(mainArgsEnv); ok {
		os.Exit(run(decodeArgs(args), os.Stderr))
	}
	os.Exit(m.Run())
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
