package distill

import (
	"reflect"
	"strings"
	"testing"
)

func TestPseudoQueries(t *testing.T) {
	qs, qrels, err := PseudoQueries(tinyCorpus, PseudoOptions{Queries: 12, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 12 || len(qrels) != 12 {
		t.Fatalf("%d queries, %d qrels", len(qs), len(qrels))
	}
	kinds := map[string]int{}
	for _, q := range qs {
		if strings.TrimSpace(q.Text) == "" {
			t.Errorf("empty query %s", q.ID)
		}
		if len(qrels[q.ID]) != 1 {
			t.Errorf("query %s has qrels %v", q.ID, qrels[q.ID])
		}
		kinds[strings.Split(q.ID, "-")[1]]++
		for id := range qrels[q.ID] {
			if !strings.HasSuffix(q.ID, "-"+id) {
				t.Errorf("query %s judged on %s", q.ID, id)
			}
		}
	}
	if len(kinds) != 3 {
		t.Errorf("kinds %v, want all three", kinds)
	}
	again, _, _ := PseudoQueries(tinyCorpus, PseudoOptions{Queries: 12, Seed: 7})
	if !reflect.DeepEqual(again, qs) {
		t.Error("not deterministic for a seed")
	}
	other, _, _ := PseudoQueries(tinyCorpus, PseudoOptions{Queries: 12, Seed: 8})
	if reflect.DeepEqual(other, qs) {
		t.Error("seed has no effect")
	}
	only, _, err := PseudoQueries(tinyCorpus, PseudoOptions{Kinds: []string{PseudoTitle}})
	if err != nil || len(only) != len(tinyCorpus) {
		t.Fatalf("title queries: %d %v", len(only), err)
	}
	for _, q := range only {
		if !strings.Contains(q.ID, "-title-") {
			t.Errorf("title query %v", q)
		}
	}
	if _, _, err := PseudoQueries(tinyCorpus, PseudoOptions{Kinds: []string{"bogus"}}); err == nil {
		t.Error("bad kind accepted")
	}
	if _, _, err := PseudoQueries(nil, PseudoOptions{}); err == nil {
		t.Error("empty corpus accepted")
	}
}
