package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/fusion"
	"github.com/sparrow-search/sparrow/index"
)

// Limits bounds what a single request may ask for. Zero fields take the
// defaults from DefaultLimits.
type Limits struct {
	MaxK          int // largest k a search may ask for (default 1000)
	MaxQueryBytes int // longest query text in bytes (default 4096)
	MaxVectorLen  int // most entries in a raw query vector (default 1024)
	MaxBatchDocs  int // most documents in one ingest request (default 10000)
	MaxFilterIDs  int // most ids in a filter (default 10000)
	MaxDocBytes   int // longest title+text of one document (default 1 MiB)
	MaxFields     int // most fields per document (default 64)
}

// DefaultLimits are the limits used for zero fields of Limits.
var DefaultLimits = Limits{
	MaxK:          1000,
	MaxQueryBytes: 4096,
	MaxVectorLen:  1024,
	MaxBatchDocs:  10000,
	MaxFilterIDs:  10000,
	MaxDocBytes:   1 << 20,
	MaxFields:     64,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxK > 0 {
		d.MaxK = l.MaxK
	}
	if l.MaxQueryBytes > 0 {
		d.MaxQueryBytes = l.MaxQueryBytes
	}
	if l.MaxVectorLen > 0 {
		d.MaxVectorLen = l.MaxVectorLen
	}
	if l.MaxBatchDocs > 0 {
		d.MaxBatchDocs = l.MaxBatchDocs
	}
	if l.MaxFilterIDs > 0 {
		d.MaxFilterIDs = l.MaxFilterIDs
	}
	if l.MaxDocBytes > 0 {
		d.MaxDocBytes = l.MaxDocBytes
	}
	if l.MaxFields > 0 {
		d.MaxFields = l.MaxFields
	}
	return d
}

// validate reports limits that are negative (zero means the default).
func (l Limits) validate() error {
	for _, v := range []struct {
		name string
		n    int
	}{{"max k", l.MaxK}, {"max query bytes", l.MaxQueryBytes}, {"max vector length", l.MaxVectorLen},
		{"max batch documents", l.MaxBatchDocs}, {"max filter ids", l.MaxFilterIDs}, {"max document bytes", l.MaxDocBytes},
		{"max fields", l.MaxFields}} {
		if v.n < 0 {
			return fmt.Errorf("server: limit %s must be > 0, got %d", v.name, v.n)
		}
	}
	return nil
}

// searchShape bounds a search body before it is decoded: a filter of
// MaxFilterIDs ids or a vector of MaxVectorLen entries (one more, so the
// decoded request gets the precise error).
func (l Limits) searchShape() shapeLimits {
	return shapeLimits{depth: 8, members: max(l.MaxFilterIDs, l.MaxVectorLen, 64) + 1}
}

// documentsShape bounds an ingest body: MaxBatchDocs documents, each with
// at most a vocabulary's worth of vector entries and its fields.
func (l Limits) documentsShape() shapeLimits {
	return shapeLimits{depth: maxJSONDepth, members: max(index.VocabSize, l.MaxFields+8), top: l.MaxBatchDocs, what: "documents"}
}

// Search modes (package collection's).
const (
	modeSparse = collection.ModeSparse
	modeBM25   = collection.ModeBM25
	modeHybrid = collection.ModeHybrid
)

// searchRequest is the decoded and validated body of POST .../search.
type searchRequest struct {
	Query   string              `json:"query"`
	Vector  map[string]*float64 `json:"vector"` // nil weight: a JSON null, refused
	K       *int                `json:"k"`
	Filter  *filterSpec         `json:"filter"`
	Mode    string              `json:"mode"`
	Explain bool                `json:"explain"`
	Hybrid  *hybridSpec         `json:"hybrid"`
	// Snippets adds text snippets with highlighted query words to the hits.
	Snippets bool `json:"snippets"`
}

// filterSpec restricts hits to the given ids and/or documents whose fields
// equal the given values (all conditions must hold).
type filterSpec struct {
	IDs    []string                   `json:"ids"`
	Fields map[string]json.RawMessage `json:"fields"` // strings, numbers or booleans
	values map[string]string          // Fields as stored field text (validate)
}

// hybridSpec overrides the server's fusion defaults for one query.
type hybridSpec struct {
	Normalization string   `json:"normalization"` // "minmax" or "zscore"
	SparseWeight  *float64 `json:"sparse_weight"`
	BM25Weight    *float64 `json:"bm25_weight"`
	Candidates    int      `json:"candidates"` // per-list depth before fusion
}

// requestError is a client error: status is 4xx and msg says what is wrong.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) *requestError {
	return &requestError{status: 400, msg: fmt.Sprintf(format, args...)}
}

// decodeStrict decodes exactly one JSON value from body into v, rejecting
// unknown fields, trailing data and invalid UTF-8 (which encoding/json would
// otherwise silently replace).
func decodeStrict(body []byte, v any, shape shapeLimits) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("request body is empty; expected a JSON object")
	}
	if !utf8.Valid(body) {
		return badRequest("request body is not valid UTF-8")
	}
	if err := checkShape(body, shape); err != nil {
		return badRequest("%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("invalid JSON: %s", jsonErrorText(err, body))
	}
	// Only JSON whitespace may follow (dec.Token() would say so too, but
	// builds an error message on every request).
	if skipWS(body, int(dec.InputOffset())) != len(body) {
		return badRequest("invalid JSON: unexpected data after the first JSON value")
	}
	return exactKeys(body, reflect.TypeOf(v), "")
}

// exactKeys checks that every object key of body names a field of t by its
// exact JSON name: encoding/json matches names case-insensitively, so
// {"K": 5} would silently set "k". Objects decoded into maps are not
// checked (their keys are data).
func exactKeys(body []byte, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return nil // null, or not an object: the decoder has judged it
	}
	for key, raw := range m {
		f, ok := fieldByJSONName(t, key)
		if !ok {
			return badRequest("invalid JSON: unknown field %q (names are case-sensitive)", path+key)
		}
		if err := exactKeys(raw, f.Type, path+key+"."); err != nil {
			return err
		}
	}
	return nil
}

// fieldByJSONName finds the field of struct type t whose JSON name is
// exactly name.
func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "" {
			tag = f.Name
		}
		if f.IsExported() && tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// jsonErrorText turns encoding/json errors into messages that name the
// field or byte offset, without Go type names where avoidable.
func jsonErrorText(err error, body []byte) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return fmt.Sprintf("field %q: expected %s, got JSON %s", field, jsonKind(te.Type.Kind().String()), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "unexpected end of input"
	}
	s := err.Error()
	s = strings.TrimPrefix(s, "json: ")
	return s
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int64", "int32", "float64", "float32", "uint32":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "map", "struct":
		return "an object"
	case "slice":
		return "an array"
	case "ptr":
		return "a value"
	}
	return goKind
}

// decodeSearch parses and validates a search body.
func decodeSearch(body []byte, lim Limits) (*searchRequest, error) {
	var r searchRequest
	if !fastSearchBody(body, &r) {
		r = searchRequest{}
		if err := decodeStrict(body, &r, lim.searchShape()); err != nil {
			return nil, err
		}
	}
	if err := r.validate(lim); err != nil {
		return nil, err
	}
	return &r, nil
}

func (r *searchRequest) validate(lim Limits) error {
	hasQuery := strings.TrimSpace(r.Query) != ""
	switch {
	case r.Vector != nil && r.Query != "":
		return badRequest("give either \"query\" or \"vector\", not both")
	case r.Vector == nil && !hasQuery:
		return badRequest("\"query\" is empty; give a non-empty query text or a \"vector\"")
	}
	if len(r.Query) > lim.MaxQueryBytes {
		return badRequest("\"query\" is %d bytes; the limit is %d", len(r.Query), lim.MaxQueryBytes)
	}
	if r.Vector != nil {
		if len(r.Vector) == 0 {
			return badRequest("\"vector\" is empty; give at least one token weight")
		}
		if len(r.Vector) > lim.MaxVectorLen {
			return badRequest("\"vector\" has %d entries; the limit is %d", len(r.Vector), lim.MaxVectorLen)
		}
		if _, err := weights(r.Vector); err != nil {
			return badRequest("\"vector\": %v", err)
		}
	}
	if r.K == nil {
		k := 10
		r.K = &k
	}
	if *r.K <= 0 {
		return badRequest("\"k\" must be >= 1, got %d", *r.K)
	}
	if *r.K > lim.MaxK {
		return badRequest("\"k\" is %d; the limit is %d", *r.K, lim.MaxK)
	}
	switch r.Mode {
	case "":
		r.Mode = modeSparse
	case modeSparse, modeBM25, modeHybrid:
	default:
		return badRequest("\"mode\" must be \"sparse\", \"bm25\" or \"hybrid\", got %q", r.Mode)
	}
	if r.Vector != nil && r.Mode != modeSparse {
		return badRequest("a raw \"vector\" query needs \"mode\": \"sparse\" (bm25 needs query text)")
	}
	if f := r.Filter; f != nil {
		if f.IDs != nil && len(f.IDs) == 0 && len(f.Fields) == 0 {
			return badRequest("\"filter.ids\" is an empty list; it would match nothing (omit it to match all)")
		}
		if len(f.IDs) > lim.MaxFilterIDs {
			return badRequest("\"filter.ids\" has %d ids; the limit is %d", len(f.IDs), lim.MaxFilterIDs)
		}
		for _, id := range f.IDs {
			if err := validateDocID(id); err != nil {
				return badRequest("\"filter.ids\": %v", err)
			}
		}
		if len(f.Fields) > lim.MaxFields {
			return badRequest("\"filter.fields\" has %d fields; the limit is %d", len(f.Fields), lim.MaxFields)
		}
		f.values = make(map[string]string, len(f.Fields))
		for name, v := range f.Fields {
			if err := validateFieldName(name); err != nil {
				return badRequest("\"filter.fields\": %v", err)
			}
			text, err := scalarText(v)
			if err != nil {
				return badRequest("\"filter.fields\": field %q %v", name, err)
			}
			f.values[name] = text
		}
	}
	if h := r.Hybrid; h != nil {
		if r.Mode != modeHybrid {
			return badRequest("\"hybrid\" options need \"mode\": \"hybrid\"")
		}
		switch h.Normalization {
		case "", fusion.MinMax, fusion.ZScore:
		default:
			return badRequest("\"hybrid.normalization\" must be \"minmax\" or \"zscore\", got %q", h.Normalization)
		}
		for name, w := range map[string]*float64{"sparse_weight": h.SparseWeight, "bm25_weight": h.BM25Weight} {
			if w != nil && (math.IsNaN(*w) || math.IsInf(*w, 0) || *w < 0) {
				return badRequest("\"hybrid.%s\" must be a finite number >= 0", name)
			}
		}
		if h.SparseWeight != nil && h.BM25Weight != nil && *h.SparseWeight == 0 && *h.BM25Weight == 0 {
			return badRequest("\"hybrid.sparse_weight\" and \"hybrid.bm25_weight\" are both 0; give at least one a weight > 0")
		}
		if h.Candidates < 0 || h.Candidates > 10*lim.MaxK {
			return badRequest("\"hybrid.candidates\" must be between 0 (default) and %d", 10*lim.MaxK)
		}
	}
	return nil
}

// weights checks a decoded {token: weight} vector (a JSON null weight is
// nil) against collection.CheckWeight and returns it without pointers.
func weights(m map[string]*float64) (map[string]float64, error) {
	out := make(map[string]float64, len(m))
	for tok, w := range m {
		if w == nil {
			return nil, fmt.Errorf("token %q: weight is null; give a number (0 leaves the token out)", tok)
		}
		if err := collection.CheckWeight(*w); err != nil {
			return nil, fmt.Errorf("token %q: %v", tok, err)
		}
		out[tok] = *w
	}
	return out, nil
}

// decodeDocuments parses an ingest body: a JSON array of objects, a single
// object, or NDJSON (one object a line). Errors name the document (array
// index or line number).
func decodeDocuments(body []byte, ndjson bool, lim Limits) ([]collection.Document, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, badRequest("request body is empty; expected a JSON array of documents or NDJSON")
	}
	if !utf8.Valid(body) {
		return nil, badRequest("request body is not valid UTF-8")
	}
	if err := checkShape(body, lim.documentsShape()); err != nil {
		return nil, badRequest("%v", err)
	}
	var raws []json.RawMessage
	var where func(i int) string
	trimmed := bytes.TrimSpace(body)
	switch {
	case !ndjson && trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, badRequest("invalid JSON array: %s", jsonErrorText(err, body))
		}
		where = func(i int) string { return fmt.Sprintf("document %d", i) }
	case !ndjson && trimmed[0] == '{' && singleValue(trimmed):
		raws = []json.RawMessage{trimmed}
		where = func(int) string { return "document 0" }
	default:
		// NDJSON: one object per non-blank line, counted before any is kept.
		if n := countLines(body, lim.MaxBatchDocs+1); n > lim.MaxBatchDocs {
			return nil, badRequest("more than %d documents (lines) in one request; the limit is %d (split the batch)", lim.MaxBatchDocs, lim.MaxBatchDocs)
		}
		var lines []int
		for n, line := range bytes.Split(body, []byte("\n")) {
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			raws = append(raws, json.RawMessage(line))
			lines = append(lines, n+1)
		}
		where = func(i int) string { return fmt.Sprintf("line %d", lines[i]) }
	}
	if len(raws) == 0 {
		return nil, badRequest("no documents in the request body")
	}
	if len(raws) > lim.MaxBatchDocs {
		return nil, badRequest("%d documents in one request; the limit is %d (split the batch)", len(raws), lim.MaxBatchDocs)
	}
	docs := make([]collection.Document, 0, len(raws))
	seen := make(map[string]int, len(raws))
	for i, raw := range raws {
		d, err := decodeDocument(raw, lim)
		if err != nil {
			return nil, badRequest("%s: %v", where(i), err)
		}
		if j, dup := seen[d.ID]; dup {
			return nil, badRequest("%s: id %q repeats %s", where(i), d.ID, where(j))
		}
		seen[d.ID] = i
		docs = append(docs, d)
	}
	return docs, nil
}

// countLines counts the non-blank lines of body, stopping at stop.
func countLines(body []byte, stop int) int {
	n := 0
	for len(body) > 0 && n < stop {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		if len(bytes.TrimSpace(line)) > 0 {
			n++
		}
	}
	return n
}

// singleValue reports whether b holds exactly one JSON value (a pretty-printed
// single document rather than NDJSON).
func singleValue(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	var v json.RawMessage
	if dec.Decode(&v) != nil {
		return false
	}
	_, err := dec.Token()
	return err == io.EOF
}

// decodeDocument parses one {"id","title","text","fields"?,"vector"?, extra
// scalar fields...} object. Extra top-level scalar fields become Fields.
func decodeDocument(raw []byte, lim Limits) (collection.Document, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return collection.Document{}, errors.New("expected a JSON object")
		}
		return collection.Document{}, fmt.Errorf("invalid JSON: %s", jsonErrorText(err, raw))
	}
	if m == nil {
		return collection.Document{}, errors.New("expected a JSON object, got null")
	}
	var d collection.Document
	str := func(key string) (string, error) {
		v, ok := m[key]
		if !ok {
			return "", nil
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("field %q must be a string", key)
		}
		return s, nil
	}
	var err error
	idRaw, ok := m["id"]
	if !ok {
		idRaw, ok = m["_id"] // BEIR corpus lines can be posted as they are
	}
	if !ok {
		return d, errors.New("missing \"id\"")
	}
	if err := json.Unmarshal(idRaw, &d.ID); err != nil {
		// Numeric ids are common in JSON exports; accept them as text.
		var n json.Number
		dec := json.NewDecoder(bytes.NewReader(idRaw))
		dec.UseNumber()
		if dec.Decode(&n) != nil {
			return d, errors.New("\"id\" must be a string or a number")
		}
		d.ID = n.String()
	}
	if err := validateDocID(d.ID); err != nil {
		return d, err
	}
	if d.Title, err = str("title"); err != nil {
		return d, err
	}
	if d.Text, err = str("text"); err != nil {
		return d, err
	}
	if len(d.Title)+len(d.Text) > lim.MaxDocBytes {
		return d, fmt.Errorf("title+text is %d bytes; the limit is %d", len(d.Title)+len(d.Text), lim.MaxDocBytes)
	}
	if v, ok := m["vector"]; ok {
		var raw map[string]*float64
		if err := json.Unmarshal(v, &raw); err != nil || raw == nil {
			return d, errors.New("\"vector\" must be an object of token -> weight")
		}
		if len(raw) == 0 {
			return d, errors.New("\"vector\" is empty; give at least one token weight")
		}
		var err error
		if d.Tokens, err = weights(raw); err != nil {
			return d, fmt.Errorf("\"vector\": %v", err)
		}
	} else if strings.TrimSpace(d.Title) == "" && strings.TrimSpace(d.Text) == "" {
		return d, errors.New("document has neither \"title\" nor \"text\" (nor a \"vector\")")
	}
	addField := func(name string, v json.RawMessage) error {
		if err := validateFieldName(name); err != nil {
			return err
		}
		s, err := scalarText(v)
		if err != nil {
			return fmt.Errorf("field %q: %v", name, err)
		}
		if d.Fields == nil {
			d.Fields = map[string]string{}
		}
		d.Fields[name] = s
		return nil
	}
	for k, v := range m {
		switch k {
		case "id", "_id", "title", "text", "vector":
		case "fields":
			var fm map[string]json.RawMessage
			if err := json.Unmarshal(v, &fm); err != nil {
				return d, errors.New("\"fields\" must be an object of name -> string")
			}
			for name, fv := range fm {
				if err := addField(name, fv); err != nil {
					return d, err
				}
			}
		case "metadata":
			// BEIR corpora carry a free-form metadata object; it is not indexed.
		default:
			if err := addField(k, v); err != nil {
				return d, err
			}
		}
	}
	if len(d.Fields) > lim.MaxFields {
		return d, fmt.Errorf("%d fields; the limit is %d", len(d.Fields), lim.MaxFields)
	}
	return d, nil
}

// scalarText renders a JSON string, number or boolean as field text, the
// same way for stored fields and for filters: a number by its value (2024,
// 2024.0 and 2.024e3 are "2024"), so a filter finds it however it is written.
func scalarText(v json.RawMessage) (string, error) {
	if string(bytes.TrimSpace(v)) == "null" { // would decode as "" silently
		return "", errors.New("must be a string, number or boolean, not null")
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s, nil
	}
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return strconv.FormatBool(b), nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if dec.Decode(&n) == nil && n != "" {
		return numberText(n), nil
	}
	return "", errors.New("must be a string, number or boolean")
}

// numberText is the canonical text of a JSON number: an integer (within
// ±2^53 when written as a fraction or exponent) in decimal digits, else
// the shortest representation of its float64 value.
func numberText(n json.Number) string {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return strconv.FormatInt(i, 10)
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return string(n) // beyond float64: as written
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// validateDocID accepts non-empty UTF-8 ids up to 512 bytes without control
// characters or path separators, and not "." or "..".
func validateDocID(id string) error {
	switch {
	case id == "":
		return errors.New("document id is empty")
	case len(id) > 512:
		return fmt.Errorf("document id is %d bytes; the limit is 512", len(id))
	case !utf8.ValidString(id):
		return errors.New("document id is not valid UTF-8")
	case id == "." || id == "..":
		return fmt.Errorf("document id %q is not allowed", id)
	}
	for _, c := range id {
		if c == '/' || c == '\\' || unicode.IsControl(c) {
			return fmt.Errorf("document id %q contains %q; ids may not contain '/', '\\' or control characters", id, c)
		}
	}
	return nil
}

func validateFieldName(name string) error {
	if name == "" || len(name) > 128 {
		return fmt.Errorf("field name %q must be 1 to 128 bytes", name)
	}
	for _, c := range name {
		if unicode.IsControl(c) {
			return fmt.Errorf("field name %q contains a control character", name)
		}
	}
	return nil
}
