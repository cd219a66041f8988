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

func TestConfigAssociations(t *testing.T) {
	base := `{"architecture":"bm25-tf","vocab_size":5,"associations":`
	for _, c := range []struct{ name, v, want string }{
		{"ok", `{"documents":3,"queries":2}`, ""},
		{"no documents", `{"documents":0,"queries":2}`, "documents 0 and queries 2 must be >= 1"},
		{"no queries", `{"documents":3}`, "must be >= 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(base+c.v+"}"), "config.json")
			if c.want == "" {
				if err != nil || cfg.Associations == nil || cfg.Associations.Documents != 3 {
					t.Fatalf("%+v %v", cfg.Associations, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{`{"architecture":"bm25-tf","vocab_size":5,"associations":{"documents":1,"queries":1}}`, `{"architecture":"bm25-tf","vocab_size":30522,"k1":0.9,"b":0.4,"avgdl":200}`, `{}`, `{"vocab_size":-1}`, `{"b":2}`, `nul`, `{"architecture":"a","vocab_size":1} x`} {
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
