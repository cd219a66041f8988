package server

import (
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/valyala/fasthttp"
)

// The search response is the hot path's only body: it is appended by hand
// (byte-identical to encoding/json with SetEscapeHTML(false), which
// TestAppendSearchResponseMatchesEncodingJSON and FuzzAppendJSONString check)
// instead of going through reflection, which cost ~5% of a request's CPU.

var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeSearchResponse sends resp as a 200 JSON body.
func writeSearchResponse(ctx *fasthttp.RequestCtx, resp *searchResponse) {
	bp := bodyPool.Get().(*[]byte)
	b := appendSearchResponse((*bp)[:0], resp)
	ctx.Response.Header.SetContentType("application/json; charset=utf-8")
	ctx.SetStatusCode(200)
	ctx.SetBody(b) // copies
	if cap(b) <= 1<<20 {
		*bp = b
		bodyPool.Put(bp)
	}
}

// appendSearchResponse appends resp as encoding/json would encode it,
// newline included (json.Encoder.Encode).
func appendSearchResponse(b []byte, r *searchResponse) []byte {
	b = append(b, `{"index":`...)
	b = appendJSONString(b, r.Index)
	b = append(b, `,"mode":`...)
	b = appendJSONString(b, r.Mode)
	b = append(b, `,"hits":`...)
	if r.Hits == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Hits {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendHit(b, &r.Hits[i])
		}
		b = append(b, ']')
	}
	b = append(b, `,"took_us":`...)
	b = strconv.AppendInt(b, r.TookUS, 10)
	if len(r.QueryTokens) > 0 {
		b = append(b, `,"query_tokens":[`...)
		for i, t := range r.QueryTokens {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"token":`...)
			b = appendJSONString(b, t.Token)
			b = append(b, `,"weight":`...)
			b = appendJSONFloat(b, float64(t.Weight), 32)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

func appendHit(b []byte, h *searchHit) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, h.ID)
	b = append(b, `,"score":`...)
	b = appendJSONFloat(b, h.Score, 64)
	if h.Title != "" {
		b = append(b, `,"title":`...)
		b = appendJSONString(b, h.Title)
	}
	if len(h.Fields) > 0 {
		b = append(b, `,"fields":{`...)
		keys := make([]string, 0, len(h.Fields))
		for k := range h.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys) // encoding/json sorts map keys
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, h.Fields[k])
		}
		b = append(b, '}')
	}
	if len(h.Explain) > 0 {
		b = appendExplain(b, h.Explain)
	}
	if h.Snippet != "" {
		b = append(b, `,"snippet":`...)
		b = appendJSONString(b, h.Snippet)
	}
	b = appendSpans(b, `,"highlights":`, h.Highlights)
	b = appendSpans(b, `,"title_highlights":`, h.TitleHighlights)
	return append(b, '}')
}

// appendSpans appends key and [[start,end],...] unless spans is empty.
func appendSpans(b []byte, key string, spans [][2]int) []byte {
	if len(spans) == 0 {
		return b
	}
	b = append(b, key...)
	b = append(b, '[')
	for i, s := range spans {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(s[0]), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(s[1]), 10)
		b = append(b, ']')
	}
	return append(b, ']')
}

// appendExplain appends a hit's "explain" list.
func appendExplain(b []byte, explain []contribution) []byte {
	b = append(b, `,"explain":[`...)
	for i, c := range explain {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"token":`...)
		b = appendJSONString(b, c.Token)
		b = append(b, `,"query_weight":`...)
		b = appendJSONFloat(b, float64(c.QueryWeight), 32)
		b = append(b, `,"doc_weight":`...)
		b = appendJSONFloat(b, float64(c.DocWeight), 32)
		b = append(b, `,"contribution":`...)
		b = appendJSONFloat(b, float64(c.Contribution), 32)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendJSONFloat formats f like encoding/json's float encoder: shortest
// representation for its bit size, exponent form outside [1e-6, 1e21).
// NaN and Inf, which encoding/json refuses, become 0 (as finite does).
func appendJSONFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// e-09 -> e-9, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// plain8 reports whether all eight bytes of x are ASCII that JSON takes
// as it is: none >= 0x80, < 0x20, '"' or '\\' (SWAR: a byte below n sets
// its high bit in (x - n*ones) &^ x, a zero byte is one below 1).
func plain8(x uint64) bool {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	below := func(v, n uint64) uint64 { return (v - n*ones) &^ v }
	return (x|below(x, 0x20)|below(x^0x22*ones, 1)|below(x^0x5c*ones, 1))&high == 0
}

// le64 is s's first eight bytes as a little-endian word (one load).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// appendJSONString quotes s like encoding/json without HTML escaping:
// control characters escaped, invalid UTF-8 as U+FFFD, U+2028/U+2029
// escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time while none needs a look (titles and
		// texts are mostly plain ASCII).
		for i+8 <= len(s) && plain8(le64(s[i:i+8])) {
			i += 8
		}
		if i == len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
