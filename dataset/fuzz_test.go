package dataset

import (
	"strings"
	"testing"
)

func FuzzReadCorpus(f *testing.F) {
	for _, s := range []string{
		`{"_id":"a","title":"t","text":"x"}` + "\n" + `{"_id":2,"text":"y","metadata":{}}`,
		`{"_id":"a"}` + "\r\n\r\n" + `{"_id":"a"}`,
		`{"_id":"","text":""}`, `{`, "", "\n\n", `{"_id":1e3}`, `{"_id":"\u00e9","text":"\ud800"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		seen := map[string]bool{}
		err := readCorpus(strings.NewReader(in), "c", func(d Doc) error {
			if strings.TrimSpace(d.ID) == "" || seen[d.ID] {
				t.Fatalf("bad id %q accepted", d.ID)
			}
			seen[d.ID] = true
			return nil
		})
		if err != nil && !strings.HasPrefix(err.Error(), "c:") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

func FuzzReadQueries(f *testing.F) {
	for _, s := range []string{
		`{"_id":"q","text":"a"}`, `{"_id":"q"}`, `{"_id":"q","text":"a"}` + "\n" + `{"_id":"q","text":"b"}`, `x`, "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		qs, err := readQueries(strings.NewReader(in), "q")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "q:") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, q := range qs {
			if strings.TrimSpace(q.ID) == "" || seen[q.ID] {
				t.Fatalf("bad id %q accepted", q.ID)
			}
			seen[q.ID] = true
		}
	})
}

func FuzzReadQrels(f *testing.F) {
	for _, s := range []string{
		"query-id\tcorpus-id\tscore\n1\ta\t1\n", "1 0 a 2\n", "1\ta\t1\n1\ta\t2\n", "a b c d e\n", "q\td\t-3\n", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		q, err := readQrels(strings.NewReader(in), "r")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "r:") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(q) == 0 {
			t.Fatal("empty qrels without error")
		}
		for qid, m := range q {
			if qid == "" || len(m) == 0 {
				t.Fatalf("bad entry %q: %v", qid, m)
			}
		}
	})
}
