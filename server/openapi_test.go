package server

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestOpenAPI validates openapi.json as OpenAPI 3 and checks that it
// documents exactly the routes the server registers.
func TestOpenAPI(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapiJSON)
	if err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not valid OpenAPI: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	srv := newTestServer(t, Options{}).srv

	registered := map[string]bool{}
	for _, r := range srv.routes {
		registered[r.method+" "+r.pattern] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+path] = true
			if len(op.Responses.Map()) == 0 {
				t.Errorf("%s %s documents no responses", method, path)
			}
		}
	}
	var missing, extra []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes not in openapi.json: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("openapi.json documents routes the server lacks: %v", extra)
	}
	// write routes declare security, read routes none
	for _, r := range srv.routes {
		op := doc.Paths.Find(r.pattern).GetOperation(r.method)
		if op == nil {
			continue
		}
		if hasSec := op.Security != nil && len(*op.Security) > 0; hasSec != r.write {
			t.Errorf("%s %s: security declared %v, route is a write: %v", r.method, r.pattern, hasSec, r.write)
		}
	}
	// the served document is the embedded one
	var v map[string]any
	if err := json.Unmarshal(openapiJSON, &v); err != nil {
		t.Fatal(err)
	}
	t.Logf("openapi.json: valid OpenAPI %s, %d routes documented = registered", doc.OpenAPI, len(registered))
}
