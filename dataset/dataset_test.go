package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/internal/testenv"
)

func TestLoadMini(t *testing.T) {
	ds, err := Load("testdata/mini", "test")
	if err != nil {
		t.Fatal(err)
	}
	if ds.Name != "mini" {
		t.Errorf("Name = %q", ds.Name)
	}
	wantCorpus := []Doc{
		{ID: "d1", Title: "Cats", Text: "Cats purr."},
		{ID: "2", Text: "Dogs bark."},
		{ID: "d3", Title: "Only a title"},
	}
	if !reflect.DeepEqual(ds.Corpus, wantCorpus) {
		t.Errorf("Corpus = %+v", ds.Corpus)
	}
	// q3 has no judgments and is dropped; CRLF is stripped.
	wantQ := []Query{{ID: "q1", Text: "cats"}, {ID: "q2", Text: "dogs"}}
	if !reflect.DeepEqual(ds.Queries, wantQ) {
		t.Errorf("Queries = %+v", ds.Queries)
	}
	wantQrels := Qrels{"q1": {"d1": 2}, "q2": {"2": 1, "d3": 0}}
	if !reflect.DeepEqual(ds.Qrels, wantQrels) {
		t.Errorf("Qrels = %v", ds.Qrels)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load("testdata/mini", "dev"); err == nil || !strings.Contains(err.Error(), "dev.tsv") {
		t.Errorf("missing split: err = %v", err)
	}
	if _, err := Load("testdata/mini", "../x"); err == nil {
		t.Error("split with a slash accepted")
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "qrels"), 0o755)
	os.WriteFile(filepath.Join(dir, "corpus.jsonl"), []byte(`{"_id":"d","text":"x"}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "queries.jsonl"), []byte(`{"_id":"q1","text":"x"}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "qrels", "test.tsv"), []byte("q1\td\t1\nq9\td\t1\n"), 0o644)
	_, err := Load(dir, "test")
	if err == nil || !strings.Contains(err.Error(), `"q9"`) {
		t.Errorf("judged query missing from queries.jsonl: err = %v", err)
	}
}

func TestCorpusErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"_id":"a","text":"x"}` + "\n" + `{"_id":"b","text":` + "\n", "c.jsonl:2: invalid JSON"},
		{`{"_id":"a"}` + "\n\n" + `{"_id":"a"}`, `c.jsonl:3: duplicate document id "a" (first on line 1)`},
		{`{"_id":"  ","text":"x"}`, `c.jsonl:1: empty "_id"`},
		{`{"text":"x"}`, `c.jsonl:1: missing "_id"`},
		{`{"_id":null}`, `c.jsonl:1: missing "_id"`},
		{`{"_id":true}`, `c.jsonl:1: invalid JSON`},
		{`{"_id":"a","text":5}`, `c.jsonl:1: invalid JSON`},
		{`[1,2]`, `c.jsonl:1: invalid JSON`},
	}
	for _, c := range cases {
		err := readCorpus(strings.NewReader(c.in), "c.jsonl", func(Doc) error { return nil })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.in, err, c.want)
		}
	}
}

func TestCorpusCallbackErrorStops(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := readCorpus(strings.NewReader("{\"_id\":\"a\"}\n{\"_id\":\"b\"}\n"), "c", func(Doc) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err = %v after %d docs", err, n)
	}
}

func TestByteOrderMark(t *testing.T) {
	var got []Doc
	err := readCorpus(strings.NewReader("\xef\xbb\xbf{\"_id\":\"a\"}\n"), "c", func(d Doc) error { got = append(got, d); return nil })
	if err != nil || len(got) != 1 || got[0].ID != "a" {
		t.Errorf("corpus with BOM: %v %v", got, err)
	}
	q, err := readQrels(strings.NewReader("\xef\xbb\xbfquery-id\tcorpus-id\tscore\n1\ta\t1\n"), "q")
	if err != nil || q["1"]["a"] != 1 {
		t.Errorf("qrels with BOM: %v %v", q, err)
	}
}

func TestCorpusLongLine(t *testing.T) {
	long := strings.Repeat("abstract ", 400_000) // 3.6 MB, far past bufio.Scanner's 64 KiB
	in := `{"_id":"big","title":"t","text":"` + long + `"}` + "\n" + `{"_id":"small","text":"s"}`
	var docs []Doc
	err := readCorpus(strings.NewReader(in), "c", func(d Doc) error { docs = append(docs, d); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].Text != long || docs[1].ID != "small" {
		t.Fatalf("got %d docs", len(docs))
	}
}

func TestQueriesErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"_id":"q","text":"a"}` + "\n" + `{"_id":"q","text":"b"}`, `q.jsonl:2: duplicate query id "q" (first on line 1)`},
		{`{"_id":"q"}`, `q.jsonl:1: query "q" has no "text"`},
		{`{"_id":"","text":"a"}`, `q.jsonl:1: empty "_id"`},
		{`not json`, `q.jsonl:1: invalid JSON`},
	}
	for _, c := range cases {
		_, err := readQueries(strings.NewReader(c.in), "q.jsonl")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.in, err, c.want)
		}
	}
	qs, err := readQueries(strings.NewReader(`{"_id":7,"text":""}`), "q.jsonl")
	if err != nil || len(qs) != 1 || qs[0].ID != "7" {
		t.Errorf("numeric id / empty text: %v %v", qs, err)
	}
}

func TestQrelsFormats(t *testing.T) {
	want := Qrels{"1": {"a": 1, "b": 0}, "2": {"c": 2}}
	for name, in := range map[string]string{
		"beir header": "query-id\tcorpus-id\tscore\n1\ta\t1\n1\tb\t0\n2\tc\t2\n",
		"no header":   "1\ta\t1\n1\tb\t0\n2\tc\t2\n",
		"trec":        "1 0 a 1\n1 0 b 0\n2 Q0 c 2\n",
		"spaces, crlf, blank lines, identical duplicate": "query-id corpus-id score\r\n1 a 1\r\n\r\n1 b 0\n2 c 2\n2 c 2\n",
	} {
		got, err := readQrels(strings.NewReader(in), "q.tsv")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v", name, got)
		}
	}
	neg, err := readQrels(strings.NewReader("1\ta\t-1\n"), "q.tsv")
	if err != nil || neg["1"]["a"] != -1 {
		t.Errorf("negative grade: %v %v", neg, err)
	}
}

func TestQrelsErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"query-id\tcorpus-id\tscore\n1\ta\tx\n", `q.tsv:2: bad score "x"`},
		{"1\ta\t1.5\n", `q.tsv:1: bad score "1.5"`},
		{"1\ta\n", "q.tsv:1: want 3 columns"},
		{"1 a 1\n1 0 b 1\n", "q.tsv:2: 4 columns, earlier lines have 3"},
		{"1\ta\t1\n1\ta\t2\n", `q.tsv:2: conflicting judgment for query "1" doc "a": 1 vs 2`},
		{"query-id\tcorpus-id\tscore\n", "q.tsv: no judgments"},
		{"", "q.tsv: no judgments"},
		{"2\ta\t1\nquery-id\tcorpus-id\tscore\n", `q.tsv:2: bad score "score"`},
	}
	for _, c := range cases {
		_, err := readQrels(strings.NewReader(c.in), "q.tsv")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.in, err, c.want)
		}
	}
}

func TestOpenErrorsNamePath(t *testing.T) {
	if _, err := LoadCorpus("testdata/nope.jsonl"); err == nil || !strings.Contains(err.Error(), "nope.jsonl") {
		t.Errorf("err = %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.tsv")
	os.WriteFile(bad, []byte("1\ta\tx\n"), 0o644)
	if _, err := LoadQrels(bad); err == nil || !strings.HasPrefix(err.Error(), bad+":1: bad score") {
		t.Errorf("error does not start with path:line: %v", err)
	}
	if _, err := LoadQueries("testdata/nope.jsonl"); err == nil {
		t.Error("no error")
	}
	if _, err := LoadQrels("testdata/nope.tsv"); err == nil {
		t.Error("no error")
	}
}

func TestSharedBEIR(t *testing.T) {
	root := testenv.SharedData(t)
	want := map[string]struct{ docs, queries int }{
		"scifact": {5183, 300},
	}
	for name, w := range want {
		dir := filepath.Join(root, "beir", name)
		if _, err := os.Stat(dir); err != nil {
			t.Logf("skip %s: %v", name, err)
			continue
		}
		ds, err := Load(dir, "test")
		if err != nil {
			t.Fatal(err)
		}
		if len(ds.Corpus) != w.docs || len(ds.Queries) != w.queries {
			t.Errorf("%s: %d docs, %d queries; want %d, %d", name, len(ds.Corpus), len(ds.Queries), w.docs, w.queries)
		}
	}
	for _, name := range []string{"nfcorpus-pp", "cranfield", "cacm", "adi"} {
		dir := filepath.Join(root, "beir", name)
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		ds, err := Load(dir, "test")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(ds.Queries) == 0 || len(ds.Queries) != len(ds.Qrels) {
			t.Errorf("%s: %d queries for %d judged", name, len(ds.Queries), len(ds.Qrels))
		}
	}
}
