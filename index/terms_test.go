package index

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/sparse"
)

// wordVocab is the word vocabulary of the statistics tests: few words, so
// that documents share them and document frequencies are interesting.
var wordVocab = []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "rs10818488", "flow rate"}

func randWordDoc(r *rand.Rand, id string) Document {
	d := randDoc(r, id, 1+r.IntN(6))
	set := map[string]bool{}
	for range r.IntN(6) {
		set[wordVocab[r.IntN(len(wordVocab))]] = true
	}
	for w := range set {
		d.Words = append(d.Words, sparse.Term{Text: w, Weight: float32(0.1 + 2*r.Float64())})
	}
	slices.SortFunc(d.Words, func(a, b sparse.Term) int { return strings.Compare(a.Text, b.Text) })
	d.Length = uint32(r.IntN(200))
	return d
}

// wantStats computes the statistics of the live documents by brute force.
func wantStats(live map[string]Document) (n int, total int64, df map[string]int, pieceDF map[int32]int) {
	df, pieceDF = map[string]int{}, map[int32]int{}
	for _, d := range live {
		n++
		total += int64(d.Length)
		for _, w := range d.Words {
			df[w.Text]++
		}
		for _, id := range d.Vector.IDs {
			pieceDF[id]++
		}
	}
	return
}

func checkStats(t *testing.T, ix *Index, live map[string]Document, step string) {
	t.Helper()
	st, err := ix.Snapshot().TermStats()
	if err != nil {
		t.Fatalf("%s: TermStats: %v", step, err)
	}
	n, total, df, pieceDF := wantStats(live)
	if st.NumDocs() != n || st.TotalLength() != total {
		t.Fatalf("%s: NumDocs %d TotalLength %d, want %d and %d", step, st.NumDocs(), st.TotalLength(), n, total)
	}
	// the query path's batch lookup agrees with WordID, -1 for the absent
	batch := st.WordIDs(nil, append(slices.Clone(wordVocab), "never-indexed-word"))
	for i, w := range append(slices.Clone(wordVocab), "never-indexed-word") {
		id, ok := st.WordID(w)
		if !ok {
			id = -1
		}
		if batch[i] != id {
			t.Fatalf("%s: WordIDs[%d] (%q) = %d, WordID says %d", step, i, w, batch[i], id)
		}
	}
	for _, w := range wordVocab {
		id, ok := st.WordID(w)
		got := 0
		if ok {
			got = st.DocFreq(id)
			if txt, _ := st.WordText(id); txt != w {
				t.Fatalf("%s: WordText(WordID(%q)) = %q", step, w, txt)
			}
			if id < WordBase {
				t.Fatalf("%s: word %q has id %d below WordBase", step, w, id)
			}
		}
		if got != df[w] {
			t.Fatalf("%s: DocFreq(%q) = %d, want %d", step, w, got, df[w])
		}
	}
	for id, want := range pieceDF {
		if got := st.DocFreq(id); got != want {
			t.Fatalf("%s: DocFreq(token %d) = %d, want %d", step, id, got, want)
		}
	}
}

// TestTermStatsUnderWrites: the statistics equal a brute-force count of the
// live documents after every upsert, replacement, delete, compaction and
// reopen (small segments rebuilt from records, large ones from blobs).
func TestTermStatsUnderWrites(t *testing.T) {
	t.Parallel()
	for _, minBlob := range []int{1, 1 << 20} {
		t.Run(fmt.Sprintf("minBlob=%d", minBlob), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			opts := testOptions()
			opts.InMemory = false
			opts.SyncWrites = false
			opts.MinBlobDocs = minBlob
			ix, err := Open(dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { ix.Close() }()
			r := rand.New(rand.NewPCG(7, uint64(minBlob)))
			live := map[string]Document{}
			for step := range 40 {
				var docs []Document
				var dels []string
				for range 1 + r.IntN(8) {
					id := fmt.Sprintf("d%d", r.IntN(30))
					if r.IntN(4) == 0 {
						dels = append(dels, id)
						continue
					}
					docs = append(docs, randWordDoc(r, id))
				}
				apply(t, ix, docs, dels...)
				for _, d := range docs {
					live[d.ID] = d
				}
				for _, id := range dels { // apply queues deletes after upserts: they win
					delete(live, id)
				}
				checkStats(t, ix, live, fmt.Sprintf("step %d", step))
				switch step % 10 {
				case 6:
					if err := ix.Compact(); err != nil {
						t.Fatal(err)
					}
					checkStats(t, ix, live, fmt.Sprintf("step %d compacted", step))
				case 9:
					if err := ix.Close(); err != nil {
						t.Fatal(err)
					}
					if ix, err = Open(dir, opts); err != nil {
						t.Fatalf("reopen: %v", err)
					}
					checkStats(t, ix, live, fmt.Sprintf("step %d reopened", step))
				}
			}
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(dir, opts)
			if err != nil || !rep.OK() {
				t.Fatalf("Verify: %v, %+v", err, rep)
			}
			if ix, err = Open(dir, opts); err != nil {
				t.Fatal(err)
			}
			for id, want := range live {
				got, ok, err := ix.Get(id)
				if err != nil || !ok || !slices.Equal(got.Words, want.Words) || got.Length != want.Length {
					t.Fatalf("Get(%q) = %+v, %v, %v; want words %v length %d", id, got.Words, ok, err, want.Words, want.Length)
				}
			}
		})
	}
}

func TestWordsValidation(t *testing.T) {
	t.Parallel()
	ix := openMem(t)
	for name, words := range map[string][]sparse.Term{
		"empty text":    {{Text: "", Weight: 1}},
		"not ascending": {{Text: "b", Weight: 1}, {Text: "a", Weight: 1}},
		"duplicate":     {{Text: "a", Weight: 1}, {Text: "a", Weight: 2}},
		"negative":      {{Text: "a", Weight: -1}},
		"too long":      {{Text: string(make([]byte, MaxWordBytes+1)), Weight: 1}},
		"bad utf8":      {{Text: "\xff", Weight: 1}},
	} {
		t.Run(name, func(t *testing.T) {
			b := new(Batch)
			b.Upsert(Document{ID: "x", Vector: sparse.Vector{IDs: []int32{1}, Weights: []float32{1}}, Words: words})
			if err := ix.Apply(b); err == nil {
				t.Errorf("Apply accepted words %v", words)
			}
		})
	}
}

func TestWordsBlobCorruptionIsAnError(t *testing.T) {
	t.Parallel()
	blob := encodeWords([]uint32{3, 4}, []int32{WordBase, WordBase + 5}, []string{"a", "b c"})
	lens, ids, texts, err := decodeWords(blob, 2)
	if err != nil || !slices.Equal(lens, []uint32{3, 4}) || !slices.Equal(ids, []int32{WordBase, WordBase + 5}) || !slices.Equal(texts, []string{"a", "b c"}) {
		t.Fatalf("round trip: %v %v %q %v", lens, ids, texts, err)
	}
	if _, _, _, err := decodeWords(blob, 3); err == nil {
		t.Error("a blob for 2 documents decodes for 3")
	}
	for i := range blob {
		bad := slices.Clone(blob)
		bad[i] ^= 0x40
		if _, _, _, err := decodeWords(bad, 2); err == nil {
			t.Fatalf("flipping byte %d is not detected", i)
		}
	}
}

func TestTermDictRegisterConflicts(t *testing.T) {
	t.Parallel()
	d := newTermDict()
	if err := d.register(WordBase+2, "a"); err != nil {
		t.Fatal(err)
	}
	if err := d.register(WordBase+3, "a"); err == nil {
		t.Error("a text under two ids is accepted")
	}
	if err := d.register(WordBase+2, "b"); err == nil {
		t.Error("an id under two texts is accepted")
	}
	if id, err := d.assign("c"); err != nil || id != WordBase+3 {
		t.Errorf("assign after register = %d, %v; want the next id %d", id, err, WordBase+3)
	}
}

func FuzzDecodeWords(f *testing.F) {
	f.Add(encodeWords([]uint32{1}, []int32{WordBase}, []string{"x"}), uint32(1))
	f.Add([]byte{1, 0, 0}, uint32(0))
	f.Fuzz(func(t *testing.T, data []byte, n uint32) {
		lens, ids, texts, err := decodeWords(data, n%1000)
		if err == nil && (len(lens) != int(n%1000) || len(ids) != len(texts)) {
			t.Fatalf("inconsistent decode: %d lens, %d ids, %d texts", len(lens), len(ids), len(texts))
		}
	})
}

// TestLargeWordsBlobInMemory: a segment whose words blob spans several
// chunks (many distinct words) commits and reopens in memory too, where
// every value must stay below Badger's 1 MiB value threshold.
func TestLargeWordsBlobInMemory(t *testing.T) {
	t.Parallel()
	ix := openMem(t)
	var docs []Document
	for i := range 300 {
		d := Document{ID: fmt.Sprint("d", i), Vector: sparse.Vector{IDs: []int32{commonTerm}, Weights: []float32{1}}}
		for j := range 200 {
			d.Words = append(d.Words, sparse.Term{Text: fmt.Sprintf("word%06d-%s", i*200+j, strings.Repeat("x", 20)), Weight: 1})
		}
		docs = append(docs, d)
	}
	apply(t, ix, docs)
	st, err := ix.Snapshot().TermStats()
	if err != nil {
		t.Fatal(err)
	}
	id, ok := st.WordID(docs[299].Words[199].Text)
	if !ok || st.DocFreq(id) != 1 {
		t.Fatalf("last word: id %d ok %v df %d", id, ok, st.DocFreq(id))
	}
}
