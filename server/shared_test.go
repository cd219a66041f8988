package server

import (
	"encoding/base64"
	"testing"

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
