package collection

import (
	"reflect"
	"testing"

	"github.com/valyala/fastjson"
)

func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{`{"_id":"a","title":"t","text":"x"}`, `{"id":5,"vector":{"a":1}}`, `{"_id":null}`, `[]`, `{`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, line []byte, vectors bool) {
		d, err := parseRecord(new(fastjson.Parser), line, vectors)
		if err == nil && (d.ID == "" || vectors && d.Tokens == nil) {
			t.Fatalf("accepted %q as %+v", line, d)
		}
	})
}

func TestParseRecordIDs(t *testing.T) {
	t.Parallel()
	for line, want := range map[string]string{
		`{"_id":"a","text":"x"}`:         "a",
		`{"_id":42,"text":"x"}`:          "42",
		`{"id":"b","text":"x"}`:          "b",
		`{"_id":null,"id":7,"text":"x"}`: "7",
	} {
		t.Run(line, func(t *testing.T) {
			d, err := parseRecord(new(fastjson.Parser), []byte(line), false)
			if err != nil || d.ID != want {
				t.Errorf("id %q, err %v; want %q", d.ID, err, want)
			}
		})
	}
	for _, line := range []string{`{"text":"x"}`, `{"_id":"","text":"x"}`, `{"_id":{"x":1}}`, `{"_id":true}`} {
		t.Run(line, func(t *testing.T) {
			if _, err := parseRecord(new(fastjson.Parser), []byte(line), false); err == nil {
				t.Error("accepted")
			}
		})
	}
}

// recordLines: plain lines the fast path must take, and lines it must
// leave to encoding/json (which may accept or refuse them).
var recordLines = []struct {
	line string
	fast bool
}{
	{`{"id":"d1","vector":{"a":1.5,"##b":2,"w:cat":0.25}}`, true},
	{`{"_id":"d2","title":"T","text":"a \"q\" b\n","vector":{}}`, true},
	{`{"_id":7,"vector":{"x":1e-3,"y":null},"extra":[1,{"z":2}]}`, true},
	{`{"ID":"d3","Vector":{"a":1}}`, true},
	{`{"_id":null,"id":"d4","vector":{"a":1}}`, true},
	{`{"_id":"d5","text":"caf\u00e9","vector":{"a":1}}`, false},
	{`{"_id":"d6","vector":{"a":1},"vector":{"b":2}}`, false},
	{`{"_id":"d7","vector":{"a":"1"}}`, false},
	{`{"_id":"d8","vector":{"a":1e400}}`, false},
	{`{"_id":"d9","\u0074ext":"x","vector":{"a":1}}`, false},
	{`{"_id":"","vector":{"a":1}}`, false},
	{`{"_id":true,"vector":{"a":1}}`, false},
	{`{"_id":"d10","vector":{"a":NaN}}`, false},
	{`{"_id":"d11","vector":{"a":01}}`, false},
	{`null`, false},
	{`{"_id":"d12","vector":{"a":1}} x`, false},
}

// TestParseRecordFast: the fast path takes the plain lines and gives the
// same documents as encoding/json; it leaves the rest to it.
func TestParseRecordFast(t *testing.T) {
	t.Parallel()
	var p fastjson.Parser
	for _, c := range recordLines {
		t.Run(c.line, func(t *testing.T) {
			d, ok := parseRecordFast(&p, []byte(c.line), true)
			if ok != c.fast {
				t.Fatalf("fast path took it: %v, want %v", ok, c.fast)
			}
			if !ok {
				return
			}
			want, err := parseRecordJSON([]byte(c.line), true)
			if err != nil || !reflect.DeepEqual(d, want) {
				t.Fatalf("fast %+v\nencoding/json %+v (%v)", d, want, err)
			}
		})
	}
}

// FuzzParseRecordFast: whatever the line, a document the fast path returns
// is the one encoding/json decodes, and it returns none that encoding/json
// refuses.
func FuzzParseRecordFast(f *testing.F) {
	for _, c := range recordLines {
		f.Add([]byte(c.line), true)
		f.Add([]byte(c.line), false)
	}
	var p fastjson.Parser
	f.Fuzz(func(t *testing.T, line []byte, vectors bool) {
		d, ok := parseRecordFast(&p, line, vectors)
		if !ok {
			return
		}
		want, err := parseRecordJSON(line, vectors)
		if err != nil || !reflect.DeepEqual(d, want) {
			t.Fatalf("%q: fast %+v, encoding/json %+v (%v)", line, d, want, err)
		}
	})
}
