package opensearch

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/server"
)

// scored is the query clause that ranks: neural_sparse (text or tokens,
// collection mode sparse) or match (collection mode bm25). A query has at
// most one; everything else in it filters.
type scored struct {
	kind   string // "neural_sparse" or "match"
	text   string
	tokens map[string]float64
	boost  float64
}

// clause is a parsed query: its scoring clause (nil: the query only
// filters, and every hit scores constScore), and its filter.
type clause struct {
	score      *scored
	filter     collection.Filter
	constScore float64
}

// plan is a whole search query: one clause, or a hybrid of several.
type plan struct {
	clause
	hybrid *hybridQuery
}

// hybridQuery is OpenSearch's hybrid query: sub-queries run separately and
// fused by the search pipeline's normalization.
type hybridQuery struct {
	subs  []clause
	depth int // pagination_depth; 0: from+size
}

// supportedQueries is what the error for an unknown query lists.
const supportedQueries = "neural_sparse, match, term, terms, ids, match_all, match_none, constant_score, bool, hybrid (top level)"

// queryParser parses the query DSL against an index's mapping.
type queryParser struct {
	m   *Mapping
	lim server.Limits
}

// parsePlan parses a search's "query" (nil: match_all).
func (p *queryParser) parsePlan(v any) (*plan, *Error) {
	if v == nil {
		return &plan{clause: clause{constScore: 1}}, nil
	}
	if obj, ok := v.(map[string]any); ok && len(obj) == 1 {
		if h, ok := obj["hybrid"]; ok {
			hq, e := p.hybrid(h)
			if e != nil {
				return nil, e
			}
			return &plan{hybrid: hq}, nil
		}
	}
	c, e := p.query(v)
	if e != nil {
		return nil, e
	}
	return &plan{clause: c}, nil
}

// query parses one query object {"type": {...}}.
func (p *queryParser) query(v any) (clause, *Error) {
	obj, ok := v.(map[string]any)
	if !ok || len(obj) != 1 {
		return clause{}, parsingError("a query must be an object with exactly one query type, got %s", preview(v))
	}
	for typ, body := range obj {
		switch typ {
		case "match_all":
			o, e := params(typ, body, "boost", "_name")
			if e != nil {
				return clause{}, e
			}
			b, e := boost(o)
			return clause{constScore: b}, e
		case "match_none":
			if _, e := params(typ, body, "boost", "_name"); e != nil {
				return clause{}, e
			}
			return clause{filter: collection.Filter{IDs: []string{}}}, nil
		case "neural_sparse":
			return p.neuralSparse(body)
		case "match":
			return p.match(body)
		case "term":
			return p.term(body)
		case "terms":
			return p.terms(body)
		case "ids":
			return p.ids(body)
		case "constant_score":
			return p.constantScore(body)
		case "bool":
			return p.boolQuery(body)
		case "hybrid":
			return clause{}, parsingError("[hybrid] must be the top-level query")
		default:
			return clause{}, parsingError("unknown query [%s]: Sparrow's OpenSearch dialect supports %s", typ, supportedQueries).with("line", 1).with("col", 1)
		}
	}
	panic("unreachable")
}

// params checks a query's object holds only the given keys.
func params(typ string, body any, allowed ...string) (map[string]any, *Error) {
	o, ok := body.(map[string]any)
	if !ok {
		return nil, parsingError("[%s] query malformed, expected an object, got a %s", typ, jsonKind(body))
	}
	for k := range o {
		found := false
		for _, a := range allowed {
			found = found || a == k
		}
		if !found {
			return nil, parsingError("[%s] query does not support [%s]", typ, k)
		}
	}
	return o, nil
}

// boost reads an optional boost (default 1).
func boost(o map[string]any) (float64, *Error) {
	v, ok := o["boost"]
	if !ok {
		return 1, nil
	}
	b, e := number(v, "boost")
	if e == nil && b < 0 {
		e = illegalArgument("negative [boost] values are not allowed, got %v", v)
	}
	return b, e
}

func number(v any, what string) (float64, *Error) {
	var f float64
	var err error
	switch x := v.(type) {
	case json.Number:
		f, err = x.Float64()
	case string:
		f, err = strconv.ParseFloat(x, 64)
	default:
		return 0, parsingError("[%s] must be a number, got a %s", what, jsonKind(v))
	}
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, parsingError("[%s] must be a finite number, got %v", what, v)
	}
	return f, nil
}

// single reads {"FIELD": value} (the form of term, match, neural_sparse),
// with the query-level keys in extra (boost, _name) set aside.
func single(typ string, body any) (string, any, *Error) {
	o, ok := body.(map[string]any)
	if !ok {
		return "", nil, parsingError("[%s] query malformed, expected an object, got a %s", typ, jsonKind(body))
	}
	if len(o) != 1 {
		keys := make([]string, 0, len(o))
		for k := range o {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return "", nil, parsingError("[%s] query doesn't support multiple fields, found [%s]", typ, strings.Join(keys, "] and ["))
	}
	for f, v := range o {
		return f, v, nil
	}
	panic("unreachable")
}

// neuralSparse parses {"neural_sparse": {"FIELD": {query_text | query_tokens,
// analyzer?, model_id?, boost?...}}}. query_text is analysed by the index's
// own model whatever analyzer or model_id says: Sparrow queries are tokens x
// idf of the model that encoded the documents.
func (p *queryParser) neuralSparse(body any) (clause, *Error) {
	field, v, e := single("neural_sparse", body)
	if e != nil {
		return clause{}, e
	}
	if field != p.m.Vector {
		return clause{}, illegalArgument("[neural_sparse] field [%s] is not the index's rank_features field [%s]", field, p.m.Vector)
	}
	o, e := params("neural_sparse", v, "query_text", "query_tokens", "model_id", "analyzer", "max_token_score",
		"boost", "_name", "method_parameters", "pruning_config", "two_phase_settings")
	if e != nil {
		return clause{}, e
	}
	b, e := boost(o)
	if e != nil {
		return clause{}, e
	}
	s := &scored{kind: "neural_sparse", boost: b}
	text, hasText := o["query_text"]
	tokens, hasTokens := o["query_tokens"]
	switch {
	case hasText == hasTokens:
		return clause{}, illegalArgument("[neural_sparse] query needs exactly one of [query_text] and [query_tokens]")
	case hasText:
		t, ok := text.(string)
		if !ok || strings.TrimSpace(t) == "" {
			return clause{}, illegalArgument("[neural_sparse] query_text must be a non-empty string")
		}
		if len(t) > p.lim.MaxQueryBytes {
			return clause{}, illegalArgument("[neural_sparse] query_text is %d bytes; the limit is %d", len(t), p.lim.MaxQueryBytes)
		}
		s.text = t
	default:
		tm, ok := tokens.(map[string]any)
		if !ok || len(tm) == 0 {
			return clause{}, illegalArgument("[neural_sparse] query_tokens must be a non-empty object of token -> weight")
		}
		if len(tm) > p.lim.MaxVectorLen {
			return clause{}, illegalArgument("[neural_sparse] query_tokens has %d tokens; the limit is %d", len(tm), p.lim.MaxVectorLen)
		}
		s.tokens = make(map[string]float64, len(tm))
		for tok, w := range tm {
			f, e := number(w, "query_tokens."+tok)
			if e != nil {
				return clause{}, e
			}
			if err := collection.CheckWeight(f); err != nil {
				return clause{}, illegalArgument("[neural_sparse] query_tokens [%s]: %v", tok, err)
			}
			s.tokens[tok] = f
		}
	}
	return clause{score: s}, nil
}

// match parses {"match": {"FIELD": "text" | {"query": ..., "operator": "or", ...}}}
// on a text field: BM25 over the index's text fields.
func (p *queryParser) match(body any) (clause, *Error) {
	field, v, e := single("match", body)
	if e != nil {
		return clause{}, e
	}
	if p.m.typeOf(field) != typeText {
		return clause{}, illegalArgument("[match] field [%s] is not a text field of the index (its text fields are [%s]); use term for exact values",
			field, strings.Join(nonEmpty(p.m.Title, p.m.Text), ", "))
	}
	s := &scored{kind: "match", boost: 1}
	switch x := v.(type) {
	case string:
		s.text = x
	case json.Number:
		s.text = x.String()
	case map[string]any:
		o, e := params("match", x, "query", "operator", "boost", "_name", "analyzer", "auto_generate_synonyms_phrase_query", "zero_terms_query", "lenient")
		if e != nil {
			return clause{}, e
		}
		if op, ok := o["operator"].(string); ok && !strings.EqualFold(op, "or") {
			return clause{}, illegalArgument("[match] operator [%s] is not supported: Sparrow's BM25 matches any term (operator or)", op)
		}
		q, ok := o["query"].(string)
		if !ok {
			return clause{}, parsingError("[match] query must be a string")
		}
		s.text = q
		if s.boost, e = boost(o); e != nil {
			return clause{}, e
		}
	default:
		return clause{}, parsingError("[match] query malformed: a %s is not a query", jsonKind(v))
	}
	if strings.TrimSpace(s.text) == "" {
		return clause{filter: collection.Filter{IDs: []string{}}}, nil // no terms: no hits, as zero_terms_query none
	}
	if len(s.text) > p.lim.MaxQueryBytes {
		return clause{}, illegalArgument("[match] query is %d bytes; the limit is %d", len(s.text), p.lim.MaxQueryBytes)
	}
	return clause{score: s}, nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// filterField resolves a term/terms field: "_id", a filter field, or a
// dynamic "x.keyword" that names keyword field x.
func (p *queryParser) filterField(typ, field string) (string, string, *Error) {
	if field == "_id" {
		return field, "", nil
	}
	t := p.m.typeOf(field)
	if t == "" && strings.HasSuffix(field, ".keyword") {
		if base := strings.TrimSuffix(field, ".keyword"); p.m.typeOf(base) == typeKeyword {
			field, t = base, typeKeyword
		}
	}
	switch t {
	case typeRankFeatures:
		return "", "", illegalArgument("Queries on [rank_features] fields are not supported (field [%s]); use neural_sparse", field)
	case typeText:
		return "", "", illegalArgument("[%s] on text field [%s] is not supported by Sparrow: text fields are searched with match or neural_sparse", typ, field)
	}
	if err := validFieldName(field); err != nil {
		return "", "", illegalArgument("%v", err)
	}
	return field, t, nil
}

// fieldFilter is the filter "field equals v".
func (p *queryParser) fieldFilter(typ, field string, v any) (collection.Filter, *Error) {
	field, t, e := p.filterField(typ, field)
	if e != nil {
		return collection.Filter{}, e
	}
	if field == "_id" {
		id, ok := v.(string)
		if !ok {
			return collection.Filter{}, illegalArgument("[%s] on [_id] needs string values", typ)
		}
		return collection.Filter{IDs: []string{id}}, nil
	}
	value, _, err := canonical(t, v)
	if err != nil {
		return collection.Filter{}, errorf(400, "query_shard_exception", "failed to create query: [%s] value for field [%s]: %v", typ, field, err)
	}
	return collection.Filter{Fields: map[string]string{field: value}}, nil
}

// term parses {"term": {"FIELD": value | {"value": v, "boost": b}}}.
func (p *queryParser) term(body any) (clause, *Error) {
	field, v, e := single("term", body)
	if e != nil {
		return clause{}, e
	}
	b := 1.0
	if o, ok := v.(map[string]any); ok {
		if o, e = params("term", o, "value", "boost", "_name", "case_insensitive"); e != nil {
			return clause{}, e
		}
		if ci, _ := o["case_insensitive"].(bool); ci {
			return clause{}, illegalArgument("[term] case_insensitive is not supported: Sparrow's filter fields match exactly")
		}
		if b, e = boost(o); e != nil {
			return clause{}, e
		}
		v = o["value"]
	}
	f, e := p.fieldFilter("term", field, v)
	return clause{filter: f, constScore: b}, e
}

// terms parses {"terms": {"FIELD": [values], "boost": b}}: any of them.
func (p *queryParser) terms(body any) (clause, *Error) {
	o, ok := body.(map[string]any)
	if !ok {
		return clause{}, parsingError("[terms] query malformed, expected an object")
	}
	b, e := boost(o)
	if e != nil {
		return clause{}, e
	}
	var field string
	var values []any
	for k, v := range o {
		if k == "boost" || k == "_name" {
			continue
		}
		if field != "" {
			return clause{}, parsingError("[terms] query does not support multiple fields")
		}
		list, ok := v.([]any)
		if !ok {
			return clause{}, parsingError("[terms] query malformed: field [%s] needs an array of values (terms lookup is not supported)", k)
		}
		field, values = k, list
	}
	if field == "" {
		return clause{}, parsingError("[terms] query needs a field")
	}
	if len(values) > p.lim.MaxFilterIDs {
		return clause{}, illegalArgument("[terms] has %d values; the limit is %d", len(values), p.lim.MaxFilterIDs)
	}
	if field == "_id" {
		ids, err := stringList(values)
		if err != nil {
			return clause{}, illegalArgument("[terms] on [_id]: %v", err)
		}
		return clause{filter: collection.Filter{IDs: ids}, constScore: b}, nil
	}
	any := make([]collection.Filter, 0, len(values))
	for _, v := range values {
		f, e := p.fieldFilter("terms", field, v)
		if e != nil {
			return clause{}, e
		}
		any = append(any, f)
	}
	if len(any) == 0 {
		return clause{filter: collection.Filter{IDs: []string{}}}, nil
	}
	return clause{filter: collection.Filter{AnyOf: any}, constScore: b}, nil
}

// ids parses {"ids": {"values": [...]}}.
func (p *queryParser) ids(body any) (clause, *Error) {
	o, e := params("ids", body, "values", "boost", "_name")
	if e != nil {
		return clause{}, e
	}
	ids, err := stringList(o["values"])
	if err != nil {
		return clause{}, parsingError("[ids] values: %v", err)
	}
	if len(ids) > p.lim.MaxFilterIDs {
		return clause{}, illegalArgument("[ids] has %d values; the limit is %d", len(ids), p.lim.MaxFilterIDs)
	}
	b, e := boost(o)
	return clause{filter: collection.Filter{IDs: ids}, constScore: b}, e
}

// constantScore parses {"constant_score": {"filter": q, "boost": b}}.
func (p *queryParser) constantScore(body any) (clause, *Error) {
	o, e := params("constant_score", body, "filter", "boost", "_name")
	if e != nil {
		return clause{}, e
	}
	f, e := p.filterOnly("constant_score", o["filter"])
	if e != nil {
		return clause{}, e
	}
	b, e := boost(o)
	return clause{filter: f, constScore: b}, e
}

// filterOnly parses a query in filter context: it may not rank.
func (p *queryParser) filterOnly(where string, v any) (collection.Filter, *Error) {
	if v == nil {
		return collection.Filter{}, parsingError("[%s] needs a query", where)
	}
	c, e := p.query(v)
	if e != nil {
		return collection.Filter{}, e
	}
	if c.score != nil {
		return collection.Filter{}, illegalArgument("[%s] in [%s]: Sparrow ranks by one neural_sparse or match clause, which cannot be used as a filter", c.score.kind, where)
	}
	return c.filter, nil
}

// clauses reads a bool occurrence: one query or an array of them.
func clauses(v any) []any {
	if list, ok := v.([]any); ok {
		return list
	}
	return []any{v}
}

// boolQuery parses a bool query. At most one neural_sparse or match clause
// may rank (in must, or alone in should); term, terms, ids and the like
// filter wherever they are; should clauses beside must or filter need
// minimum_should_match (they would only change scores in OpenSearch).
func (p *queryParser) boolQuery(body any) (clause, *Error) {
	o, e := params("bool", body, "must", "should", "filter", "must_not", "minimum_should_match", "boost", "_name", "adjust_pure_negative")
	if e != nil {
		return clause{}, e
	}
	b, e := boost(o)
	if e != nil {
		return clause{}, e
	}
	var out clause
	var all []collection.Filter
	setScore := func(s *scored) *Error {
		if out.score != nil {
			return illegalArgument("Sparrow ranks a query by one neural_sparse or match clause; this bool has more (use hybrid to combine them)")
		}
		out.score = s
		return nil
	}
	hasMust := false
	for _, q := range clauses(o["must"]) {
		if q == nil {
			continue
		}
		hasMust = true
		c, e := p.query(q)
		if e != nil {
			return clause{}, e
		}
		if c.score != nil {
			if e := setScore(c.score); e != nil {
				return clause{}, e
			}
		}
		all = append(all, c.filter)
	}
	for _, q := range clauses(o["filter"]) {
		if q == nil {
			continue
		}
		f, e := p.filterOnly("filter", q)
		if e != nil {
			return clause{}, e
		}
		all = append(all, f)
	}
	var not []collection.Filter
	for _, q := range clauses(o["must_not"]) {
		if q == nil {
			continue
		}
		f, e := p.filterOnly("must_not", q)
		if e != nil {
			return clause{}, e
		}
		not = append(not, f)
	}
	should, e := p.should(o, hasMust || o["filter"] != nil, setScore)
	if e != nil {
		return clause{}, e
	}
	if should != nil {
		all = append(all, *should)
	}
	out.filter = and(all...)
	if len(not) > 0 {
		out.filter.Not = append(out.filter.Not, not...)
	}
	if out.score != nil {
		out.score.boost *= b
	} else if hasMust || should != nil {
		out.constScore = b
	}
	return out, nil
}

// should parses a bool's should clauses: a lone ranking clause, or filters
// of which at least minimum_should_match (1) must hold.
func (p *queryParser) should(o map[string]any, required bool, setScore func(*scored) *Error) (*collection.Filter, *Error) {
	var list []any
	for _, q := range clauses(o["should"]) {
		if q != nil {
			list = append(list, q)
		}
	}
	if len(list) == 0 {
		return nil, nil
	}
	msm := 0
	if v, ok := o["minimum_should_match"]; ok {
		n, e := number(v, "minimum_should_match")
		if e != nil || n < 0 || n > 1 || n != math.Trunc(n) {
			return nil, illegalArgument("[minimum_should_match] must be 0 or 1 in Sparrow's OpenSearch dialect, got %v", v)
		}
		msm = int(n)
	}
	var any []collection.Filter
	for _, q := range list {
		c, e := p.query(q)
		if e != nil {
			return nil, e
		}
		if c.score != nil {
			if len(list) > 1 {
				return nil, illegalArgument("[should] mixes a %s clause with other clauses: Sparrow cannot OR a ranked query with filters", c.score.kind)
			}
			if e := setScore(c.score); e != nil {
				return nil, e
			}
			if c.filter.IDs == nil && len(c.filter.Fields) == 0 && len(c.filter.All)+len(c.filter.AnyOf)+len(c.filter.Not) == 0 {
				return nil, nil
			}
			return &c.filter, nil
		}
		any = append(any, c.filter)
	}
	if required && msm == 0 {
		return nil, illegalArgument("[should] filter clauses beside [must] or [filter] only change scores in OpenSearch, which Sparrow does not do; " +
			"set minimum_should_match to 1 to make them a filter")
	}
	return &collection.Filter{AnyOf: any}, nil
}

// and is the conjunction of filters (empty ones admit everything).
func and(fs ...collection.Filter) collection.Filter {
	var keep []collection.Filter
	for _, f := range fs {
		if f.IDs != nil || len(f.Fields) > 0 || len(f.All)+len(f.AnyOf)+len(f.Not) > 0 {
			keep = append(keep, f)
		}
	}
	switch len(keep) {
	case 0:
		return collection.Filter{}
	case 1:
		return keep[0]
	}
	return collection.Filter{All: keep}
}

// hybrid parses {"hybrid": {"queries": [...], "filter": q, "pagination_depth": n}}:
// one or two sub-queries, each ranking (neural_sparse or match, maybe in a
// bool with filters).
func (p *queryParser) hybrid(body any) (*hybridQuery, *Error) {
	o, e := params("hybrid", body, "queries", "filter", "pagination_depth", "boost", "_name")
	if e != nil {
		return nil, e
	}
	list, ok := o["queries"].([]any)
	if !ok || len(list) == 0 {
		return nil, parsingError("[hybrid] needs a non-empty [queries] array")
	}
	if len(list) > 2 {
		return nil, illegalArgument("[hybrid] has %d queries: Sparrow fuses at most two (say, one neural_sparse and one match)", len(list))
	}
	var filter collection.Filter
	if f, ok := o["filter"]; ok {
		if filter, e = p.filterOnly("hybrid.filter", f); e != nil {
			return nil, e
		}
	}
	h := &hybridQuery{}
	if d, ok := o["pagination_depth"]; ok {
		n, e := number(d, "pagination_depth")
		if e != nil || n < 1 || n > float64(p.lim.MaxK) || n != math.Trunc(n) {
			return nil, illegalArgument("[hybrid] pagination_depth must be an integer from 1 to %d", p.lim.MaxK)
		}
		h.depth = int(n)
	}
	for i, q := range list {
		c, e := p.query(q)
		if e != nil {
			return nil, e
		}
		if c.score == nil {
			return nil, illegalArgument("[hybrid] query %d does not rank: each sub-query needs a neural_sparse or match clause", i)
		}
		c.filter = and(c.filter, filter)
		h.subs = append(h.subs, c)
	}
	return h, nil
}
