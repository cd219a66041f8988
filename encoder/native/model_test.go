package native

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// testNative builds a small random native model over the real vocabulary.
func testNative(t *testing.T, d, h, expansion int, seed uint64) *Model {
	t.Helper()
	tok := wordpiece.DefaultTokenizer()
	V := tok.VocabSize()
	r := rand.New(rand.NewPCG(seed, 1))
	p := NewParams(V, d, h)
	for _, ts := range p.Tensors() {
		for i := range ts.Data {
			ts.Data[i] = float32(r.NormFloat64() * 0.5)
		}
	}
	idf := make([]float32, V)
	for i := range idf {
		idf[i] = float32(0.5 + 3*r.Float64())
	}
	for _, c := range []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"} {
		id, _ := tok.ID(c)
		idf[id] = 0
	}
	cfg := modeldir.Config{Architecture: modeldir.ArchNative, VocabSize: V, MaxLength: 64, K1: 0.9, B: 0.4, AvgDL: 10, Dim: d, Hidden: h, Expansion: expansion}
	n, err := New(cfg, tok, p, idf)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var gradDocs = []string{
	"Protein folding in the cell membrane; the membrane proteins fold.",
	"Vitamin D deficiency and bone density in older adults",
}

// lossOf is sum_j c[id_j] * w_j over all output entries (c fixed per token).
func lossOf(n *Model, docs []Doc, c func(int32) float64) float64 {
	var l float64
	for i := range docs {
		v := n.Forward(&docs[i], &Tape{})
		for j, id := range v.IDs {
			l += c(id) * float64(v.Weights[j])
		}
	}
	return l
}

func TestNativeGradientFiniteDifference(t *testing.T) {
	n := testNative(t, 6, 5, 4, 7)
	docs := []Doc{n.PrepareDoc(gradDocs[0]), n.PrepareDoc(gradDocs[1])}
	c := func(id int32) float64 { return math.Sin(float64(id)*0.37) + 0.3 }
	g := NewParams(n.P.V, n.P.D, n.P.H)
	nexp := 0
	for i := range docs {
		var tape Tape
		v := n.Forward(&docs[i], &tape)
		nexp += len(tape.expIDs)
		dW := make([]float32, len(v.IDs))
		for j, id := range v.IDs {
			dW[j] = float32(c(id))
		}
		n.Backward(&docs[i], &tape, dW, g)
	}
	if nexp == 0 {
		t.Fatal("no expansion terms: the expansion path is untested")
	}
	// coordinates to check: every small tensor fully, embedding/bias rows of the docs' tokens and expansions
	rows := map[int32]bool{}
	for i := range docs {
		v := n.Forward(&docs[i], nil)
		for _, id := range v.IDs {
			rows[id] = true
		}
	}
	checked, bad := 0, 0
	pt, gt := n.P.Tensors(), g.Tensors()
	for ti, ts := range pt {
		var idx []int
		switch ts.Name {
		case "emb":
			for id := range rows {
				for k := 0; k < n.P.D; k++ {
					idx = append(idx, int(id)*n.P.D+k)
				}
			}
		case "gate.bias", "exp.bias":
			for id := range rows {
				idx = append(idx, int(id))
			}
		default:
			for i := range ts.Data {
				idx = append(idx, i)
			}
		}
		for _, i := range idx {
			const eps = 1e-3
			old := ts.Data[i]
			ts.Data[i] = old + eps
			lp := lossOf(n, docs, c)
			ts.Data[i] = old - eps
			lm := lossOf(n, docs, c)
			ts.Data[i] = old
			num := (lp - lm) / (2 * eps)
			ana := float64(gt[ti].Data[i])
			checked++
			if math.Abs(num-ana) > 2e-2*math.Max(1, math.Abs(num)) {
				bad++
				if bad < 10 {
					t.Errorf("%s[%d]: analytic %.5f numeric %.5f", ts.Name, i, ana, num)
				}
			}
		}
	}
	// a few kinks (ReLU/top-M boundaries) may be crossed by the perturbation
	if bad > checked/200 {
		t.Fatalf("%d of %d gradient coordinates disagree", bad, checked)
	}
	if checked < 150 {
		t.Fatalf("only %d coordinates checked", checked)
	}
}

func TestNativeSaveLoadAndBM25Init(t *testing.T) {
	n := testNative(t, 6, 5, 3, 3)
	// zero gate => bm25-tf weights on the document's own tokens
	z := n.P.Clone()
	clear(z.U)
	clear(z.Bias)
	clear(z.Phi)
	for i := range z.XBias {
		z.XBias[i] = -1e3
	}
	// ... also with conflation and a stop list, which change the document's
	// terms the same way in both encoders
	for _, an := range []struct{ conflate, stop string }{{wordpiece.ConflateNone, wordpiece.StopwordsNone}, {wordpiece.ConflatePorter, wordpiece.StopwordsSnowball}} {
		cfg := n.cfg
		cfg.Conflate, cfg.Stopwords = an.conflate, an.stop
		nz, err := New(cfg, n.tok, z, n.idf)
		if err != nil {
			t.Fatal(err)
		}
		bm, err := NewBM25TF(n.tok, cfg)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := nz.Encode(gradDocs)
		b, _ := bm.Encode(gradDocs)
		for i := range a {
			if len(a[i].IDs) != len(b[i].IDs) {
				t.Fatalf("%v doc %d: %d vs %d entries", an, i, len(a[i].IDs), len(b[i].IDs))
			}
			for j := range a[i].IDs {
				if a[i].IDs[j] != b[i].IDs[j] || math.Abs(float64(a[i].Weights[j]-b[i].Weights[j])) > 1e-5 {
					t.Fatalf("%v doc %d entry %d differs", an, i, j)
				}
			}
		}
	}
	// save / load round trip (float16 embeddings) and frozen == training forward
	dir := t.TempDir()
	if err := WriteParams(dir, n.P, map[string]bool{"emb": true}); err != nil {
		t.Fatal(err)
	}
	wb, err := os.ReadFile(filepath.Join(dir, modeldir.SafetensorsFile))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(wb, n.cfg, n.tok, n.idf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Encode(gradDocs)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := n.Encode(gradDocs)
	for i := range got {
		if len(got[i].IDs) == 0 || len(got[i].IDs) != len(want[i].IDs) {
			t.Fatalf("doc %d: %d vs %d entries", i, len(got[i].IDs), len(want[i].IDs))
		}
		for j := range got[i].Weights {
			if math.Abs(float64(got[i].Weights[j]-want[i].Weights[j])) > 0.05*math.Max(1, float64(want[i].Weights[j])) {
				t.Fatalf("doc %d entry %d: %v vs %v", i, j, got[i].Weights[j], want[i].Weights[j])
			}
		}
	}
	// corrupt weights are rejected clearly
	if _, err := Open([]byte("garbage"), n.cfg, n.tok, n.idf); err == nil || !strings.Contains(err.Error(), "safetensors") {
		t.Fatalf("corrupt weights: %v", err)
	}
}

func TestF16RoundTrip(t *testing.T) {
	for _, f := range []float32{0, 1, -2.5, 0.1, 65504, 1e-5, -3e-7, 1e-9} {
		g := f16to32(f32to16(f))
		if math.Abs(float64(g-f)) > 1e-3*math.Abs(float64(f))+1e-7 {
			t.Errorf("%v -> %v", f, g)
		}
	}
}

// Dims in config.json that disagree with the weights are an error before the
// parameters are allocated (here 3 x 4096^2 floats = 200 MB).
func TestDecodeParamsShapeMismatchAllocatesLittle(t *testing.T) {
	good, err := EncodeParams(NewParams(3, 2, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := modeldir.Config{Architecture: modeldir.ArchNative, VocabSize: 3, Dim: 4096, Hidden: 4096}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = DecodeParams(good, cfg)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "shape") {
		t.Fatalf("err %v, want a shape error", err)
	}
	if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 50 {
		t.Fatalf("allocated %d MB before rejecting the weights", mb)
	}
}

func FuzzDecodeParams(f *testing.F) {
	p := NewParams(3, 2, 2)
	good, err := EncodeParams(p, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}'})
	f.Add([]byte("x"))
	cfg := modeldir.Config{Architecture: modeldir.ArchNative, VocabSize: 3, Dim: 2, Hidden: 2}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodeParams(data, cfg)
		if err != nil {
			return
		}
		// What was accepted is finite and survives a float32 round trip.
		b, err := EncodeParams(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		q, err := DecodeParams(b, cfg)
		if err != nil {
			t.Fatalf("re-encoded weights rejected: %v", err)
		}
		qt := q.Tensors()
		for i, ts := range p.Tensors() {
			for j, x := range ts.Data {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) || qt[i].Data[j] != x {
					t.Fatalf("tensor %s[%d]: %v, after round trip %v", ts.Name, j, x, qt[i].Data[j])
				}
			}
		}
	})
}

// topExpansion keeps exactly the M tokens a full sort would: absent from the
// document, positive logit, largest logits with ties to the smaller id.
func TestTopExpansionMatchesSort(t *testing.T) {
	n := testNative(t, 6, 5, 8, 11)
	for i, text := range gradDocs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			d := n.PrepareDoc(text)
			var tape Tape
			n.Forward(&d, &tape)
			ids, logs := n.topExpansion(&d, tape.z, 8, nil, nil)
			type cand struct {
				id int32
				l  float32
			}
			var all []cand
			for _, id := range n.expOK {
				if _, in := slices.BinarySearch(d.IDs, id); in {
					continue
				}
				if l := dot(n.P.Emb[int(id)*n.P.D:(int(id)+1)*n.P.D], tape.z) + n.P.XBias[id]; l > 0 {
					all = append(all, cand{id, l})
				}
			}
			slices.SortFunc(all, func(a, b cand) int {
				if a.l != b.l {
					return cmp.Compare(b.l, a.l)
				}
				return cmp.Compare(a.id, b.id)
			})
			all = all[:min(8, len(all))]
			slices.SortFunc(all, func(a, b cand) int { return cmp.Compare(a.id, b.id) })
			if len(ids) != len(all) || len(all) == 0 {
				t.Fatalf("%d expansion terms, want %d (> 0)", len(ids), len(all))
			}
			for k := range all {
				if ids[k] != all[k].id || logs[k] != all[k].l {
					t.Fatalf("term %d: %d %v, want %d %v", k, ids[k], logs[k], all[k].id, all[k].l)
				}
			}
		})
	}
}
