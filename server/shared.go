package server

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"syscall"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/lexical"
	"github.com/valyala/fasthttp"
)

// This file is the policy that every HTTP dialect over a collection.Catalog
// shares (the /v1 API here, package opensearch's OpenSearch dialect): who
// may write, which ids are valid, and what status an error is. Each dialect
// only shapes the answer.

// Refusal says why a write is refused.
type Refusal struct {
	Status    int    // 403 in read-only mode, 401 without a valid API key
	Msg       string // what to do about it
	Challenge bool   // answer with a WWW-Authenticate header (no key was sent)
}

// AuthorizeWrite applies o's write policy (read-only mode, the API key) to a
// write request's headers; nil means the write may go ahead. The key is
// accepted as "Authorization: Bearer KEY", "X-API-Key: KEY", or as the
// password of "Authorization: Basic" (any user name), which is what
// OpenSearch and Elasticsearch clients send.
func (o *Options) AuthorizeWrite(h *fasthttp.RequestHeader) *Refusal {
	if o.ReadOnly {
		return &Refusal{Status: 403, Msg: "server is read-only; writes are disabled"}
	}
	if o.APIKey == "" {
		return nil
	}
	key := h.Peek("X-API-Key")
	if len(key) == 0 {
		a := h.Peek("Authorization")
		switch {
		case bytes.HasPrefix(a, []byte("Bearer ")):
			key = a[len("Bearer "):]
		case bytes.HasPrefix(a, []byte("Basic ")):
			if dec, err := base64.StdEncoding.DecodeString(string(a[len("Basic "):])); err == nil {
				if i := bytes.IndexByte(dec, ':'); i >= 0 {
					key = dec[i+1:]
				}
			}
		}
	}
	if len(key) == 0 {
		return &Refusal{Status: 401, Challenge: true,
			Msg: "this write needs an API key: send \"Authorization: Bearer KEY\", \"X-API-Key: KEY\" or Basic authentication with the key as password"}
	}
	if subtle.ConstantTimeCompare(key, []byte(o.APIKey)) != 1 {
		return &Refusal{Status: 401, Msg: "API key is not valid"}
	}
	return nil
}

// RawPath is the request path as the client sent it, without the query:
// what SplitRawPath takes.
func RawPath(ctx *fasthttp.RequestCtx) string { return rawPath(ctx) }

// ValidDocID reports why id cannot be a document id (nil when it can):
// 1-512 bytes of UTF-8, no '/', '\' or control characters, not "." or "..".
func ValidDocID(id string) error { return validateDocID(id) }

// ErrorStatus maps an error of the decoding and collection layers to an HTTP
// status and a message: client errors are 4xx naming the problem; a storage
// fault is a 507 (no space) or 503 (I/O) for this request only, and the
// server keeps serving.
func ErrorStatus(err error) (int, string) {
	var re *requestError
	var be *collection.BrokenError
	switch {
	case errors.As(err, &re):
		return re.status, re.msg
	case collection.IsInputError(err):
		return 400, err.Error()
	case errors.Is(err, collection.ErrReadOnly):
		return 403, "server is read-only; writes are disabled"
	case errors.As(err, &be):
		return 503, fmt.Sprintf("%v (see the server log; fix or remove the directory, it is retried every rescan)", err)
	case errors.Is(err, collection.ErrClosed):
		return 404, "the index was deleted while the request ran"
	case errors.Is(err, index.ErrNoSpace) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT):
		return 507, fmt.Sprintf("not enough storage to complete the write: %v", err)
	case errors.Is(err, index.ErrIO) || errors.Is(err, syscall.EIO) || errors.Is(err, syscall.EROFS):
		return 503, fmt.Sprintf("storage fault; the write was not completed: %v", err)
	case errors.Is(err, index.ErrCorrupt) || errors.Is(err, lexical.ErrCorrupt):
		return 500, fmt.Sprintf("stored data is damaged (run `indexer verify`): %v", err)
	case errors.Is(err, index.ErrReadOnly):
		return 403, fmt.Sprintf("the index is read-only: %v", err)
	}
	return 500, fmt.Sprintf("internal error: %v", err)
}

// Shape bounds the structure of a JSON body before it is decoded, so that a
// request's memory stays proportional to what the limits allow (see
// checkShape): Depth <= MaxJSONDepth levels of nesting, Members per array or
// object below the top level, Top elements of a top-level array (0: as
// Members), What those are ("documents"), for the error.
type Shape struct {
	Depth, Members, Top int
	What                string
}

// MaxJSONDepth is the deepest nesting a Shape may allow.
const MaxJSONDepth = maxJSONDepth

// CheckShape scans body (one JSON value, or several as NDJSON) once without
// allocating and reports the first bound of s it breaks, or a lone UTF-16
// surrogate escape; malformed JSON is left for the decoder.
func CheckShape(body []byte, s Shape) error {
	return checkShape(body, shapeLimits{depth: min(max(s.Depth, 1), maxJSONDepth), members: s.Members, top: s.Top, what: s.What})
}
