package onnx

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/sparse"
)

func vec(pairs ...float32) sparse.Vector {
	var v sparse.Vector
	for i := 0; i < len(pairs); i += 2 {
		v.IDs = append(v.IDs, int32(pairs[i]))
		v.Weights = append(v.Weights, pairs[i+1])
	}
	return v
}

func TestPruneOpenSearchSemantics(t *testing.T) {
	// a=10 b=5 c=2 d=1 (ids 1..4), as OpenSearch's PruneUtilsTests.
	in := func() sparse.Vector { return vec(1, 10, 2, 5, 3, 2, 4, 1) }
	cases := []struct {
		p    Prune
		want sparse.Vector
	}{
		{Prune{PruneNone, 0}, in()},
		{Prune{PruneTopK, 2}, vec(1, 10, 2, 5)},
		{Prune{PruneTopK, 10}, in()},
		{Prune{PruneMaxRatio, 0.3}, vec(1, 10, 2, 5)}, // >= 3
		{Prune{PruneMaxRatio, 0.5}, vec(1, 10, 2, 5)}, // >= 5 (inclusive)
		{Prune{PruneAbsValue, 2}, vec(1, 10, 2, 5, 3, 2)},
		// total 18: alpha 0.8 -> limit 14.4, running sums 10, 15 (stop).
		{Prune{PruneAlphaMass, 0.8}, vec(1, 10)},
		{Prune{PruneAlphaMass, 0.5}, sparse.Vector{}},
		{Prune{PruneAlphaMass, 0.9}, vec(1, 10, 2, 5)}, // 10, 15, 17 > 16.2
		{Prune{PruneAlphaMass, 0.95}, vec(1, 10, 2, 5, 3, 2)},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s %v", c.p.Type, c.p.Ratio), func(t *testing.T) {
			t.Parallel()
			if err := c.p.Validate(); err != nil {
				t.Fatalf("%v: %v", c.p, err)
			}
			got := c.p.Apply(in())
			if len(got.IDs) == 0 && len(c.want.IDs) == 0 {
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%v: got %v, want %v", c.p, got, c.want)
			}
		})
	}
	// top_k ties keep the lower id; result stays in id order.
	got := Prune{PruneTopK, 2}.Apply(vec(5, 1, 7, 3, 9, 1, 11, 3))
	if want := vec(7, 3, 11, 3); !reflect.DeepEqual(got, want) {
		t.Errorf("top_k ties: got %v want %v", got, want)
	}
	got = Prune{PruneTopK, 1}.Apply(vec(5, 1, 9, 1))
	if want := vec(5, 1); !reflect.DeepEqual(got, want) {
		t.Errorf("top_k equal weights: got %v want %v", got, want)
	}
}

func TestPruneValidate(t *testing.T) {
	bad := []Prune{{PruneTopK, 0}, {PruneTopK, 1.5}, {PruneMaxRatio, 1}, {PruneMaxRatio, -0.1},
		{PruneAlphaMass, 1}, {PruneAbsValue, -1}, {"bogus", 1}, {PruneAbsValue, math.NaN()}}
	for _, p := range bad {
		if p.Validate() == nil {
			t.Errorf("%v: want error", p)
		}
	}
	good := []Prune{{"", 0}, {PruneNone, 0}, {PruneTopK, 3}, {PruneMaxRatio, 0}, {PruneAlphaMass, 0.99}, {PruneAbsValue, 0}}
	for _, p := range good {
		if err := p.Validate(); err != nil {
			t.Errorf("%v: %v", p, err)
		}
	}
}

func TestONNXOptionsFromConfig(t *testing.T) {
	cfg, err := modeldir.ParseConfig([]byte(`{"architecture":"BertForMaskedLM","vocab_size":30522,"max_length":256,
		"onnx_file":"m.onnx","batch_size":8,"max_batch_tokens":1024,"threads":2,
		"prune_type":"top_k","prune_ratio":100,"keep_special_tokens":true,"unrelated":[1,2]}`), "config.json")
	if err != nil {
		t.Fatal(err)
	}
	o, err := OptionsFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := Options{File: "m.onnx", BatchSize: 8, MaxBatchTokens: 1024, Threads: 2, Prune: Prune{PruneTopK, 100}, KeepSpecial: true}
	if o != want {
		t.Fatalf("got %+v want %+v", o, want)
	}
	if d := o.withDefaults(cfg); d.MaxLength != 256 {
		t.Errorf("max length %d", d.MaxLength)
	}
	for _, bad := range []string{
		`"prune_type":"top_k","prune_ratio":0.5`,
		`"prune_ratio":0.5`,
		`"prune_type":"median"`,
		`"batch_size":-1`,
		`"batch_size":"x"`,
		`"onnx_file":"../x.onnx"`,
		`"onnx_file":"/abs.onnx"`,
	} {
		cfg, err := modeldir.ParseConfig([]byte(`{"architecture":"BertForMaskedLM","vocab_size":30522,`+bad+`}`), "c")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := OptionsFromConfig(cfg); err == nil {
			t.Errorf("%s: want error", bad)
		}
	}
	// max_length falls back to max_position_embeddings, then 512.
	cfg, _ = modeldir.ParseConfig([]byte(`{"architecture":"BertForMaskedLM","vocab_size":30522,"max_position_embeddings":300}`), "c")
	if d := (Options{}).withDefaults(cfg); d.MaxLength != 300 || d.File != modeldir.ONNXFile || d.BatchSize != 32 || d.MaxBatchTokens != 2048 || d.Prune.Type != PruneNone {
		t.Errorf("defaults %+v", d)
	}
	cfg, _ = modeldir.ParseConfig([]byte(`{"architecture":"BertForMaskedLM","vocab_size":30522}`), "c")
	if d := (Options{}).withDefaults(cfg); d.MaxLength != 512 {
		t.Errorf("default max length %d", d.MaxLength)
	}
}

func FuzzONNXOptionsFromConfig(f *testing.F) {
	f.Add(`{"architecture":"BertForMaskedLM","vocab_size":30522,"prune_type":"alpha_mass","prune_ratio":0.3}`)
	f.Add(`{"architecture":"DistilBertForMaskedLM","vocab_size":30522,"batch_size":1e99}`)
	f.Add(`{"architecture":"x","vocab_size":1,"onnx_file":null,"threads":null}`)
	f.Fuzz(func(t *testing.T, s string) {
		cfg, err := modeldir.ParseConfig([]byte(s), "config.json")
		if err != nil {
			return
		}
		o, err := OptionsFromConfig(cfg)
		if err != nil {
			return
		}
		if err := o.Prune.Validate(); err != nil {
			t.Fatalf("accepted invalid prune %v", o.Prune)
		}
		d := o.withDefaults(cfg)
		if d.BatchSize <= 0 || d.MaxBatchTokens <= 0 || d.MaxLength <= 0 {
			t.Fatalf("bad defaults %+v", d)
		}
	})
}

func FuzzPrune(f *testing.F) {
	f.Add([]byte{10, 5, 2, 1}, uint8(1), 0.5)
	f.Add([]byte{1, 1, 1}, uint8(0), 2.0)
	f.Fuzz(func(t *testing.T, ws []byte, kind uint8, ratio float64) {
		types := []PruneType{PruneNone, PruneTopK, PruneMaxRatio, PruneAlphaMass, PruneAbsValue}
		p := Prune{types[int(kind)%len(types)], ratio}
		if p.Validate() != nil {
			return
		}
		var v sparse.Vector
		for i, w := range ws {
			if w > 0 {
				v.IDs = append(v.IDs, int32(i))
				v.Weights = append(v.Weights, float32(w)/16)
			}
		}
		orig := sparse.Vector{IDs: slices.Clone(v.IDs), Weights: slices.Clone(v.Weights)}
		got := p.Apply(v)
		if len(got.IDs) != len(got.Weights) || len(got.IDs) > len(orig.IDs) {
			t.Fatalf("bad lengths")
		}
		// result is a sub-vector of the input, ids still ascending, and the
		// kept weights dominate the dropped ones.
		minKept := float32(math.Inf(1))
		j := 0
		for i, id := range got.IDs {
			if i > 0 && id <= got.IDs[i-1] {
				t.Fatalf("ids not ascending")
			}
			for j < len(orig.IDs) && orig.IDs[j] != id {
				j++
			}
			if j == len(orig.IDs) || orig.Weights[j] != got.Weights[i] {
				t.Fatalf("entry %d not from input", id)
			}
			minKept = min(minKept, got.Weights[i])
		}
		if len(got.IDs) > 0 {
			kept := map[int32]bool{}
			for _, id := range got.IDs {
				kept[id] = true
			}
			for i, id := range orig.IDs {
				if !kept[id] && orig.Weights[i] > minKept {
					t.Fatalf("%v dropped %v but kept %v", p, orig.Weights[i], minKept)
				}
			}
		}
		if p.Type == PruneTopK && len(got.IDs) != min(len(orig.IDs), int(p.Ratio)) {
			t.Fatalf("top_k kept %d", len(got.IDs))
		}
	})
}

func TestPoolingMatchesReference(t *testing.T) {
	// two positions, vocab 4; special id 3.
	rows := []float32{
		-1, 0.5, 2, 9,
		0.25, -3, 1, 9,
	}
	acc := make([]float32, 4)
	maxPoolRows(acc, rows)
	if want := []float32{0.25, 0.5, 2, 9}; !slices.Equal(acc, want) {
		t.Fatalf("pool %v", acc)
	}
	v := sparseFromPooled(acc, []bool{false, false, false, true}, true)
	want := []float32{float32(math.Log(1.25)), float32(math.Log(1.5)), float32(math.Log(3))}
	if !slices.Equal(v.IDs, []int32{0, 1, 2}) || !slices.Equal(v.Weights, want) {
		t.Fatalf("got %v", v)
	}
	// all-negative logits give an empty vector; tiny positives that round
	// 1+x to 1 in float32 are dropped, as in the PyTorch reference.
	v = sparseFromPooled([]float32{0, 1e-9, 0}, nil, true)
	if v.Len() != 0 {
		t.Fatalf("got %v", v)
	}
	// already pooled: weights taken as they are.
	v = sparseFromPooled([]float32{0, 0.5, -1}, nil, false)
	if !slices.Equal(v.IDs, []int32{1}) || v.Weights[0] != 0.5 {
		t.Fatalf("got %v", v)
	}
}

func TestMaxPoolRowsMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, shape := range [][2]int{{1, 1}, {1, 7}, {2, 5}, {3, 9}, {5, 30522}, {4, 3}} {
		rowsN, v := shape[0], shape[1]
		rows := make([]float32, rowsN*v)
		for i := range rows {
			rows[i] = float32(r.NormFloat64())
		}
		got := make([]float32, v)
		maxPoolRows(got, rows)
		for j := 0; j < v; j++ {
			want := float32(0)
			for k := 0; k < rowsN; k++ {
				want = max(want, rows[k*v+j])
			}
			if got[j] != want {
				t.Fatalf("%v col %d: got %v want %v", shape, j, got[j], want)
			}
		}
	}
}

func TestLengthBatches(t *testing.T) {
	lens := []int{5, 100, 7, 100, 3, 50}
	got := lengthBatches(lens, 2, 10000)
	want := [][]int{{1, 3}, {5, 2}, {0, 4}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	// token budget: 100-token docs one at a time under 150 tokens.
	got = lengthBatches(lens, 8, 150)
	want = [][]int{{1}, {3}, {5, 2, 0}, {4}} // 3 x 50 = 150 fits
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	if len(lengthBatches(nil, 4, 4)) != 0 {
		t.Fatal("empty input")
	}
	// a document over the budget still gets its own batch.
	if got := lengthBatches([]int{500}, 4, 10); !reflect.DeepEqual(got, [][]int{{0}}) {
		t.Fatalf("got %v", got)
	}
}

func TestDocIDsTruncation(t *testing.T) {
	tok := wordpiece.DefaultTokenizer()
	cls, _ := tok.ID("[CLS]")
	sep, _ := tok.ID("[SEP]")
	ids := docIDs(nil, tok, strings.Repeat("apple ", 10), cls, sep, 5)
	apple, _ := tok.ID("apple")
	if want := []int32{cls, apple, apple, apple, sep}; !slices.Equal(ids, want) {
		t.Fatalf("got %v want %v", ids, want)
	}
	if ids := docIDs(nil, tok, "", cls, sep, 5); !slices.Equal(ids, []int32{cls, sep}) {
		t.Fatalf("empty: %v", ids)
	}
}

func TestORTLibraryPathErrors(t *testing.T) {
	t.Setenv(RuntimeLibEnv, filepath.Join(t.TempDir(), "nope.so"))
	_, err := RuntimeLibraryPath()
	if !errors.Is(err, ErrRuntimeMissing) || !strings.Contains(err.Error(), "nope.so") || !strings.Contains(err.Error(), "scripts/fetch-onnxruntime.sh") {
		t.Fatalf("got %v", err)
	}
	lib := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	if err := os.WriteFile(lib, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(RuntimeLibEnv, lib)
	if p, err := RuntimeLibraryPath(); err != nil || p != lib {
		t.Fatalf("got %q %v", p, err)
	}
}

// TestONNXFixturesWellFormed checks the committed reference file, which the
// cgo golden tests compare against, without needing ONNX Runtime.
func TestONNXFixturesWellFormed(t *testing.T) {
	ref := loadONNXReference(t)
	if len(ref.Texts) < 20 || len(ref.IDs) != len(ref.Texts) {
		t.Fatalf("%d texts, %d id lists", len(ref.Texts), len(ref.IDs))
	}
	for _, arch := range []string{"bert", "distilbert"} {
		m, ok := ref.Models[arch]
		if !ok || len(m.Vectors) != len(ref.Texts) {
			t.Fatalf("%s: missing vectors", arch)
		}
		for i, v := range m.Vectors {
			if len(v.IDs) != len(v.Weights) || len(v.IDs) == 0 {
				t.Fatalf("%s text %d: bad vector", arch, i)
			}
			for _, s := range ref.Special {
				if slices.Contains(v.IDs, s) {
					t.Fatalf("%s text %d: special id %d present", arch, i, s)
				}
			}
		}
	}
}

// TestONNXTokenizerMatchesFixtures: the Go tokenizer with [CLS]/[SEP] and
// truncation gives exactly the ids transformers' BertTokenizer gave.
func TestONNXTokenizerMatchesFixtures(t *testing.T) {
	ref := loadONNXReference(t)
	tok := wordpiece.DefaultTokenizer()
	cls, _ := tok.ID("[CLS]")
	sep, _ := tok.ID("[SEP]")
	for i, text := range ref.Texts {
		got := docIDs(nil, tok, text, cls, sep, ref.MaxLength)
		if !slices.Equal(got, ref.IDs[i]) {
			t.Errorf("text %d %q:\n got %v\nwant %v", i, text, got, ref.IDs[i])
		}
	}
}

type onnxReference struct {
	MaxLength int       `json:"max_length"`
	Special   []int32   `json:"special_ids"`
	Texts     []string  `json:"texts"`
	IDs       [][]int32 `json:"ids"`
	Models    map[string]struct {
		Architecture string `json:"architecture"`
		Vectors      []struct {
			IDs     []int32   `json:"ids"`
			Weights []float32 `json:"weights"`
		} `json:"vectors"`
	} `json:"models"`
}

func loadONNXReference(t testing.TB) *onnxReference {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref onnxReference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatalf("expected.json: %v", err)
	}
	return &ref
}

// mlmFLOPs counts multiply-adds x2 of one forward pass of a BERT-style masked
// LM over l tokens: per layer the Q/K/V/O projections, the two attention
// products and the feed-forward block; then the MLM transform and the vocab
// projection. Norms, softmax and activations are ignored (under 1%).
func mlmFLOPs(layers, d, ff, vocab, l int) float64 {
	L, D, F, V := float64(l), float64(d), float64(ff), float64(vocab)
	perLayer := 4*2*L*D*D + 2*2*L*L*D + 2*2*L*D*F
	return float64(layers)*perLayer + 2*L*D*D + 2*L*D*V
}

func TestMLMFLOPs(t *testing.T) {
	// DistilBERT-base, 256 tokens: 6 x 3.825 GFLOP + 0.30 + 12.0 = 35.25 GFLOP.
	got := mlmFLOPs(6, 768, 3072, 30522, 256) / 1e9
	if math.Abs(got-35.25) > 0.01 {
		t.Fatalf("got %.3f GFLOP", got)
	}
}
