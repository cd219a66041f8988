package server

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/index"
	"github.com/valyala/fasthttp"
)

func TestAuthorizeWrite(t *testing.T) {
	t.Parallel()
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	for _, tc := range []struct {
		name      string
		opts      Options
		header    [2]string
		status    int // 0 = allowed
		challenge bool
	}{
		{"open", Options{}, [2]string{}, 0, false},
		{"read-only", Options{ReadOnly: true, APIKey: "k"}, [2]string{"X-API-Key", "k"}, 403, false},
		{"missing key", Options{APIKey: "k"}, [2]string{}, 401, true},
		{"x-api-key", Options{APIKey: "k"}, [2]string{"X-API-Key", "k"}, 0, false},
		{"bearer", Options{APIKey: "k"}, [2]string{"Authorization", "Bearer k"}, 0, false},
		{"bearer wrong", Options{APIKey: "k"}, [2]string{"Authorization", "Bearer x"}, 401, false},
		{"basic", Options{APIKey: "k"}, [2]string{"Authorization", basic("admin", "k")}, 0, false},
		{"basic key with a colon", Options{APIKey: "k:2"}, [2]string{"Authorization", basic("u", "k:2")}, 0, false},
		{"basic wrong", Options{APIKey: "k"}, [2]string{"Authorization", basic("k", "x")}, 401, false},
		{"basic malformed", Options{APIKey: "k"}, [2]string{"Authorization", "Basic %%%"}, 401, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h fasthttp.RequestHeader
			if tc.header[0] != "" {
				h.Set(tc.header[0], tc.header[1])
			}
			no := tc.opts.AuthorizeWrite(&h)
			switch {
			case tc.status == 0 && no != nil:
				t.Fatalf("refused: %+v", no)
			case tc.status != 0 && (no == nil || no.Status != tc.status || no.Challenge != tc.challenge):
				t.Fatalf("got %+v, want status %d challenge %v", no, tc.status, tc.challenge)
			}
		})
	}
}

// A storage fault is an error status for the request (507 no space, 503
// I/O), however deeply the store wraps it (issue 13 item 2).
func TestErrorStatus(t *testing.T) {
	t.Parallel()
	pathErr := func(errno syscall.Errno) error {
		return fmt.Errorf("collection: upsert: %w", &os.PathError{Op: "write", Path: "/data/x/sparse/000001.vlog", Err: errno})
	}
	for _, tc := range []struct {
		name   string
		err    error
		status int
	}{
		{"bad request", badRequest("k must be >= 1"), 400},
		{"input error", fmt.Errorf("x: %w", collection.ValidName("..")), 400},
		{"read-only", fmt.Errorf("w: %w", collection.ErrReadOnly), 403},
		{"closed", collection.ErrClosed, 404},
		{"broken index", &collection.BrokenError{Name: "x", Err: errors.New("torn")}, 503},
		{"disk full", pathErr(syscall.ENOSPC), 507},
		{"quota", pathErr(syscall.EDQUOT), 507},
		{"i/o error", pathErr(syscall.EIO), 503},
		{"read-only filesystem", pathErr(syscall.EROFS), 503},
		{"index: no space", fmt.Errorf("upsert: %w", index.ErrNoSpace), 507},
		{"index: i/o", fmt.Errorf("upsert: %w", index.ErrIO), 503},
		{"index: corrupt", fmt.Errorf("get: %w", index.ErrCorrupt), 500},
		{"index: read-only", index.ErrReadOnly, 403},
		{"other", errors.New("boom"), 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, msg := ErrorStatus(tc.err); status != tc.status || msg == "" {
				t.Errorf("ErrorStatus(%v) = %d %q, want %d", tc.err, status, msg, tc.status)
			}
		})
	}
}
