package opensearch

import (
	"testing"

	"github.com/sparrow-search/sparrow/server"
)

func limits() server.Limits {
	var o server.Options
	o.EnsureDefaults()
	return o.Limits
}

// FuzzParseBulk: any body parses into operations or one request error,
// never a panic; every operation names an index and an action.
func FuzzParseBulk(f *testing.F) {
	for _, s := range []string{
		"{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"title\":\"x\",\"sparse_embedding\":{\"a\":1}}\n",
		"{\"delete\":{\"_id\":\"1\"}}\n{\"create\":{}}\n{}\n",
		"{\"update\":{\"_id\":\"1\"}}\n{\"doc\":{}}\n{\"index\":{\"_id\":\"..\"}}\n{\"a\":[1]}\n",
		"{\"index\":{}}", "\n\n", "[]\n", "{\"index\":{\"_index\":5}}\n{}\n",
	} {
		f.Add([]byte(s))
	}
	lim := limits()
	f.Fuzz(func(t *testing.T, body []byte) {
		ops, e := parseBulk(body, "p", lim)
		if e != nil {
			if e.Status != 400 || len(ops) != 0 {
				t.Fatalf("request error %+v with %d ops", e, len(ops))
			}
			return
		}
		for _, o := range ops {
			if o.index == "" || o.action == "" || (o.err == nil && o.id == "") {
				t.Fatalf("op %+v", o)
			}
			if o.err == nil && o.action != "delete" && o.src != nil {
				toDocument(o.id, o.src, defaultMapping(), lim) // must not panic
			}
		}
	})
}

// FuzzParseQuery: any search body parses into a plan or a 4xx error.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		`{"query":{"bool":{"must":{"neural_sparse":{"v":{"query_text":"a b"}}},"filter":[{"term":{"n":1}},{"terms":{"c":["x",2]}}],"must_not":{"ids":{"values":["1"]}}}}}`,
		`{"query":{"hybrid":{"queries":[{"match":{"text":"a"}},{"neural_sparse":{"v":{"query_tokens":{"a":1.5}}}}],"pagination_depth":50}}}`,
		`{"query":{"constant_score":{"filter":{"match_none":{}}}},"size":0,"_source":{"includes":["a*"]}}`,
		`{"query":{"bool":{"should":[{"term":{"d":"2020-01-01"}},{"term":{"c.keyword":"x"}}],"minimum_should_match":1}}}`,
		`{"query":{"match":{"title":{"query":"q","operator":"and"}}},"sort":["_score"]}`,
		`{"search_pipeline":{"phase_results_processors":[{"normalization-processor":{"normalization":{"technique":"z_score"}}}]}}`,
	} {
		f.Add([]byte(s))
	}
	m := &Mapping{Vector: "v", Title: "title", Text: "text", Fields: map[string]string{"n": "integer", "c": "keyword", "d": "date"}}
	lim := limits()
	f.Fuzz(func(t *testing.T, body []byte) {
		if checkBodyShape(body, lim) != nil {
			return
		}
		top, err := decodeObject(body)
		if err != nil {
			return
		}
		p := queryParser{m: m, lim: lim}
		if q, ok := top["query"]; ok {
			if _, e := p.parsePlan(q); e != nil && (e.Status < 400 || e.Status >= 500) {
				t.Fatalf("query error status %d", e.Status)
			}
		}
		if v, ok := top["search_pipeline"]; ok {
			if pl, e := parsePipeline(v); e == nil {
				pl.weights(2)
			}
		}
		if v, ok := top["_source"]; ok {
			if sf, e := parseSourceParam(v); e == nil {
				sf.apply(map[string]any{"a": map[string]any{"b": 1}, "c": "x"})
			}
		}
	})
}

// FuzzIndexBody: any create-index body gives a mapping or an error, and a
// mapping always has its vector field and renders back to properties.
func FuzzIndexBody(f *testing.F) {
	for _, s := range []string{
		`{"settings":{"index":{"search.default_pipeline":"p"}},"mappings":{"dynamic":"strict","_source":{"excludes":["v"]},"properties":{"t":{"type":"text"},"v":{"type":"rank_features"},"o":{"properties":{"y":{"type":"long"}}}}}}`,
		`{"mappings":{"properties":{"a.b":{"type":"keyword"},"a":{"type":"text"}}}}`, `{}`, ``, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if checkBodyShape(body, limits()) != nil {
			return
		}
		m, err := parseIndexBody(body)
		if err != nil {
			return
		}
		if m.Vector == "" {
			t.Fatal("mapping without a vector field")
		}
		m.mappings()
	})
}
