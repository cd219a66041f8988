package encoder

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/nlpodyssey/safetensors"
	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/sparse"
)

// Translation is a sparse token-to-token table in the spirit of Berger and
// Lafferty's translation model: for a document token u, the query tokens v
// that training queries used for documents containing u more often than
// queries at large, with that lift P(v | u in a relevant document) - P(v).
// A document gains the v's its source tokens point to, weighted by their
// summed lift; a vocabulary-level table, so it applies to unseen documents.
type Translation struct {
	V     int
	Start []int32   // V+1 offsets into To and Lift, by source token
	To    []int32   // target tokens, each source's list ascending
	Lift  []float32 // > 0
}

// Validate checks the table's shape and values (untrusted files).
func (t *Translation) Validate() error {
	if err := t.validate(); err != nil {
		return fmt.Errorf("encoder: translation: %w", err)
	}
	return nil
}

func (t *Translation) validate() error {
	if len(t.Start) != t.V+1 || t.Start[0] != 0 || int(t.Start[t.V]) != len(t.To) || len(t.To) != len(t.Lift) {
		return fmt.Errorf("table shape (vocab %d, %d offsets, %d targets, %d lifts)", t.V, len(t.Start), len(t.To), len(t.Lift))
	}
	for u := 0; u < t.V; u++ {
		a, b := t.Start[u], t.Start[u+1]
		if b < a {
			return fmt.Errorf("offsets decrease at token %d", u)
		}
		for i := a; i < b; i++ {
			if v := t.To[i]; v < 0 || int(v) >= t.V || (i > a && v <= t.To[i-1]) {
				return fmt.Errorf("token %d: target %d out of range or out of order", u, v)
			}
			if l := t.Lift[i]; !(l > 0) || math.IsInf(float64(l), 0) {
				return fmt.Errorf("token %d: lift %v must be finite and > 0", u, l)
			}
		}
	}
	return nil
}

// TopSourceTerms returns the n tokens of v with the largest idf * weight
// (ties by id), ascending by id.
func TopSourceTerms(v sparse.Vector, idf []float32, n int) []int32 {
	if n <= 0 {
		return nil
	}
	type tw struct {
		id int32
		w  float32
	}
	a := make([]tw, len(v.IDs))
	for i, id := range v.IDs {
		var x float32
		if int(id) < len(idf) {
			x = idf[id]
		}
		a[i] = tw{id, v.Weights[i] * x}
	}
	sort.Slice(a, func(i, j int) bool { return a[i].w > a[j].w || (a[i].w == a[j].w && a[i].id < a[j].id) })
	out := make([]int32, 0, min(n, len(a)))
	for i := 0; i < len(a) && i < n; i++ {
		out = append(out, a[i].id)
	}
	slices.Sort(out)
	return out
}

// Expand adds to v (ascending ids) up to cfg.Terms tokens that v lacks and
// skip does not mark, pointed to by v's source terms, with weight
// cfg.Weight * log(1 + summed lift). Ties go to the smaller id.
func (t *Translation) Expand(v sparse.Vector, idf []float32, skip []bool, cfg modeldir.TranslationConfig) sparse.Vector {
	gain := map[int32]float64{}
	for _, u := range TopSourceTerms(v, idf, cfg.SourceTerms) {
		if int(u) >= t.V {
			continue
		}
		for i := t.Start[u]; i < t.Start[u+1]; i++ {
			x := t.To[i]
			if _, in := slices.BinarySearch(v.IDs, x); in || (int(x) < len(skip) && skip[x]) {
				continue
			}
			gain[x] += float64(t.Lift[i])
		}
	}
	if len(gain) == 0 {
		return v
	}
	type kv struct {
		id int32
		g  float64
	}
	ks := make([]kv, 0, len(gain))
	for id, g := range gain {
		ks = append(ks, kv{id, g})
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].g > ks[j].g || (ks[i].g == ks[j].g && ks[i].id < ks[j].id) })
	ks = ks[:min(len(ks), cfg.Terms)]
	sort.Slice(ks, func(i, j int) bool { return ks[i].id < ks[j].id })
	out := sparse.Vector{IDs: make([]int32, 0, len(v.IDs)+len(ks)), Weights: make([]float32, 0, len(v.IDs)+len(ks))}
	i := 0
	for _, k := range ks {
		for i < len(v.IDs) && v.IDs[i] < k.id {
			out.IDs, out.Weights = append(out.IDs, v.IDs[i]), append(out.Weights, v.Weights[i])
			i++
		}
		out.IDs = append(out.IDs, k.id)
		out.Weights = append(out.Weights, float32(cfg.Weight*math.Log1p(k.g)))
	}
	out.IDs, out.Weights = append(out.IDs, v.IDs[i:]...), append(out.Weights, v.Weights[i:]...)
	return out
}

// EncodeTranslation serialises the table as safetensors (I32 start and to,
// F32 lift).
func EncodeTranslation(t *Translation) ([]byte, error) {
	i32 := func(a []int32) []byte {
		b := make([]byte, 4*len(a))
		for i, x := range a {
			binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
		}
		return b
	}
	lift := make([]byte, 4*len(t.Lift))
	for i, x := range t.Lift {
		binary.LittleEndian.PutUint32(lift[4*i:], math.Float32bits(x))
	}
	views := map[string]safetensors.TensorView{}
	for _, x := range []struct {
		name string
		dt   safetensors.DType
		n    int
		raw  []byte
	}{{"start", safetensors.I32, len(t.Start), i32(t.Start)}, {"to", safetensors.I32, len(t.To), i32(t.To)}, {"lift", safetensors.F32, len(t.Lift), lift}} {
		tv, err := safetensors.NewTensorView(x.dt, []uint64{uint64(x.n)}, x.raw)
		if err != nil {
			return nil, fmt.Errorf("encoder: translation tensor %s: %w", x.name, err)
		}
		views[x.name] = tv
	}
	var buf bytes.Buffer
	if err := safetensors.SerializeToWriter(views, map[string]string{"format": "pt"}, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DecodeTranslation reads and validates a table for a vocabulary of v tokens.
func DecodeTranslation(data []byte, v int) (*Translation, error) {
	t, err := decodeTranslation(data, v)
	if err != nil {
		return nil, fmt.Errorf("encoder: translation: %w", err)
	}
	return t, nil
}

func decodeTranslation(data []byte, v int) (t *Translation, err error) {
	defer func() {
		if r := recover(); r != nil { // the library may panic on corrupt input
			t, err = nil, fmt.Errorf("corrupt safetensors: %v", r)
		}
	}()
	st, err := safetensors.Deserialize(data)
	if err != nil {
		return nil, fmt.Errorf("invalid safetensors: %w", err)
	}
	read := func(name string, dt safetensors.DType) ([]byte, error) {
		tv, ok := st.Tensor(name)
		if !ok {
			return nil, fmt.Errorf("missing tensor %q", name)
		}
		if tv.DType() != dt || len(tv.Shape()) != 1 || uint64(len(tv.Data())) != 4*tv.Shape()[0] {
			return nil, fmt.Errorf("tensor %q: want a 1-d %v tensor", name, dt)
		}
		return tv.Data(), nil
	}
	t = &Translation{V: v}
	for _, x := range []struct {
		name string
		dst  *[]int32
	}{{"start", &t.Start}, {"to", &t.To}} {
		raw, err := read(x.name, safetensors.I32)
		if err != nil {
			return nil, err
		}
		*x.dst = make([]int32, len(raw)/4)
		for i := range *x.dst {
			(*x.dst)[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	}
	raw, err := read("lift", safetensors.F32)
	if err != nil {
		return nil, err
	}
	t.Lift = make([]float32, len(raw)/4)
	for i := range t.Lift {
		t.Lift[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	if err := t.validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// WriteTranslation writes dir's translation file (modeldir.TranslationFile).
func WriteTranslation(dir string, t *Translation) error {
	b, err := EncodeTranslation(t)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, modeldir.TranslationFile), b, 0o644)
}

// Translator is an encoder whose vectors are expanded by a translation
// table; a model directory with "translation" loads as one.
type Translator struct {
	Encoder
	t    *Translation
	cfg  modeldir.TranslationConfig
	idf  []float32
	skip []bool
}

// WithTranslation returns enc whose vectors are expanded by t (cfg as in
// config.json; modelCfg's stop list is never added).
func WithTranslation(enc Encoder, t *Translation, cfg modeldir.TranslationConfig, tok *wordpiece.Tokenizer, modelCfg modeldir.Config, idf []float32) (*Translator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if t.V != tok.VocabSize() {
		return nil, fmt.Errorf("encoder: translation table for %d tokens, vocabulary has %d", t.V, tok.VocabSize())
	}
	skip, err := wordpiece.DocSkip(tok, modelCfg.Stopwords)
	if err != nil {
		return nil, err
	}
	return &Translator{Encoder: enc, t: t, cfg: cfg, idf: idf, skip: skip}, nil
}

// Expand expands one vector of the wrapped encoder.
func (e *Translator) Expand(v sparse.Vector) sparse.Vector {
	return e.t.Expand(v, e.idf, e.skip, e.cfg)
}

// Encode implements Encoder.
func (e *Translator) Encode(texts []string) ([]sparse.Vector, error) {
	vs, err := e.Encoder.Encode(texts)
	if err != nil {
		return nil, err
	}
	for i, v := range vs {
		vs[i] = e.Expand(v)
	}
	return vs, nil
}

// Close closes the wrapped encoder when it holds resources.
func (e *Translator) Close() error {
	if c, ok := e.Encoder.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

func openTranslation(fsys fs.FS, display string, enc Encoder, cfg modeldir.Config, tok *wordpiece.Tokenizer, idf *IDF) (Encoder, error) {
	b, err := readModelFile(fsys, display, modeldir.TranslationFile)
	if err != nil {
		return nil, err
	}
	t, err := DecodeTranslation(b, tok.VocabSize())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(display, modeldir.TranslationFile), err)
	}
	tr, err := WithTranslation(enc, t, *cfg.Translation, tok, cfg, idf.Weights())
	if err != nil {
		return nil, err // not a nil *Translator inside a non-nil Encoder
	}
	return tr, nil
}
