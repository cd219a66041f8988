package native

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/nlpodyssey/safetensors"
	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// DecodeParams reads weights from safetensors bytes (F32 or F16), checking
// every tensor's presence and shape against cfg.
func DecodeParams(data []byte, cfg modeldir.Config) (*Params, error) {
	p, err := decodeParams(data, cfg)
	if err != nil {
		return nil, fmt.Errorf("native: %w", err)
	}
	return p, nil
}

func decodeParams(data []byte, cfg modeldir.Config) (p *Params, err error) {
	defer func() {
		if r := recover(); r != nil { // the library may panic on corrupt input
			p, err = nil, fmt.Errorf("corrupt safetensors: %v", r)
		}
	}()
	if cfg.Dim <= 0 || cfg.Hidden <= 0 {
		return nil, fmt.Errorf("config.json needs \"dim\" and \"hidden\" > 0 for %s", modeldir.ArchNative)
	}
	st, err := safetensors.Deserialize(data)
	if err != nil {
		return nil, fmt.Errorf("invalid safetensors: %w", err)
	}
	// Check every tensor's presence and shape before allocating: dims in
	// config.json that disagree with the file would otherwise cost up to a
	// gigabyte before the error.
	want := (&Params{V: cfg.VocabSize, D: cfg.Dim, H: cfg.Hidden}).Tensors()
	views := make([]safetensors.TensorView, len(want))
	for k, t := range want {
		tv, ok := st.Tensor(t.Name)
		if !ok {
			return nil, fmt.Errorf("missing tensor %q", t.Name)
		}
		shape := tv.Shape()
		if len(shape) != len(t.Shape) {
			return nil, fmt.Errorf("tensor %q: shape %v, want %v", t.Name, shape, t.Shape)
		}
		for i := range shape {
			if shape[i] != uint64(t.Shape[i]) {
				return nil, fmt.Errorf("tensor %q: shape %v, want %v", t.Name, shape, t.Shape)
			}
		}
		views[k] = tv
	}
	p = NewParams(cfg.VocabSize, cfg.Dim, cfg.Hidden)
	for k, t := range p.Tensors() {
		tv := views[k]
		raw := tv.Data()
		switch tv.DType() {
		case safetensors.F32:
			if len(raw) != 4*len(t.Data) {
				return nil, fmt.Errorf("tensor %q: %d bytes, want %d", t.Name, len(raw), 4*len(t.Data))
			}
			for i := range t.Data {
				t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		case safetensors.F16:
			if len(raw) != 2*len(t.Data) {
				return nil, fmt.Errorf("tensor %q: %d bytes, want %d", t.Name, len(raw), 2*len(t.Data))
			}
			for i := range t.Data {
				t.Data[i] = f16to32(binary.LittleEndian.Uint16(raw[2*i:]))
			}
		default:
			return nil, fmt.Errorf("tensor %q: dtype %v not supported (F32 or F16)", t.Name, tv.DType())
		}
		for _, x := range t.Data {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("tensor %q holds a non-finite value", t.Name)
			}
		}
	}
	return p, nil
}

// EncodeParams serialises weights as safetensors; tensors named in f16
// are stored as float16 (halves the embedding table).
func EncodeParams(p *Params, f16 map[string]bool) ([]byte, error) {
	views := map[string]safetensors.TensorView{}
	for _, t := range p.Tensors() {
		shape := make([]uint64, len(t.Shape))
		for i, s := range t.Shape {
			shape[i] = uint64(s)
		}
		var raw []byte
		dt := safetensors.F32
		if f16[t.Name] {
			dt = safetensors.F16
			raw = make([]byte, 2*len(t.Data))
			for i, x := range t.Data {
				binary.LittleEndian.PutUint16(raw[2*i:], f32to16(x))
			}
		} else {
			raw = make([]byte, 4*len(t.Data))
			for i, x := range t.Data {
				binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
			}
		}
		tv, err := safetensors.NewTensorView(dt, shape, raw)
		if err != nil {
			return nil, fmt.Errorf("native: tensor %s: %w", t.Name, err)
		}
		views[t.Name] = tv
	}
	var buf bytes.Buffer
	if err := safetensors.SerializeToWriter(views, map[string]string{"format": "pt", "architecture": modeldir.ArchNative}, &buf); err != nil {
		return nil, fmt.Errorf("native: %w", err)
	}
	return buf.Bytes(), nil
}

// Open decodes weights (model.safetensors contents) for cfg and returns the
// model ready for inference (frozen).
func Open(weights []byte, cfg modeldir.Config, tok *wordpiece.Tokenizer, idf []float32) (*Model, error) {
	p, err := DecodeParams(weights, cfg)
	if err != nil {
		return nil, err
	}
	n, err := New(cfg, tok, p, idf)
	if err != nil {
		return nil, err
	}
	n.Freeze()
	return n, nil
}

// WriteParams writes p as dir's model.safetensors (modeldir.SafetensorsFile);
// tensors named in f16 are stored as float16. The rest of a model directory
// (config.json with architecture modeldir.ArchNative, vocab.txt, idf.json) is
// encoder.WriteModelDir's.
func WriteParams(dir string, p *Params, f16 map[string]bool) error {
	b, err := EncodeParams(p, f16)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, modeldir.SafetensorsFile), b, 0o644); err != nil {
		return fmt.Errorf("native: %w", err)
	}
	return nil
}

// f16to32 converts IEEE 754 half precision to float32.
func f16to32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		f := float32(mant) / 1024 / 16384 // subnormal: mant * 2^-24
		if sign != 0 {
			f = -f
		}
		return f
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// f32to16 converts float32 to half precision (round to nearest even; values
// beyond the range saturate to ±Inf, tiny ones flush through subnormals).
func f32to16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	if int32(b>>23&0xff) == 0xff {
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	if exp >= 0x1f {
		return sign | 0x7c00
	}
	if exp <= 0 {
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - exp)
		half := mant >> shift
		rem := mant & (1<<shift - 1)
		mid := uint32(1) << (shift - 1)
		if rem > mid || (rem == mid && half&1 == 1) {
			half++
		}
		return sign | uint16(half)
	}
	half := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++
	}
	return sign | uint16(half)
}

// Float16To32 and Float32To16 convert IEEE 754 half precision (used for
// compact embedding tables).
func Float16To32(h uint16) float32 { return f16to32(h) }

// Float32To16 rounds to the nearest half-precision value.
func Float32To16(f float32) uint16 { return f32to16(f) }
