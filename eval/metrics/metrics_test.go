package metrics

import (
	"fmt"
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestCutoffsAndGrades(t *testing.T) {
	judged := map[string]int{"rel": 1, "top": 3}
	var hits []Hit
	for i := 0; i < 10; i++ {
		hits = append(hits, Hit{ID: fmt.Sprintf("f%02d", i), Score: float64(100 - i)})
	}
	hits = append(hits, Hit{ID: "rel", Score: 50}) // rank 11
	m, ok := Query(hits, judged)
	if !ok {
		t.Fatal("not evaluated")
	}
	// Nothing relevant in the top 10; "rel" at rank 11; "top" never retrieved.
	for name, want := range map[string]float64{
		"ndcg@10": 0, "mrr@10": 0, "p@10": 0, "recall@10": 0,
		"recall@100": 0.5, "map@100": (1.0 / 11) / 2,
		"ndcg@100": (1 / math.Log2(12)) / (3 + 1/math.Log2(3)),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !near(m[name], want) {
				t.Errorf("%s = %v, want %v", name, m[name], want)
			}
		})
	}
}

func TestDuplicatesKeepBestRank(t *testing.T) {
	judged := map[string]int{"a": 1, "b": 1}
	// "a" appears twice; counting it twice would give recall 1.5 or P@10 0.3.
	hits := []Hit{{ID: "a", Score: 3}, {ID: "x", Score: 2}, {ID: "a", Score: 1}, {ID: "b", Score: 0.5}}
	m, _ := Query(hits, judged)
	if !near(m["recall@100"], 1) || !near(m["p@10"], 0.2) || !near(m["map@100"], (1+2.0/3)/2) {
		t.Errorf("metrics with duplicate: %v", m)
	}
}

func TestNormalizeHits(t *testing.T) {
	got := NormalizeHits([]Hit{{ID: "a", Score: 1}, {ID: "b", Score: 3}, {ID: "a", Score: 5}, {ID: "c", Score: 3}, {ID: "d", Score: 0}}, 3)
	want := []Hit{{ID: "a", Score: 5}, {ID: "c", Score: 3}, {ID: "b", Score: 3}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestNaNScoresSortLast(t *testing.T) {
	hits := []Hit{{ID: "n", Score: math.NaN()}, {ID: "a", Score: 1}, {ID: "b", Score: math.Inf(-1)}}
	SortTREC(hits)
	if hits[0].ID != "a" {
		t.Errorf("order %v", hits)
	}
}

func TestNegativeGradeIsNonRelevant(t *testing.T) {
	m, ok := Query([]Hit{{ID: "a", Score: 1}}, map[string]int{"a": -1, "b": 1})
	if !ok || m["ndcg@10"] != 0 || m["recall@100"] != 0 {
		t.Errorf("%v %v", m, ok)
	}
	if _, ok := Query(nil, map[string]int{"a": -1, "b": 0}); ok {
		t.Error("query without relevant docs evaluated")
	}
}
