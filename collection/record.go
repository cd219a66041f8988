package collection

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// Record fields by index (parseRecordFast).
const (
	fieldID = iota
	fieldID2
	fieldTitle
	fieldText
	fieldVector
	numFields
)

var fieldNames = [numFields][]byte{[]byte("_id"), []byte("id"), []byte("title"), []byte("text"), []byte("vector")}

// parseRecordFast decodes the plain records that make up nearly every
// corpus and vectors file without reflection (fastjson; a pre-encoded
// vectors line was a quarter of a build's CPU through encoding/json). It
// gives up (ok false) on anything whose meaning under encoding/json it
// does not reproduce exactly, so that parseRecordJSON decides: invalid
// JSON, \u escapes, invalid UTF-8, a top level that is not an object,
// non-ASCII or repeated field names (encoding/json folds case and merges
// repeats), a field of the wrong type, a number out of float64's range.
// Documents the fast path returns equal parseRecordJSON's
// (FuzzParseRecordFast).
func parseRecordFast(p *fastjson.Parser, line []byte, vectors bool) (d Document, ok bool) {
	// json.Valid first: fastjson accepts some text that is not JSON
	// (leading zeros, NaN), which encoding/json refuses.
	if !json.Valid(line) || bytes.Contains(line, []byte(`\u`)) || !utf8.Valid(line) {
		return d, false
	}
	v, err := p.ParseBytes(line)
	if err != nil || v.Type() != fastjson.TypeObject {
		return d, false
	}
	o, _ := v.Object()
	var fields [numFields]*fastjson.Value
	ok = true
	o.Visit(func(k []byte, x *fastjson.Value) {
		f, known := fieldOf(k)
		switch {
		case !ok:
		case !known:
			ok = f != -2
		case fields[f] != nil:
			ok = false
		default:
			fields[f] = x
		}
	})
	if !ok {
		return d, false
	}
	id, set, ok := flexID(fields[fieldID])
	if !ok {
		return d, false
	}
	id2, set2, ok := flexID(fields[fieldID2])
	if !ok {
		return d, false
	}
	if !set {
		id, set = id2, set2
	}
	if !set || id == "" {
		return d, false // parseRecordJSON names the missing id
	}
	d.ID = id
	if d.Title, ok = optString(fields[fieldTitle]); !ok {
		return d, false
	}
	if d.Text, ok = optString(fields[fieldText]); !ok {
		return d, false
	}
	tokens, ok := weights(fields[fieldVector])
	if !ok || vectors && tokens == nil {
		return d, false
	}
	if vectors {
		d.Tokens = tokens
	}
	return d, true
}

// fieldOf maps a key to its field: ASCII names case-insensitively, as
// encoding/json matches them; -1 for other ASCII names, -2 for a name
// with other bytes (which encoding/json's Unicode folding might match).
func fieldOf(k []byte) (int, bool) {
	for _, c := range k {
		if c >= utf8.RuneSelf {
			return -2, false
		}
	}
	for f, name := range fieldNames {
		if bytes.EqualFold(k, name) {
			return f, true
		}
	}
	return -1, false
}

// flexID reads an id as dataset.FlexID does: a string, a number's literal,
// or absent/null (set false); anything else is not ok.
func flexID(x *fastjson.Value) (s string, set, ok bool) {
	if x == nil {
		return "", false, true
	}
	switch x.Type() {
	case fastjson.TypeNull:
		return "", false, true
	case fastjson.TypeString:
		b, _ := x.StringBytes()
		return string(b), true, true
	case fastjson.TypeNumber:
		return string(x.MarshalTo(nil)), true, true
	}
	return "", false, false
}

// optString reads a string field (absent or null: "").
func optString(x *fastjson.Value) (string, bool) {
	if x == nil || x.Type() == fastjson.TypeNull {
		return "", true
	}
	if x.Type() != fastjson.TypeString {
		return "", false
	}
	b, _ := x.StringBytes()
	return string(b), true
}

// weights reads "vector" as encoding/json fills a map[string]float64:
// absent or null gives nil; a null weight is 0; a weight must be a number
// within float64's range.
func weights(x *fastjson.Value) (map[string]float64, bool) {
	if x == nil || x.Type() == fastjson.TypeNull {
		return nil, true
	}
	o, err := x.Object()
	if err != nil {
		return nil, false
	}
	m := make(map[string]float64, o.Len())
	ok := true
	var raw []byte
	o.Visit(func(k []byte, w *fastjson.Value) {
		if !ok {
			return
		}
		switch w.Type() {
		case fastjson.TypeNull:
			m[string(k)] = 0
		case fastjson.TypeNumber:
			raw = w.MarshalTo(raw[:0])
			f, err := strconv.ParseFloat(string(raw), 64)
			if err != nil {
				ok = false
				return
			}
			m[string(k)] = f
		default:
			ok = false
		}
	})
	return m, ok
}
