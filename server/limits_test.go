package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// An upload over the body limit gets its 413 with a JSON error, not a
// connection reset: the server reads (and drops) the rest of the body
// before it answers and closes (issue 13 item 8).
func TestOversizedUploadGets413(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{MaxBodyBytes: 64 << 10})
	ts.mustOK("PUT", "/v1/indexes/t", nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a real socket: the in-memory one never resets
	if err != nil {
		t.Fatal(err)
	}
	go ts.srv.Serve(ln)
	body := "[" + strings.Repeat(`{"id":"x","text":"y"},`, 800000) + `{"id":"z","text":"y"}]` // ~17 MiB
	for _, expect := range []bool{false, true} {
		t.Run(fmt.Sprintf("expect-100-continue=%v", expect), func(t *testing.T) {
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			hdr := fmt.Sprintf("POST /v1/indexes/t/documents HTTP/1.1\r\nHost: searchd\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", len(body))
			if expect {
				hdr += "Expect: 100-continue\r\n"
			}
			if _, err := io.WriteString(conn, hdr+"\r\n"); err != nil {
				t.Fatal(err)
			}
			if !expect { // a client that sends everything before it reads, as curl does
				if _, err := io.WriteString(conn, body); err != nil {
					t.Fatalf("sending the body: %v (the server reset the connection)", err)
				}
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no response: %v", err)
			}
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 413 || !strings.Contains(string(b), `"status":413`) || !strings.Contains(string(b), "65536-byte limit") {
				t.Fatalf("got %d %s, want a 413 JSON error", resp.StatusCode, b)
			}
		})
	}
}

// allocated runs f and returns the bytes it allocated. Not parallel-safe:
// callers do not call t.Parallel, so no other test runs meanwhile.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// Over-limit bodies are refused before they are decoded: the memory a
// request costs stays near its body size, not ten times it (issue 13
// item 7: four 30 MiB search bodies took RSS from 69 MB to 2.2 GB).
func TestLimitsBoundDecodingMemory(t *testing.T) {
	const size = 30 << 20
	lim := DefaultLimits
	ids := []byte(`{"query":"a","filter":{"ids":[` + strings.Repeat(`"",`, size/3) + `""]}}`)
	nd := []byte(strings.Repeat("{}\n", size/3))
	arr := []byte("[" + strings.Repeat("{},", size/3) + "{}]")
	vec := []byte(`{"vector":{` + strings.Repeat(`"a":1,`, size/6) + `"b":1}}`)
	deep := []byte(strings.Repeat(`{"a":`, size/5))
	for _, c := range []struct {
		name   string
		decode func() error
		want   string
	}{
		{"search ids", func() error { _, err := decodeSearch(ids, lim); return err }, "more than 10001 members"},
		{"search vector", func() error { _, err := decodeSearch(vec, lim); return err }, "more than 10001 members"},
		{"search nesting", func() error { _, err := decodeSearch(deep, lim); return err }, "nested deeper"},
		{"ndjson", func() error { _, err := decodeDocuments(nd, true, lim); return err }, "more than 10000 documents"},
		{"array", func() error { _, err := decodeDocuments(arr, false, lim); return err }, "more than 10000 documents"},
		{"document nesting", func() error { _, err := decodeDocuments(deep, false, lim); return err }, "nested deeper"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			bytes := allocated(func() { err = c.decode() })
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if bytes > 1<<20 {
				t.Errorf("refusing a %d MiB body allocated %d KiB", size>>20, bytes>>10)
			}
		})
	}
}
