package opensearch

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/server"
)

// toDocument turns a document's _source into a collection document under
// mapping m. Fields the mapping does not have are returned in added (path
// -> type) for the caller to add to the mapping; with m.Strict they are an
// error. A document without the rank_features field is encoded by the
// index's model from its text fields (as OpenSearch's sparse_encoding
// ingest processor would); with it, the given vector is used.
func toDocument(id string, src map[string]any, m *Mapping, lim server.Limits) (doc collection.Document, added map[string]string, err *Error) {
	doc.ID = id
	flat := map[string]any{}
	if err := flattenSource("", src, m, flat); err != nil {
		return doc, nil, err
	}
	for path, v := range flat {
		if v == nil {
			continue // null: no value, as in OpenSearch
		}
		switch typ := m.typeOf(path); typ {
		case typeRankFeatures:
			if doc.Tokens, err = rankFeatures(id, path, v); err != nil {
				return doc, nil, err
			}
		case typeText:
			s, e := textValue(v)
			if e != nil {
				return doc, nil, fieldError(id, path, typ, v, e)
			}
			if path == m.Title {
				doc.Title = s
			} else {
				doc.Text = s
			}
		default:
			if typ == "" && m.Strict {
				return doc, nil, errorf(400, "strict_dynamic_mapping_exception",
					"mapping set to strict, dynamic introduction of [%s] within [_doc] is not allowed", path)
			}
			value, got, e := canonical(typ, v)
			if e != nil {
				return doc, nil, fieldError(id, path, got, v, e)
			}
			if typ == "" {
				if added == nil {
					added = map[string]string{}
				}
				added[path] = got
			}
			if doc.Fields == nil {
				doc.Fields = map[string]string{}
			}
			doc.Fields[path] = value
		}
	}
	if len(doc.Title)+len(doc.Text) > lim.MaxDocBytes {
		return doc, nil, mapperParsing("document [%s]: its text fields hold %d bytes; the limit is %d", id, len(doc.Title)+len(doc.Text), lim.MaxDocBytes)
	}
	if len(doc.Fields) > lim.MaxFields {
		return doc, nil, illegalArgument("Limit of total fields [%d] has been exceeded: document [%s] has %d", lim.MaxFields, id, len(doc.Fields))
	}
	return doc, added, nil
}

// flattenSource writes the leaves of src under dotted paths. Objects are
// walked except the rank_features field's; arrays are refused (a Sparrow
// field holds one value).
func flattenSource(prefix string, src map[string]any, m *Mapping, out map[string]any) *Error {
	for k, v := range src {
		path := prefix + k
		if err := validFieldName(path); err != nil {
			return mapperParsing("%v", err)
		}
		switch x := v.(type) {
		case map[string]any:
			if path == m.Vector {
				out[path] = x
				continue
			}
			if err := flattenSource(path+".", x, m, out); err != nil {
				return err
			}
		case []any:
			return mapperParsing("field [%s] holds an array: Sparrow fields take one value each", path)
		default:
			if _, dup := out[path]; dup {
				return mapperParsing("field [%s] is given twice (as a dotted name and as an object)", path)
			}
			out[path] = v
		}
	}
	return nil
}

// fieldError is OpenSearch's error for a value a field cannot take.
func fieldError(id, path, typ string, v any, cause error) *Error {
	e := mapperParsing("failed to parse field [%s] of type [%s] in document with id '%s'. Preview of field's value: '%s'", path, typ, id, preview(v))
	e.Cause = illegalArgument("%v", cause)
	return e
}

func preview(v any) string {
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 100 {
		s = s[:100] + "..."
	}
	return s
}

// textValue reads a text field: a string (numbers and booleans as their
// text, as OpenSearch coerces them).
func textValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("a %s is not text", jsonKind(v))
}

// rankFeatures reads a rank_features value: an object of feature -> a
// strictly positive finite number (or a numeric string); null features are
// skipped, as OpenSearch does.
func rankFeatures(id, path string, v any) (map[string]float64, *Error) {
	obj, ok := v.(map[string]any)
	if !ok {
		e := mapperParsing("failed to parse field [%s] of type [rank_features] in document with id '%s'. Preview of field's value: '%s'", path, id, preview(v))
		e.Cause = illegalArgument("[rank_features] fields must be json objects, expected a START_OBJECT but got a %s", jsonKind(v))
		return nil, e
	}
	out := make(map[string]float64, len(obj))
	for tok, w := range obj {
		var text string
		switch x := w.(type) {
		case nil:
			continue
		case json.Number:
			text = x.String()
		case string:
			text = x
		default:
			e := mapperParsing("failed to parse field [%s] of type [rank_features] in document with id '%s'. Preview of field's value: '%s'", path, id, preview(v))
			e.Cause = illegalArgument("[rank_features] fields take hashes that map a feature to a strictly positive float, but got unexpected token %s", tokenName(w))
			return nil, e
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		switch {
		case err != nil:
			e := mapperParsing("failed to parse field [%s] of type [rank_features] in document with id '%s'. Preview of field's value: '%s'", path, id, preview(v))
			e.Cause = errorf(400, "number_format_exception", "For input string: %q", text)
			return nil, e
		case !(f > 0) || f > math.MaxFloat32:
			e := mapperParsing("failed to parse field [%s] of type [rank_features] in document with id '%s'. Preview of field's value: '%s'", path, id, preview(v))
			e.Cause = illegalArgument("feature [%s]: featureValue must be a positive normal float, got: %s", tok, text)
			return nil, e
		}
		out[tok] = f
	}
	return out, nil
}

// tokenName is the Jackson token name OpenSearch's messages use.
func tokenName(v any) string {
	switch v.(type) {
	case bool:
		return "VALUE_BOOLEAN"
	case []any:
		return "START_ARRAY"
	case map[string]any:
		return "START_OBJECT"
	}
	return "VALUE_" + strings.ToUpper(jsonKind(v))
}

// toSource renders a stored document as its _source under mapping m:
// the text fields, the filter fields (typed by the mapping, nested by their
// dotted paths) and the vector.
func toSource(d collection.Document, m *Mapping) map[string]any {
	flat := make(map[string]any, len(d.Fields)+3)
	if d.Title != "" && m.Title != "" {
		flat[m.Title] = d.Title
	}
	if d.Text != "" {
		if m.Text != "" {
			flat[m.Text] = d.Text
		} else if m.Title != "" && d.Title == "" {
			flat[m.Title] = d.Text
		}
	}
	for k, v := range d.Fields {
		flat[k] = typedValue(m.Fields[k], v)
	}
	if len(d.Tokens) > 0 {
		vec := make(map[string]any, len(d.Tokens))
		for t, w := range d.Tokens {
			vec[t] = float32(w) // stored as float32: print it so
		}
		flat[m.Vector] = vec
	}
	return nest(flat)
}

// typedValue is a stored field value as the JSON value its type shows.
func typedValue(typ, v string) any {
	switch {
	case isNumber(typ):
		return json.Number(v)
	case typ == typeBoolean:
		return v == "true"
	}
	return v
}

// nest turns dotted paths into nested objects.
func nest(flat map[string]any) map[string]any {
	out := map[string]any{}
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys) // "a" before "a.b": a leaf and an object never clash silently
	for _, k := range keys {
		parts := strings.Split(k, ".")
		cur := out
		ok := true
		for _, p := range parts[:len(parts)-1] {
			next, isObj := cur[p].(map[string]any)
			if !isObj {
				if _, taken := cur[p]; taken {
					ok = false
					break
				}
				next = map[string]any{}
				cur[p] = next
			}
			cur = next
		}
		if ok {
			cur[parts[len(parts)-1]] = flat[k]
		} else {
			out[k] = flat[k] // a value and an object at one path: keep the dotted name
		}
	}
	return out
}

// sourceFilter is a request's _source selection.
type sourceFilter struct {
	off                bool
	includes, excludes []string
}

// apply keeps the paths of src the filter admits.
func (f *sourceFilter) apply(src map[string]any) map[string]any {
	if len(f.includes) == 0 && len(f.excludes) == 0 {
		return src
	}
	return filterObject("", src, f, len(f.includes) == 0)
}

// filterObject keeps the members of obj (at prefix) that no exclude names
// and, unless included already (an include named an object above), that an
// include names.
func filterObject(prefix string, obj map[string]any, f *sourceFilter, included bool) map[string]any {
	out := map[string]any{}
	for k, v := range obj {
		path := prefix + k
		if matchAny(f.excludes, path) {
			continue
		}
		in := included || matchAny(f.includes, path)
		if sub, ok := v.(map[string]any); ok && (in || underAny(f.includes, path)) {
			if kept := filterObject(path+".", sub, f, in); len(kept) > 0 || in && len(sub) == 0 {
				out[k] = kept
			}
			continue
		}
		if in {
			out[k] = v
		}
	}
	return out
}

// matchAny reports whether a pattern matches path or an object above it.
func matchAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if glob(p, path) {
			return true
		}
		for i := strings.IndexByte(path, '.'); i >= 0; i = nextDot(path, i) {
			if glob(p, path[:i]) {
				return true
			}
		}
	}
	return false
}

func nextDot(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '.')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// underAny reports whether an include may name something inside the
// object at path (a pattern that starts with path + "." or has a wildcard).
func underAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if strings.HasPrefix(p, path+".") || strings.Contains(p, "*") {
			return true
		}
	}
	return false
}

// glob matches s against a pattern whose only wildcard is '*' (any run of
// bytes), in O(len(pattern) * len(s)) at worst: the classic backtrack to
// the last star.
func glob(pattern, s string) bool {
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p, mark = star+1, mark+1
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// parseSourceParam reads the _source of a request body: true/false, a
// pattern or an array of them, or {"includes"|"include", "excludes"|"exclude"}.
func parseSourceParam(v any) (sourceFilter, *Error) {
	var f sourceFilter
	switch x := v.(type) {
	case bool:
		f.off = !x
	case string, []any:
		l, err := stringList(x)
		if err != nil {
			return f, parsingError("[_source]: %v", err)
		}
		f.includes = l
	case map[string]any:
		for k, sv := range x {
			l, err := stringList(sv)
			if err != nil {
				return f, parsingError("[_source.%s]: %v", k, err)
			}
			switch k {
			case "includes", "include":
				f.includes = l
			case "excludes", "exclude":
				f.excludes = l
			default:
				return f, parsingError("Unknown key for a START_ARRAY in [%s].", k)
			}
		}
	default:
		return f, parsingError("[_source] must be a boolean, a string, an array or an object, got a %s", jsonKind(v))
	}
	return f, nil
}

// shownSource is a stored document's _source as the index shows it: after
// the mapping's own _source includes and excludes.
func (m *Mapping) shownSource(d collection.Document) map[string]any {
	src := toSource(d, m)
	if len(m.SourceIncludes)+len(m.SourceExcludes) > 0 {
		f := sourceFilter{includes: m.SourceIncludes, excludes: m.SourceExcludes}
		src = f.apply(src)
	}
	return src
}
