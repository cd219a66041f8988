package collection

import "testing"

func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{`{"_id":"a","title":"t","text":"x"}`, `{"id":5,"vector":{"a":1}}`, `{"_id":null}`, `[]`, `{`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, line []byte, vectors bool) {
		d, err := parseRecord(line, vectors)
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
			d, err := parseRecord([]byte(line), false)
			if err != nil || d.ID != want {
				t.Errorf("id %q, err %v; want %q", d.ID, err, want)
			}
		})
	}
	for _, line := range []string{`{"text":"x"}`, `{"_id":"","text":"x"}`, `{"_id":{"x":1}}`, `{"_id":true}`} {
		t.Run(line, func(t *testing.T) {
			if _, err := parseRecord([]byte(line), false); err == nil {
				t.Error("accepted")
			}
		})
	}
}
