package dataset

import (
	"fmt"
	"testing"
)

func TestHalf(t *testing.T) {
	t.Parallel()
	mk := func() *Dataset {
		d := &Dataset{Qrels: Qrels{}}
		for i := range 100 {
			id := fmt.Sprint(i)
			d.Queries = append(d.Queries, Query{ID: id})
			d.Qrels[id] = map[string]int{"x": 1}
		}
		return d
	}
	dev, rest := mk(), mk()
	if err := dev.Half(HalfDev); err != nil {
		t.Fatal(err)
	}
	if err := rest.Half(HalfRest); err != nil {
		t.Fatal(err)
	}
	if len(dev.Queries)+len(rest.Queries) != 100 || len(dev.Queries) < 30 || len(rest.Queries) < 30 {
		t.Fatalf("halves of 100 queries: %d + %d", len(dev.Queries), len(rest.Queries))
	}
	for _, q := range dev.Queries {
		if _, ok := rest.Qrels[q.ID]; ok {
			t.Fatalf("query %s is in both halves", q.ID)
		}
		if _, ok := dev.Qrels[q.ID]; !ok {
			t.Fatalf("query %s lost its qrels", q.ID)
		}
	}
	if err := mk().Half("test"); err == nil {
		t.Error("an unknown half is accepted")
	}
}
