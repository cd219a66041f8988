package opensearch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// decodeValue decodes exactly one JSON value, numbers kept as json.Number
// (their exact text: a stored keyword "5.0" stays "5.0", a long keeps every
// digit).
func decodeValue(b []byte) (any, error) {
	if !utf8.Valid(b) {
		return nil, parsingError("the request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(err, b)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errorf(400, "x_content_parse_exception", "unexpected data after the first JSON value")
	}
	return v, nil
}

// decodeObject decodes a JSON object.
func decodeObject(b []byte) (map[string]any, error) {
	v, err := decodeValue(b)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, parsingError("expected a JSON object, got a %s", jsonKind(v))
	}
	return m, nil
}

// jsonError reports a JSON syntax error with its line and column, as
// OpenSearch's x_content_parse_exception does.
func jsonError(err error, b []byte) *Error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(b, int(se.Offset))
		return errorf(400, "x_content_parse_exception", "[%d:%d] %s", line, col, se.Error()).with("line", line).with("col", col)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errorf(400, "x_content_parse_exception", "unexpected end of the JSON input")
	}
	return errorf(400, "x_content_parse_exception", "%v", err)
}

func lineCol(b []byte, off int) (int, int) {
	off = min(max(off, 0), len(b))
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(b[:off], '\n')
	return line, col
}

// writeJSONTo encodes v (HTML characters unescaped), indented when pretty.
func marshal(v any, pretty bool) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if pretty {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return []byte(fmt.Sprintf(`{"error":{"type":"exception","reason":%q},"status":500}`, err.Error()))
	}
	return buf.Bytes()
}
