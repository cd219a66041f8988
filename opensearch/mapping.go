package opensearch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MetaKey is the name under which an index's mapping is kept in the
// collection's manifest (collection.Manifest.Meta).
const MetaKey = "opensearch"

// DefaultVectorField is the rank_features field of an index whose mapping
// names none (one made by /v1 or without mappings): the field name
// `indexer export --format opensearch` writes by default.
const DefaultVectorField = "sparse_embedding"

// Field types of a mapping.
const (
	typeRankFeatures = "rank_features"
	typeText         = "text"
	typeKeyword      = "keyword"
	typeBoolean      = "boolean"
	typeDate         = "date"
	typeObject       = "object"
)

// integer types and their ranges; float types. Values of these are stored
// in canonical decimal form, so a term query matches however the number was
// written.
var (
	intRange = map[string][2]float64{
		"byte": {math.MinInt8, math.MaxInt8}, "short": {math.MinInt16, math.MaxInt16},
		"integer": {math.MinInt32, math.MaxInt32}, "long": {math.MinInt64, math.MaxInt64},
	}
	floatTypes = map[string]int{"float": 32, "half_float": 32, "double": 64}
)

// Mapping is what the dialect keeps of an index's mappings and settings.
// Documents map onto collection.Document: the rank_features field is the
// vector, one text field the title and one the text (both encoded and
// searched by match), every other field an exact-match filter field stored
// in canonical form for its type.
type Mapping struct {
	Vector string            `json:"vector"`           // the rank_features field
	Title  string            `json:"title,omitempty"`  // text field stored as the title
	Text   string            `json:"text,omitempty"`   // text field stored as the text
	Fields map[string]string `json:"fields,omitempty"` // filter field (dotted path) -> type
	// Strict refuses documents with unmapped fields (mappings.dynamic:
	// strict); otherwise new fields are added to the mapping.
	Strict bool `json:"strict,omitempty"`
	// SourceIncludes/Excludes are mappings._source's: what _source keeps.
	SourceIncludes []string `json:"source_includes,omitempty"`
	SourceExcludes []string `json:"source_excludes,omitempty"`
	// SearchPipeline is index.search.default_pipeline.
	SearchPipeline string `json:"default_search_pipeline,omitempty"`
	// Settings are the index settings as given, for GET /{index}.
	Settings json.RawMessage `json:"settings,omitempty"`
}

// defaultMapping is the mapping of an index that has none: title and text
// are the text fields, the vector is DefaultVectorField, other fields are
// mapped as they come.
func defaultMapping() *Mapping {
	return &Mapping{Vector: DefaultVectorField, Title: "title", Text: "text"}
}

// loadMapping reads an index's mapping from its manifest metadata.
func loadMapping(meta map[string]json.RawMessage) (*Mapping, error) {
	raw, ok := meta[MetaKey]
	if !ok {
		return defaultMapping(), nil
	}
	m := new(Mapping)
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("the index's opensearch mapping does not parse: %v", err)
	}
	if m.Vector == "" {
		m.Vector = DefaultVectorField
	}
	return m, nil
}

func (m *Mapping) clone() *Mapping {
	c := *m
	c.Fields = make(map[string]string, len(m.Fields))
	for k, v := range m.Fields {
		c.Fields[k] = v
	}
	return &c
}

// typeOf is the type of a field: rank_features, text, a filter type, or ""
// when unmapped.
func (m *Mapping) typeOf(field string) string {
	switch field {
	case m.Vector:
		return typeRankFeatures
	case m.Title, m.Text:
		if field != "" {
			return typeText
		}
	}
	return m.Fields[field]
}

// parseIndexBody parses the body of PUT /{index}: settings, mappings and
// (empty) aliases.
func parseIndexBody(body []byte) (*Mapping, error) {
	m := defaultMapping()
	if len(bytes.TrimSpace(body)) == 0 {
		return m, nil
	}
	top, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	for k, v := range top {
		switch k {
		case "settings":
			if err := m.setSettings(v); err != nil {
				return nil, err
			}
		case "mappings":
			mm, ok := v.(map[string]any)
			if !ok {
				return nil, mapperParsing("[mappings] must be an object")
			}
			if err := m.setMappings(mm, body); err != nil {
				return nil, err
			}
		case "aliases":
			if a, ok := v.(map[string]any); !ok || len(a) > 0 {
				return nil, illegalArgument("aliases are not supported by Sparrow; create the index without them")
			}
		default:
			return nil, parsingError("unknown key [%s] for create index", k)
		}
	}
	return m, nil
}

func mapperParsing(format string, args ...any) *Error {
	return errorf(400, "mapper_parsing_exception", format, args...)
}

// setSettings keeps the settings as given and reads the one Sparrow acts on,
// index.search.default_pipeline; the others (shards, replicas, analysis,
// index.knn, index.default_pipeline...) are accepted and ignored.
func (m *Mapping) setSettings(v any) error {
	s, ok := v.(map[string]any)
	if !ok {
		return illegalArgument("[settings] must be an object")
	}
	flat := map[string]any{}
	flatten("", s, flat)
	for k, v := range flat {
		switch strings.TrimPrefix(k, "index.") {
		case "search.default_pipeline":
			name, ok := v.(string)
			if !ok {
				return illegalArgument("[index.search.default_pipeline] must be a string")
			}
			m.SearchPipeline = name
		}
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return illegalArgument("[settings]: %v", err)
	}
	m.Settings = raw
	return nil
}

// flatten writes the leaves of a nested object under dotted keys.
func flatten(prefix string, v map[string]any, out map[string]any) {
	for k, x := range v {
		if sub, ok := x.(map[string]any); ok {
			flatten(prefix+k+".", sub, out)
			continue
		}
		out[prefix+k] = x
	}
}

// setMappings reads mappings: properties, dynamic, _source. body is the
// whole request body, for the declared order of the text fields.
func (m *Mapping) setMappings(mm map[string]any, body []byte) error {
	m.Title, m.Text, m.Vector = "", "", ""
	for k, v := range mm {
		switch k {
		case "properties":
			props, ok := v.(map[string]any)
			if !ok {
				return mapperParsing("[properties] must be an object")
			}
			var texts []string
			if err := m.addProperties("", props, &texts); err != nil {
				return err
			}
			if err := m.placeText(orderOf(body, texts)); err != nil {
				return err
			}
		case "dynamic":
			switch fmt.Sprint(v) {
			case "strict":
				m.Strict = true
			case "true", "false", "runtime":
			default:
				return mapperParsing("[dynamic] must be true, false or strict, got [%v]", v)
			}
		case "_source":
			src, ok := v.(map[string]any)
			if !ok {
				return mapperParsing("[_source] must be an object")
			}
			for sk, sv := range src {
				list, err := stringList(sv)
				switch {
				case sk == "enabled":
					if sv != true {
						return mapperParsing("[_source] enabled: false is not supported: Sparrow always keeps the documents")
					}
					continue
				case err != nil:
					return mapperParsing("[_source.%s]: %v", sk, err)
				case sk == "includes":
					m.SourceIncludes = list
				case sk == "excludes":
					m.SourceExcludes = list
				default:
					return mapperParsing("unknown parameter [%s] of [_source]", sk)
				}
			}
		case "_meta", "date_detection", "numeric_detection", "dynamic_templates", "_routing":
			// Accepted and ignored: Sparrow does no detection beyond JSON types.
		default:
			return mapperParsing("Root mapping definition has unsupported parameters: [%s]", k)
		}
	}
	if m.Vector == "" {
		m.Vector = DefaultVectorField // where the encoder's vectors show, as an ingest pipeline's target field
	}
	return m.checkPaths()
}

// checkPaths refuses a mapping in which one field is also an object that
// holds another ("a" and "a.b"): a _source cannot show both.
func (m *Mapping) checkPaths() error {
	seen := map[string]bool{}
	paths := nonEmpty(m.Vector, m.Title, m.Text)
	for f := range m.Fields {
		paths = append(paths, f)
	}
	for _, p := range paths {
		if seen[p] {
			return mapperParsing("field [%s] is mapped twice", p)
		}
		seen[p] = true
	}
	for _, p := range paths {
		for i := strings.IndexByte(p, '.'); i >= 0; i = nextDot(p, i) {
			if seen[p[:i]] {
				return mapperParsing("field [%s] cannot be both a value and an object holding [%s]", p[:i], p)
			}
		}
	}
	return nil
}

// addProperties maps each property (objects recursively, under dotted
// paths); text fields are collected in texts to be placed afterwards.
func (m *Mapping) addProperties(prefix string, props map[string]any, texts *[]string) error {
	for name, def := range props {
		path := prefix + name
		if err := validFieldName(path); err != nil {
			return mapperParsing("%v", err)
		}
		d, ok := def.(map[string]any)
		if !ok {
			return mapperParsing("Expected map for property [%s] but got a %s", path, jsonKind(def))
		}
		typ, _ := d["type"].(string)
		if sub, ok := d["properties"].(map[string]any); ok && (typ == "" || typ == typeObject) {
			if err := m.addProperties(path+".", sub, texts); err != nil {
				return err
			}
			continue
		}
		switch {
		case typ == typeRankFeatures:
			if m.Vector != "" {
				return mapperParsing("fields [%s] and [%s] are both rank_features: a Sparrow index holds one document vector", m.Vector, path)
			}
			m.Vector = path
		case typ == typeText || typ == "match_only_text":
			*texts = append(*texts, path)
		case typ == typeKeyword || typ == typeBoolean || typ == typeDate || typ == "date_nanos" || isNumber(typ):
			if typ == "date_nanos" {
				typ = typeDate
			}
			if m.Fields == nil {
				m.Fields = map[string]string{}
			}
			m.Fields[path] = typ
		case typ == "":
			return mapperParsing("No type specified for field [%s]", path)
		default:
			return mapperParsing("No handler for type [%s] declared on field [%s]: Sparrow supports rank_features, text, keyword, "+
				"integer, long, short, byte, double, float, half_float, boolean, date and object fields", typ, path)
		}
	}
	return nil
}

func isNumber(typ string) bool {
	_, i := intRange[typ]
	_, f := floatTypes[typ]
	return i || f
}

// placeText gives the text fields their places: a field named "title" is
// the title, the first other one the text, a second other one the title
// when that is free. More than two text fields are refused: a Sparrow
// document has a title and a text.
func (m *Mapping) placeText(texts []string) error {
	var rest []string
	for _, f := range texts {
		if f == "title" {
			m.Title = f
		} else {
			rest = append(rest, f)
		}
	}
	for _, f := range rest {
		switch {
		case m.Text == "":
			m.Text = f
		case m.Title == "":
			m.Title = f
		default:
			return mapperParsing("text fields %v: a Sparrow index encodes and searches at most two text fields (a title and a text)", texts)
		}
	}
	return nil
}

// orderOf sorts fields by where they first appear in body (the declared
// order, which a JSON object decoded into a map forgets).
func orderOf(body []byte, fields []string) []string {
	pos := func(f string) int {
		leaf := f[strings.LastIndexByte(f, '.')+1:]
		if i := bytes.Index(body, []byte(strconv.Quote(leaf))); i >= 0 {
			return i
		}
		return len(body)
	}
	out := slices.Clone(fields)
	sort.SliceStable(out, func(i, j int) bool { return pos(out[i]) < pos(out[j]) })
	return out
}

// properties renders the mapping as OpenSearch's mappings.properties.
func (m *Mapping) properties() map[string]any {
	props := map[string]any{}
	put := func(path string, def map[string]any) {
		parts := strings.Split(path, ".")
		cur := props
		for i, p := range parts[:len(parts)-1] {
			obj, ok := cur[p].(map[string]any)
			sub, isObj := obj["properties"].(map[string]any)
			if ok && !isObj { // a leaf where an object would go (parse refuses this)
				cur[strings.Join(parts[i:], ".")] = def
				return
			}
			if !ok {
				sub = map[string]any{}
				cur[p] = map[string]any{"properties": sub}
			}
			cur = sub
		}
		cur[parts[len(parts)-1]] = def
	}
	put(m.Vector, map[string]any{"type": typeRankFeatures})
	for _, f := range []string{m.Title, m.Text} {
		if f != "" {
			put(f, map[string]any{"type": typeText})
		}
	}
	names := make([]string, 0, len(m.Fields))
	for f := range m.Fields {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		put(f, map[string]any{"type": m.Fields[f]})
	}
	return props
}

// mappings renders the whole mappings object.
func (m *Mapping) mappings() map[string]any {
	out := map[string]any{"properties": m.properties()}
	if m.Strict {
		out["dynamic"] = "strict"
	}
	if len(m.SourceIncludes)+len(m.SourceExcludes) > 0 {
		src := map[string]any{}
		if len(m.SourceIncludes) > 0 {
			src["includes"] = m.SourceIncludes
		}
		if len(m.SourceExcludes) > 0 {
			src["excludes"] = m.SourceExcludes
		}
		out["_source"] = src
	}
	return out
}

// canonical converts a field value to the text stored and matched for a
// field of type typ ("" = unmapped: by its JSON type). It returns the type
// an unmapped field gets. Numbers are decimal without redundant digits,
// booleans true/false, dates UTC ISO-8601 with milliseconds.
func canonical(typ string, v any) (string, string, error) {
	if typ == "" {
		switch x := v.(type) {
		case string:
			typ = typeKeyword
		case bool:
			typ = typeBoolean
		case json.Number:
			typ = "long"
			if _, err := x.Int64(); err != nil {
				typ = "float"
			}
		default:
			return "", "", fmt.Errorf("a %s is not a field value", jsonKind(v))
		}
	}
	switch {
	case typ == typeKeyword:
		switch x := v.(type) {
		case string:
			return x, typ, nil
		case json.Number:
			return x.String(), typ, nil
		case bool:
			return strconv.FormatBool(x), typ, nil
		}
	case typ == typeBoolean:
		switch x := v.(type) {
		case bool:
			return strconv.FormatBool(x), typ, nil
		case string:
			if x == "true" || x == "false" {
				return x, typ, nil
			}
		}
		return "", typ, fmt.Errorf("failed to parse value [%v] as only [true] or [false] are allowed", v)
	case typ == typeDate:
		t, err := parseDate(v)
		if err != nil {
			return "", typ, err
		}
		return t.UTC().Format("2006-01-02T15:04:05.000Z"), typ, nil
	case isNumber(typ):
		s, err := canonicalNumber(typ, v)
		return s, typ, err
	}
	return "", typ, fmt.Errorf("a %s cannot be a value of a [%s] field", jsonKind(v), typ)
}

// canonicalNumber parses v (a number or a numeric string, as OpenSearch
// coerces) for a numeric type: integers are truncated and range-checked.
func canonicalNumber(typ string, v any) (string, error) {
	var text string
	switch x := v.(type) {
	case json.Number:
		text = x.String()
	case string:
		text = strings.TrimSpace(x)
	default:
		return "", fmt.Errorf("a %s is not a number", jsonKind(v))
	}
	if r, ok := intRange[typ]; ok {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			if float64(n) < r[0] || float64(n) > r[1] {
				return "", fmt.Errorf("value [%s] is out of range for a [%s]", text, typ)
			}
			return strconv.FormatInt(n, 10), nil
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return "", fmt.Errorf("for input string: %q", text)
		}
		f = math.Trunc(f)
		if f < r[0] || f > r[1] {
			return "", fmt.Errorf("value [%s] is out of range for a [%s]", text, typ)
		}
		return strconv.FormatInt(int64(f), 10), nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("for input string: %q", text)
	}
	if floatTypes[typ] == 32 {
		if math.Abs(f) > math.MaxFloat32 {
			return "", fmt.Errorf("value [%s] is out of range for a [%s]", text, typ)
		}
		return strconv.FormatFloat(float64(float32(f)), 'g', -1, 32), nil
	}
	return strconv.FormatFloat(f, 'g', -1, 64), nil
}

// dateLayouts are the forms of OpenSearch's default date format
// (strict_date_optional_time||epoch_millis) that Sparrow reads.
var dateLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02T15:04",
	"2006-01-02T15", "2006-01-02", "2006-01", "2006",
}

// parseDate reads a date string (UTC when it has no zone) or epoch
// milliseconds (a number or a string of digits).
func parseDate(v any) (time.Time, error) {
	var text string
	switch x := v.(type) {
	case json.Number: // a JSON number is epoch milliseconds
		ms, err := strconv.ParseInt(x.String(), 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("failed to parse date field [%s]: epoch milliseconds must be an integer", x)
		}
		return time.UnixMilli(ms), nil
	case string:
		text = strings.TrimSpace(x)
	default:
		return time.Time{}, fmt.Errorf("a %s is not a date", jsonKind(v))
	}
	// A string of digits is a year when it has four (the date format is
	// tried first), else epoch milliseconds.
	if ms, err := strconv.ParseInt(text, 10, 64); err == nil && len(text) != 4 {
		return time.UnixMilli(ms), nil
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, text); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("failed to parse date field [%s] with format [strict_date_optional_time||epoch_millis]", text)
}

// jsonKind names a decoded JSON value's kind for messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// stringList reads a string or an array of strings.
func stringList(v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("expected strings, got a %s", jsonKind(e))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("expected a string or an array of strings, got a %s", jsonKind(v))
}

// validFieldName: 1 to 128 bytes, no control characters, no empty path
// component.
func validFieldName(name string) error {
	if name == "" || len(name) > 128 {
		return fmt.Errorf("field name [%s] must be 1 to 128 bytes", name)
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("field name [%s] contains a control character", name)
		}
	}
	for _, part := range strings.Split(name, ".") {
		if part == "" {
			return fmt.Errorf("field name [%s] cannot contain an empty path component", name)
		}
	}
	return nil
}
