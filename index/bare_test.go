package index

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestBare: Snapshot.Bare knows the documents without title and fields,
// after Apply, after a merge (which reads the records) and after a reopen
// (the id list stores it), so that a hit on them reads no record.
func TestBare(t *testing.T) {
	dir := t.TempDir()
	o := DefaultOptions()
	o.DisableAutoCompaction = true
	o.Segment.Scale = testScale
	o.MinBlobDocs = -1 // a blob even for tiny segments: the reopen decodes it
	ix, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	want := map[string]bool{}
	for batch := range 3 {
		b := &Batch{}
		for i := range 6 {
			d := randDoc(r, fmt.Sprintf("b%d-%d", batch, i), 4)
			switch i % 3 {
			case 0: // title (randDoc's)
			case 1:
				d.Title, d.Fields = "", map[string]string{"lang": "en"}
			case 2:
				d.Title, d.Fields = "", nil
			}
			want[d.ID] = i%3 == 2
			b.Upsert(d)
		}
		if err := ix.Apply(b); err != nil {
			t.Fatal(err)
		}
	}
	check := func(stage string) {
		t.Helper()
		s := ix.Snapshot()
		for id, bare := range want {
			v, doc, ok := s.Lookup(id)
			if !ok {
				t.Fatalf("%s: %s missing", stage, id)
			}
			if got := s.Bare(v, doc); got != bare {
				t.Fatalf("%s: Bare(%s) = %v, want %v", stage, id, got, bare)
			}
			d, err := s.Document(v, doc)
			if err != nil {
				t.Fatal(err)
			}
			if isBare := d.Title == "" && len(d.Fields) == 0; isBare != bare {
				t.Fatalf("%s: %s: record title %q fields %v, bare %v", stage, id, d.Title, d.Fields, bare)
			}
		}
	}
	check("after Apply")
	if err := ix.Compact(); err != nil {
		t.Fatal(err)
	}
	if n := len(ix.Snapshot().Views()); n != 1 {
		t.Fatalf("%d segments after Compact, want 1", n)
	}
	check("after Compact")
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if ix, err = Open(dir, o); err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	check("after reopen")
}
