package server

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckShape(t *testing.T) {
	t.Parallel()
	lim := shapeLimits{depth: 3, members: 3, top: 2, what: "documents"}
	for _, c := range []struct {
		name, body, what string
	}{
		{"flat object", `{"a":1,"b":[1,2,3],"c":"x"}`, ""},
		{"strings with brackets", `{"a":"[[[[,,,,]]]]","b":"\"{"}`, ""},
		{"three members", `{"a":[1,2,3]}`, ""},
		{"four members", `{"a":[1,2,3,4]}`, "members"},
		{"four keys", `{"a":1,"b":2,"c":3,"d":4}`, "members"},
		{"empty containers", `{"a":[],"b":{}}`, ""},
		{"top array of two", `[{"a":1},{"b":2}]`, ""},
		{"top array of three", `[{},{},{}]`, "top"},
		{"depth 3", `{"a":{"b":[1]}}`, ""},
		{"depth 4", `{"a":{"b":[[1]]}}`, "depth"},
		{"ndjson objects", "{\"a\":1,\"b\":2,\"c\":3}\n{\"a\":1}\n{\"x\":1}", ""},
		{"surrogate pair", `{"a":"\ud83d\ude00"}`, ""},
		{"lone high surrogate", `{"a":"\ud800"}`, "surrogate"},
		{"lone low surrogate", `{"a":"x\udc00y"}`, "surrogate"},
		{"high then not low", `{"a":"\ud800\u0041"}`, "surrogate"},
		{"escaped backslash before u", `{"a":"\\ud800"}`, ""},
		{"truncated", `{"a":[1,2`, ""},
		{"deep garbage", strings.Repeat("[", 100), "depth"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := checkShape([]byte(c.body), lim)
			var se *shapeError
			switch {
			case c.what == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.what != "" && (!errors.As(err, &se) || se.what != c.what):
				t.Fatalf("error %v, want %s", err, c.what)
			}
		})
	}
}

// checkShape allocates nothing, whatever the body.
func TestCheckShapeAllocs(t *testing.T) {
	body := []byte(`[` + strings.Repeat(`"",`, 100000) + `""]`)
	if n := testing.AllocsPerRun(10, func() { checkShape(body, shapeLimits{depth: 4, members: 1 << 30}) }); n > 1 {
		t.Errorf("%v allocations", n)
	}
}

func FuzzCheckShape(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":"\ud800"}]}`, `[[[[`, `"\\u`, `{"a":"\u`, `]]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkShape(body, shapeLimits{depth: 4, members: 3})
	})
}
