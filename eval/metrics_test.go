package eval

import (
	"bytes"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func loadFixture(t *testing.T) (Run, dataset.Qrels) {
	t.Helper()
	qrels, err := dataset.LoadQrels("testdata/qrels.tsv")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/run.trec")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	run, err := ReadTRECRun(f)
	if err != nil {
		t.Fatal(err)
	}
	return run, qrels
}

// The fixture, worked by hand (trec_eval semantics):
//
//	q1: d3 3.0, then d1 and d2 tie at 2.0 -> doc id DESCENDING puts d2 first
//	    (the file's rank column, which says d1 first, is ignored), then dX
//	    (unjudged = non-relevant). Grades by rank: [0, 1, 2, 0].
//	    DCG@10 = 1/log2(3) + 2/log2(4) = 1.63093; ideal [2, 1]:
//	    IDCG = 2/log2(2) + 1/log2(3) = 2.63093; nDCG = 0.619906.
//	    recall = 2/2; P@10 = 0.2; first relevant at rank 2 -> RR 0.5;
//	    AP = (1/2 + 2/3) / 2 = 0.583333.
//	q2: d8, d9 tie at 5 -> d9 (relevant) first: every measure 1, P@10 0.1.
//	q3: judged but nothing relevant -> skipped (trec_eval: undefined).
//	q4: relevant d7 but absent from the run -> all zeros (trec_eval -c).
//	q5: in the run but not judged -> ignored.
var fixtureWant = map[string]map[string]float64{
	"q1": {"ndcg@10": 1.6309297535714575 / 2.6309297535714578, "recall@100": 1, "mrr@10": 0.5, "map@100": (0.5 + 2.0/3) / 2, "p@10": 0.2},
	"q2": {"ndcg@10": 1, "recall@100": 1, "mrr@10": 1, "map@100": 1, "p@10": 0.1},
	"q4": {"ndcg@10": 0, "recall@100": 0, "mrr@10": 0, "map@100": 0, "p@10": 0},
}

func TestEvaluateFixture(t *testing.T) {
	run, qrels := loadFixture(t)
	rep := Evaluate(run, qrels)
	if rep.Queries != 3 || rep.SkippedQueries != 1 || rep.MissingQueries != 1 {
		t.Fatalf("queries %d skipped %d missing %d; want 3 1 1", rep.Queries, rep.SkippedQueries, rep.MissingQueries)
	}
	for qid, want := range fixtureWant {
		for m, w := range want {
			if got := rep.PerQuery[qid][m]; !near(got, w) {
				t.Errorf("%s %s = %.6f, want %.6f", qid, m, got, w)
			}
		}
	}
	for m := range fixtureWant["q1"] {
		w := (fixtureWant["q1"][m] + fixtureWant["q2"][m] + fixtureWant["q4"][m]) / 3
		if got := rep.Metrics[m]; !near(got, w) {
			t.Errorf("mean %s = %.6f, want %.6f", m, got, w)
		}
	}
	if _, ok := rep.PerQuery["q3"]; ok {
		t.Error("q3 (no relevant docs) was evaluated")
	}
	if _, ok := rep.PerQuery["q5"]; ok {
		t.Error("q5 (unjudged query) was evaluated")
	}
}

func TestEvaluateIgnoresInputOrder(t *testing.T) {
	run, qrels := loadFixture(t)
	a := Evaluate(run, qrels)
	for q := range run {
		h := run[q]
		for i, j := 0, len(h)-1; i < j; i, j = i+1, j-1 {
			h[i], h[j] = h[j], h[i]
		}
	}
	b := Evaluate(run, qrels)
	for m, v := range a.Metrics {
		if b.Metrics[m] != v {
			t.Errorf("%s changed with input order: %v vs %v", m, v, b.Metrics[m])
		}
	}
}

func TestTRECRoundTrip(t *testing.T) {
	run := Run{
		"10": {{ID: "d1", Score: 0.30000000000000004}, {ID: "d2", Score: 1e-30}, {ID: "d0", Score: 0.30000000000000004}},
		"9":  {{ID: "x", Score: -2}},
	}
	var buf bytes.Buffer
	if err := WriteTRECRun(&buf, run, "tag"); err != nil {
		t.Fatal(err)
	}
	want := "9 Q0 x 1 -2 tag\n10 Q0 d1 1 0.30000000000000004 tag\n10 Q0 d0 2 0.30000000000000004 tag\n10 Q0 d2 3 1e-30 tag\n"
	if buf.String() != want {
		t.Errorf("got\n%swant\n%s", buf.String(), want)
	}
	back, err := ReadTRECRun(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(back["10"]) != 3 || back["10"][0] != (Hit{ID: "d1", Score: 0.30000000000000004}) || back["10"][2].Score != 1e-30 {
		t.Errorf("round trip: %v", back)
	}
}

func TestTRECErrors(t *testing.T) {
	for in, want := range map[string]string{
		"q Q0 d 1 1.0\n":                   "run:1: want 6 columns",
		"q Q0 d 1 x t\n":                   `run:1: bad score "x"`,
		"q Q0 d 1 1 t\n\nq Q0 d 2 0.5 t\n": `run:3: duplicate doc "d" for query "q" (first on line 1)`,
	} {
		if _, err := ReadTRECRun(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
	var buf bytes.Buffer
	if err := WriteTRECRun(&buf, Run{"q": {{ID: "a b", Score: 1}}}, ""); err == nil {
		t.Error("doc id with a space written")
	}
	// Any space strings.Fields splits at would break the re-read.
	for _, id := range []string{"a\u00a0b", "a\vb", "a\u2003b"} {
		if err := WriteTRECRun(&buf, Run{"q": {{ID: id, Score: 1}}}, ""); err == nil {
			t.Errorf("doc id %q written", id)
		}
	}
	if err := WriteTRECRun(&buf, Run{"q": {{ID: "a", Score: 1}, {ID: "a", Score: 2}}}, ""); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate doc written: %v", err)
	}
	if err := WriteTRECRun(&buf, Run{"q": {{ID: "a", Score: 1}}}, "t t"); err == nil {
		t.Error("tag with a space accepted")
	}
}

func FuzzReadTRECRun(f *testing.F) {
	f.Add("q Q0 d 1 1.5 t\nq Q0 e 2 1 t\n")
	f.Add("q Q0 d 1 NaN t\n")
	f.Add("a b c\n")
	f.Fuzz(func(t *testing.T, in string) {
		run, err := ReadTRECRun(strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "run:") {
				t.Fatalf("error without line: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteTRECRun(&buf, run, "t"); err != nil {
			t.Fatalf("re-write: %v", err)
		}
		back, err := ReadTRECRun(&buf)
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		for q, h := range run {
			if len(back[q]) != len(h) {
				t.Fatalf("query %s: %d hits became %d", q, len(h), len(back[q]))
			}
		}
	})
}
