//go:build cgo

package onnx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/sparse"
	ort "github.com/yalue/onnxruntime_go"
)

// ONNX Runtime is process-global: one environment, initialised on first use
// from the library RuntimeLibraryPath finds.
var ortInit = sync.OnceValues(func() (string, error) {
	lib, err := RuntimeLibraryPath()
	if err != nil {
		return "", err
	}
	ort.SetSharedLibraryPath(lib)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return "", fmt.Errorf("onnx: ONNX Runtime at %s: %w (onnxruntime_go needs a 1.24+ library; run scripts/fetch-onnxruntime.sh)", lib, err)
	}
	return lib, nil
})

// RuntimeAvailable initialises ONNX Runtime if needed and returns the
// library path and version, or why it cannot be used.
func RuntimeAvailable() (lib, version string, err error) {
	lib, err = ortInit()
	if err != nil {
		return "", "", err
	}
	return lib, ort.GetVersion(), nil
}

// Encoder runs a masked-LM sparse doc encoder graph with ONNX Runtime and
// pools its logits into sparse vectors, exactly as the OpenSearch doc models'
// reference code: max over tokens of logits x attention mask, then
// log(1 + ReLU), then the special tokens zeroed. (ReLU and log1p are monotone,
// so this equals SPLADE's max over tokens of log(1 + ReLU(logits)).)
//
// Graph contract: int64 (or int32) inputs input_ids and attention_mask
// [batch, seq], optionally token_type_ids (fed zeros); a float32 output,
// "logits" if present else the first, of shape [batch, seq, vocab] (pooled
// here) or [batch, vocab] (already pooled and activated in the graph).
// Safe for concurrent use.
type Encoder struct {
	sess       *ort.DynamicAdvancedSession
	inputs     []string // feed order
	output     string
	int32In    bool
	pooledOut  bool // output is [batch, vocab]
	vocab      int
	tok        *wordpiece.Tokenizer
	cls, sep   int32
	pad        int32
	special    []bool
	opts       Options
	path       string
	work       sync.Pool // *onnxWork
	closeOnce  sync.Once
	closeError error
}

type onnxWork struct {
	ids, mask, types []int64
	ids32, mask32    []int32
	types32          []int32
	out, acc         []float32
}

// Open loads dir/opts.File (default model.onnx) for the model directory
// dir with config cfg and tokenizer tok.
func Open(dir string, cfg modeldir.Config, tok *wordpiece.Tokenizer, opts Options) (*Encoder, error) {
	if tok == nil {
		return nil, errors.New("onnx: nil tokenizer")
	}
	opts = opts.withDefaults(cfg)
	if err := opts.Prune.Validate(); err != nil {
		return nil, err
	}
	if opts.MaxLength < 3 {
		return nil, fmt.Errorf("onnx: max_length %d too small (need room for [CLS], [SEP] and one token)", opts.MaxLength)
	}
	e := &Encoder{tok: tok, opts: opts, special: tok.ControlMask(), path: filepath.Join(dir, opts.File)}
	if opts.KeepSpecial {
		e.special = nil
	}
	var ok bool
	for _, s := range []struct {
		name string
		dst  *int32
	}{{"[CLS]", &e.cls}, {"[SEP]", &e.sep}, {"[PAD]", &e.pad}} {
		if *s.dst, ok = tok.ID(s.name); !ok {
			return nil, fmt.Errorf("onnx: vocabulary has no %s token", s.name)
		}
	}
	if _, err := os.Stat(e.path); err != nil {
		return nil, fmt.Errorf("onnx: graph: %w", err)
	}
	if _, err := ortInit(); err != nil {
		return nil, err
	}
	ins, outs, err := probeIO(e.path)
	if err != nil {
		return nil, fmt.Errorf("onnx: %s: %w", e.path, err)
	}
	if err := e.bindIO(ins, outs, cfg.VocabSize); err != nil {
		return nil, fmt.Errorf("onnx: %s: %w", e.path, err)
	}
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("onnx: session options: %w", err)
	}
	defer so.Destroy()
	if opts.Threads > 0 {
		if err := so.SetIntraOpNumThreads(opts.Threads); err != nil {
			return nil, fmt.Errorf("onnx: threads: %w", err)
		}
	}
	e.sess, err = ort.NewDynamicAdvancedSession(e.path, e.inputs, []string{e.output}, so)
	if err != nil {
		return nil, fmt.Errorf("onnx: %s: %w", e.path, err)
	}
	return e, nil
}

// probeIO reads the graph's inputs and outputs from a throw-away session
// without graph optimizations (no constant folding: quick even for big models).
func probeIO(path string) ([]ort.InputOutputInfo, []ort.InputOutputInfo, error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, nil, err
	}
	defer so.Destroy()
	if err := so.SetGraphOptimizationLevel(ort.GraphOptimizationLevelDisableAll); err != nil {
		return nil, nil, err
	}
	return ort.GetInputOutputInfoWithOptions(path, so)
}

// bindIO checks the graph's inputs and output against the contract.
func (e *Encoder) bindIO(ins, outs []ort.InputOutputInfo, vocab int) error {
	have := map[string]ort.InputOutputInfo{}
	for _, in := range ins {
		have[in.Name] = in
	}
	for _, need := range []string{"input_ids", "attention_mask"} {
		if _, ok := have[need]; !ok {
			return fmt.Errorf("graph has no %q input (inputs: %v)", need, names(ins))
		}
	}
	e.inputs = []string{"input_ids", "attention_mask"}
	if _, ok := have["token_type_ids"]; ok {
		e.inputs = append(e.inputs, "token_type_ids")
	}
	if len(ins) != len(e.inputs) {
		return fmt.Errorf("graph inputs %v: want input_ids, attention_mask and optionally token_type_ids", names(ins))
	}
	for i, n := range e.inputs {
		in := have[n]
		switch {
		case in.OrtValueType != ort.ONNXTypeTensor || len(in.Dimensions) != 2:
			return fmt.Errorf("input %q must be a [batch, sequence] tensor, got %s", n, in.String())
		case in.DataType == ort.TensorElementDataTypeInt64:
			if i > 0 && e.int32In {
				return fmt.Errorf("inputs mix int32 and int64")
			}
		case in.DataType == ort.TensorElementDataTypeInt32:
			if i > 0 && !e.int32In {
				return fmt.Errorf("inputs mix int32 and int64")
			}
			e.int32In = true
		default:
			return fmt.Errorf("input %q has element type %s, want int64 or int32", n, in.DataType)
		}
	}
	if len(outs) == 0 {
		return errors.New("graph has no outputs")
	}
	out := outs[0]
	for _, o := range outs {
		if o.Name == "logits" {
			out = o
		}
	}
	e.output = out.Name
	if out.OrtValueType != ort.ONNXTypeTensor || out.DataType != ort.TensorElementDataTypeFloat {
		return fmt.Errorf("output %q must be a float32 tensor, got %s (export in float32)", out.Name, out.String())
	}
	switch len(out.Dimensions) {
	case 3:
	case 2:
		e.pooledOut = true
	default:
		return fmt.Errorf("output %q has shape %v: want [batch, sequence, vocab] logits or [batch, vocab]", out.Name, out.Dimensions)
	}
	last := out.Dimensions[len(out.Dimensions)-1]
	switch {
	case last > 0 && vocab > 0 && int(last) != vocab:
		return fmt.Errorf("output %q vocabulary dimension %d but config vocab_size %d", out.Name, last, vocab)
	case last > 0:
		e.vocab = int(last)
	default:
		e.vocab = vocab
	}
	if e.vocab <= 0 {
		return errors.New("vocabulary size unknown: set vocab_size in config.json")
	}
	if e.vocab != e.tok.VocabSize() {
		return fmt.Errorf("graph vocabulary %d but tokenizer has %d tokens", e.vocab, e.tok.VocabSize())
	}
	return nil
}

func names(io []ort.InputOutputInfo) []string {
	out := make([]string, len(io))
	for i, x := range io {
		out[i] = x.Name
	}
	return out
}

// Options returns the effective options (defaults filled in).
func (e *Encoder) Options() Options { return e.opts }

// Encode implements Encoder: tokenize ([CLS] ... [SEP], truncated to
// MaxLength), batch by length, run, pool, prune.
func (e *Encoder) Encode(texts []string) ([]sparse.Vector, error) {
	docs := make([][]int32, len(texts))
	var buf []int32
	for i, t := range texts {
		buf = docIDs(buf, e.tok, t, e.cls, e.sep, e.opts.MaxLength)
		docs[i] = append([]int32(nil), buf...)
	}
	return e.EncodeIDs(docs)
}

// EncodeIDs encodes documents given as complete token id sequences (with
// [CLS]/[SEP]; at most MaxLength each, longer ones are an error).
func (e *Encoder) EncodeIDs(docs [][]int32) ([]sparse.Vector, error) {
	lens := make([]int, len(docs))
	for i, d := range docs {
		if len(d) == 0 || len(d) > e.opts.MaxLength {
			return nil, fmt.Errorf("onnx: document %d has %d tokens (want 1..%d)", i, len(d), e.opts.MaxLength)
		}
		for _, id := range d {
			if id < 0 || int(id) >= e.vocab {
				return nil, fmt.Errorf("onnx: document %d: token id %d outside the vocabulary", i, id)
			}
		}
		lens[i] = len(d)
	}
	out := make([]sparse.Vector, len(docs))
	w, _ := e.work.Get().(*onnxWork)
	if w == nil {
		w = &onnxWork{}
	}
	defer e.work.Put(w)
	for _, batch := range lengthBatches(lens, e.opts.BatchSize, e.opts.MaxBatchTokens) {
		if err := e.runBatch(w, docs, batch, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

func (e *Encoder) runBatch(w *onnxWork, docs [][]int32, batch []int, out []sparse.Vector) error {
	b, l := len(batch), len(docs[batch[0]])
	n := b * l
	var inputs []ort.Value
	if e.int32In {
		w.ids32, w.mask32, w.types32 = grow(w.ids32, n), grow(w.mask32, n), grow(w.types32, n)
		clear(w.mask32)
		clear(w.types32)
		for r, di := range batch {
			row := w.ids32[r*l : (r+1)*l]
			copy(row, docs[di])
			for k := len(docs[di]); k < l; k++ {
				row[k] = e.pad
			}
			for k := range docs[di] {
				w.mask32[r*l+k] = 1
			}
		}
		for _, d := range [][]int32{w.ids32, w.mask32, w.types32}[:len(e.inputs)] {
			t, err := ort.NewTensor(ort.NewShape(int64(b), int64(l)), d)
			if err != nil {
				return fmt.Errorf("onnx: input tensor: %w", err)
			}
			defer t.Destroy()
			inputs = append(inputs, t)
		}
	} else {
		w.ids, w.mask, w.types = grow(w.ids, n), grow(w.mask, n), grow(w.types, n)
		clear(w.mask)
		clear(w.types)
		for r, di := range batch {
			d := docs[di]
			for k := 0; k < l; k++ {
				id := e.pad
				if k < len(d) {
					id = d[k]
					w.mask[r*l+k] = 1
				}
				w.ids[r*l+k] = int64(id)
			}
		}
		for _, d := range [][]int64{w.ids, w.mask, w.types}[:len(e.inputs)] {
			t, err := ort.NewTensor(ort.NewShape(int64(b), int64(l)), d)
			if err != nil {
				return fmt.Errorf("onnx: input tensor: %w", err)
			}
			defer t.Destroy()
			inputs = append(inputs, t)
		}
	}
	shape := ort.NewShape(int64(b), int64(l), int64(e.vocab))
	if e.pooledOut {
		shape = ort.NewShape(int64(b), int64(e.vocab))
	}
	w.out = grow(w.out, int(shape.FlattenedSize()))
	ot, err := ort.NewTensor(shape, w.out)
	if err != nil {
		return fmt.Errorf("onnx: output tensor: %w", err)
	}
	defer ot.Destroy()
	if err := e.sess.Run(inputs, []ort.Value{ot}); err != nil {
		return fmt.Errorf("onnx: %s: run on batch [%d x %d]: %w", e.path, b, l, err)
	}
	v := e.vocab
	for r, di := range batch {
		if e.pooledOut {
			out[di] = e.opts.Prune.Apply(sparseFromPooled(w.out[r*v:(r+1)*v], e.special, false))
			continue
		}
		w.acc = grow(w.acc, v)
		clear(w.acc)
		maxPoolRows(w.acc, w.out[r*l*v:(r*l+len(docs[di]))*v])
		out[di] = e.opts.Prune.Apply(sparseFromPooled(w.acc, e.special, true))
	}
	return nil
}

// Close releases the ONNX Runtime session. The encoder must not be used after.
func (e *Encoder) Close() error {
	e.closeOnce.Do(func() { e.closeError = e.sess.Destroy() })
	return e.closeError
}
