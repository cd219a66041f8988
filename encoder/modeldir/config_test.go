package modeldir

import (
	"strings"
	"testing"
)

func TestConfigRoundTripExtra(t *testing.T) {
	c, err := ParseConfig([]byte(`{"architecture":"x","vocab_size":5,"gate_floor":0.5,"custom":{"a":1}}`), "c")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Extra["custom"]; !ok || len(c.Extra) != 1 {
		t.Fatalf("extra %v: want only the unknown key", c.Extra)
	}
	b, err := c.MarshalJSON()
	if err != nil || !strings.Contains(string(b), `"custom":{"a":1}`) {
		t.Fatalf("%s %v", b, err)
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{`{"architecture":"bm25-tf","vocab_size":30522,"k1":0.9,"b":0.4,"avgdl":200}`, `{}`, `{"vocab_size":-1}`, `{"b":2}`, `nul`, `{"architecture":"a","vocab_size":1} x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data, "config.json")
		if err != nil {
			return
		}
		if c.Validate() != nil {
			t.Fatal("ParseConfig accepted an invalid config")
		}
		b, err := c.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseConfig(b, "again"); err != nil {
			t.Fatalf("round trip: %v", err)
		}
	})
}
