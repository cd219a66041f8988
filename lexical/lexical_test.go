package lexical

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
)

var docs = []dataset.Doc{
	{ID: "cats", Title: "Cats", Text: "Cats purr and cats sleep."},
	{ID: "dogs", Title: "Dogs", Text: "Dogs bark at the mailman."},
	{ID: "birds", Title: "", Text: "Birds sing; some birds migrate south."},
	{ID: "fish", Title: "Fish", Text: "Fish swim."},
	{ID: "twin-a", Text: "identical twin text"},
	{ID: "twin-b", Text: "identical twin text"},
}

func ids(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func mustBuild(t *testing.T, path string, o Options) *Index {
	t.Helper()
	ix, err := Build(docs, path, o)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestSearchBasics(t *testing.T) {
	ix := mustBuild(t, "", Options{})
	defer ix.Close()
	if ix.Options().Analyzer != "en" || ix.Options().Fields != FieldsJoined {
		t.Errorf("defaults: %+v", ix.Options())
	}
	if n, _ := ix.DocCount(); n != uint64(len(docs)) {
		t.Errorf("DocCount = %d", n)
	}
	hits, err := ix.Search("barking dog", 10) // stemming: barking->bark, dog matches Dogs
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].ID != "dogs" || hits[0].Score <= 0 {
		t.Errorf("hits = %+v", hits)
	}
	hits, _ = ix.Search("cats birds", 10)
	if got := ids(hits); !reflect.DeepEqual(got, []string{"cats", "birds"}) && !reflect.DeepEqual(got, []string{"birds", "cats"}) {
		t.Errorf("disjunction: %v", got)
	}
	// Equal scores: doc id descending, as trec_eval orders ties.
	hits, _ = ix.Search("identical twin", 10)
	if got := ids(hits); !reflect.DeepEqual(got, []string{"twin-b", "twin-a"}) || hits[0].Score != hits[1].Score {
		t.Errorf("ties: %+v", hits)
	}
	if hits, _ := ix.Search("identical twin", 1); len(hits) != 1 {
		t.Errorf("k=1 gave %d hits", len(hits))
	}
	for _, q := range []string{"", "   ", "the and of", "!!!"} {
		hits, err := ix.Search(q, 10)
		if err != nil || len(hits) != 0 {
			t.Errorf("%q: %v %v", q, hits, err)
		}
	}
	if hits, err := ix.Search("cats", 0); err != nil || hits != nil {
		t.Errorf("k=0: %v %v", hits, err)
	}
}

func TestQuerySyntaxIsNotParsed(t *testing.T) {
	ix := mustBuild(t, "", Options{})
	defer ix.Close()
	for _, q := range []string{
		`cats AND (dogs OR "fish`, `title:cats`, `+cats -dogs`, `cats^2 fish~3`, `c*ts`, `/regex[/`,
		`\`, `"`, `{[(`, `cats && || ! ^ ~ * ? : \ /`, "cats\x00\xff", `_id:cats`,
	} {
		hits, err := ix.Search(q, 5)
		if err != nil {
			t.Errorf("%q: %v", q, err)
			continue
		}
		found := false
		for _, h := range hits {
			found = found || h.ID == "cats"
		}
		// "title:cats" and "_id:cats" are single words under Unicode word
		// segmentation (UAX #29: ':' is MidLetter), so they match nothing.
		if strings.Contains(q, "cats") && !strings.Contains(q, ":cats") && !found {
			t.Errorf("%q: hits %v", q, ids(hits))
		}
	}
}

func TestRepeatedQueryTermsCount(t *testing.T) {
	ix := mustBuild(t, "", Options{})
	defer ix.Close()
	terms, counts := ix.Terms("Cats, cats and DOGS!")
	if !reflect.DeepEqual(terms, []string{"cat", "dog"}) || !reflect.DeepEqual(counts, []int{2, 1}) {
		t.Errorf("Terms = %v %v", terms, counts)
	}
	// "fish fish cats": fish counts double, which must lift fish above cats
	// relative to the single-term query "fish cats".
	once, _ := ix.Search("fish cats", 10)
	twice, _ := ix.Search("fish fish cats", 10)
	ratio := func(h []Hit) float64 {
		var f, c float64
		for _, x := range h {
			switch x.ID {
			case "fish":
				f = x.Score
			case "cats":
				c = x.Score
			}
		}
		return f / c
	}
	if !(ratio(twice) > ratio(once)) {
		t.Errorf("repeated term did not raise its weight: %v vs %v", ratio(twice), ratio(once))
	}
}

func TestAnalyzers(t *testing.T) {
	std := mustBuild(t, "", Options{Analyzer: "standard"})
	defer std.Close()
	if hits, _ := std.Search("barking", 10); len(hits) != 0 {
		t.Errorf("standard analyzer stemmed: %v", ids(hits))
	}
	if hits, _ := std.Search("bark", 10); len(hits) != 1 {
		t.Errorf("standard: %v", ids(hits))
	}
	sep := mustBuild(t, "", Options{Fields: FieldsSeparate})
	defer sep.Close()
	hits, err := sep.Search("fish", 10)
	if err != nil || len(hits) != 1 || hits[0].ID != "fish" {
		t.Errorf("separate fields: %v %v", ids(hits), err)
	}
	for _, o := range []Options{{Analyzer: "klingon"}, {Fields: "both"}} {
		if _, err := Build(docs, "", o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, err := Build([]dataset.Doc{{ID: ""}}, "", Options{}); err == nil {
		t.Error("empty id accepted")
	}
}

func TestAddDelete(t *testing.T) {
	ix := mustBuild(t, "", Options{})
	defer ix.Close()
	if err := ix.Add([]dataset.Doc{{ID: "fish", Text: "Salmon leap upstream."}, {ID: "new", Text: "fish market"}}); err != nil {
		t.Fatal(err)
	}
	if hits, _ := ix.Search("salmon", 10); !reflect.DeepEqual(ids(hits), []string{"fish"}) {
		t.Errorf("upsert: %v", ids(hits))
	}
	if hits, _ := ix.Search("fish", 10); !reflect.DeepEqual(ids(hits), []string{"new"}) {
		t.Errorf("replaced text still indexed: %v", ids(hits))
	}
	if err := ix.Delete([]string{"new", "never-existed"}); err != nil {
		t.Fatal(err)
	}
	if hits, _ := ix.Search("fish market", 10); len(hits) != 0 {
		t.Errorf("deleted doc found: %v", ids(hits))
	}
	if n, _ := ix.DocCount(); n != uint64(len(docs)) {
		t.Errorf("DocCount = %d", n)
	}
}

// TestAddEachStreams: documents streamed through AddEach (batches smaller than
// the stream) index and score exactly as Build's; a stream's error comes back.
func TestAddEachStreams(t *testing.T) {
	want := mustBuild(t, "", Options{})
	defer want.Close()
	ix, err := Build(nil, "", Options{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	err = ix.AddEach(0, func(add func(dataset.Doc) error) error {
		for _, d := range docs {
			if err := add(d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"cats", "birds migrate", "twin text", "fish swim"} {
		a, _ := want.Search(q, 10)
		b, _ := ix.Search(q, 10)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%q: streamed %v, built %v", q, b, a)
		}
	}
	boom := errors.New("source failed")
	if err := ix.AddEach(1, func(add func(dataset.Doc) error) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("stream error: got %v", err)
	}
	err = ix.AddEach(1, func(add func(dataset.Doc) error) error { return add(dataset.Doc{Text: "no id"}) })
	if err == nil || !strings.Contains(err.Error(), "empty id") {
		t.Fatalf("empty id: got %v", err)
	}
}

func TestOnDiskAndProgress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bm25")
	var progress bytes.Buffer
	ix := mustBuild(t, path, Options{Analyzer: "standard", Fields: FieldsSeparate, BatchSize: 2, Progress: &progress})
	want, err := ix.Search("cats sing", 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "indexing") || !strings.Contains(progress.String(), "done, 6 docs") {
		t.Errorf("progress output: %q", progress.String())
	}
	if _, err := Build(docs, path, Options{}); err == nil {
		t.Error("Build over an existing index succeeded")
	}
	// A failed build leaves nothing behind: the same path can be built again.
	failed := filepath.Join(t.TempDir(), "failed")
	if _, err := Build([]dataset.Doc{{ID: ""}}, failed, Options{}); err == nil {
		t.Error("empty id accepted")
	}
	if _, err := os.Stat(failed); !os.IsNotExist(err) {
		t.Errorf("failed build left %s behind (%v)", failed, err)
	}
	re, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	if o := re.Options(); o.Analyzer != "standard" || o.Fields != FieldsSeparate {
		t.Errorf("reopened options: %+v", o)
	}
	got, err := re.Search("cats sing", 10)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("after reopen: %+v, want %+v (%v)", got, want, err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Open of a missing dir succeeded")
	}
	notIndex := t.TempDir()
	os.WriteFile(filepath.Join(notIndex, "index_meta.json"), []byte("{"), 0o644)
	if _, err := Open(notIndex); err == nil {
		t.Error("Open of garbage succeeded")
	}
}

func FuzzSearch(f *testing.F) {
	ix, err := Build(docs, "", Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { ix.Close() })
	for _, s := range []string{"cats", `"un(closed`, "a:b", "", "\xff\xfe", "cats cats cats dogs^3", "*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		hits, err := ix.Search(q, 3)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if len(hits) > 3 {
			t.Fatalf("%d hits for k=3", len(hits))
		}
		for i := 1; i < len(hits); i++ {
			if hits[i].Score > hits[i-1].Score {
				t.Fatalf("not sorted: %+v", hits)
			}
		}
	})
}

func TestConcurrentSearchAndAdd(t *testing.T) {
	ix := mustBuild(t, "", Options{BatchSize: 3})
	defer ix.Close()
	done := make(chan error)
	for w := 0; w < 2; w++ {
		go func() {
			for i := 0; i < 50; i++ {
				hits, err := ix.Search("cats dogs salmon", 5)
				if err != nil {
					done <- err
					return
				}
				if len(hits) == 0 {
					done <- errors.New("no hits")
					return
				}
			}
			done <- nil
		}()
	}
	for i := 0; i < 20; i++ {
		if err := ix.Add([]dataset.Doc{{ID: fmt.Sprintf("s%d", i), Text: "salmon"}}); err != nil {
			t.Fatal(err)
		}
	}
	for w := 0; w < 2; w++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := ix.DocCount(); n != uint64(len(docs)+20) {
		t.Errorf("DocCount = %d", n)
	}
}
