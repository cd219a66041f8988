package onnx

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/sparse"
)

// RuntimeLibEnv names the environment variable that points at the ONNX Runtime
// shared library; without it the library is looked up at RuntimeDefaultLib below
// the repository root (where scripts/fetch-onnxruntime.sh puts it).
const RuntimeLibEnv = "SPARROW_ORT_LIB"

// RuntimeDefaultLib is where scripts/fetch-onnxruntime.sh installs the library,
// relative to the repository root.
const RuntimeDefaultLib = ".cache/onnxruntime/libonnxruntime.so.1"

// Options tune the ONNX Runtime backend. The zero value means defaults.
type Options struct {
	// File is the graph file inside the model directory. Default "model.onnx".
	File string
	// MaxLength truncates documents to this many tokens including [CLS] and
	// [SEP]. Default: config.json "max_length", else
	// "max_position_embeddings", else 512.
	MaxLength int
	// BatchSize caps documents per ONNX Runtime call. Default 32.
	BatchSize int
	// MaxBatchTokens caps batch size x padded length per call, which bounds
	// the [batch, seq, vocab] logits buffer (4 x 30522 bytes per token:
	// 2048 tokens = 250 MB). Default 2048.
	MaxBatchTokens int
	// Threads is ONNX Runtime's intra-op thread count. Default 0: ONNX
	// Runtime's own default (one per physical core).
	Threads int
	// Prune is applied to every document vector (OpenSearch semantics).
	// Default none.
	Prune Prune
	// KeepSpecial keeps the weights of [CLS], [SEP], [PAD], [UNK] and [MASK].
	// Default false: they are zeroed, as the OpenSearch doc models' reference
	// code does.
	KeepSpecial bool
}

func (o Options) withDefaults(cfg modeldir.Config) Options {
	if o.File == "" {
		o.File = modeldir.ONNXFile
	}
	if o.MaxLength <= 0 {
		o.MaxLength = cfg.MaxLength
	}
	if o.MaxLength <= 0 {
		var mp int
		if raw, ok := cfg.Extra["max_position_embeddings"]; ok && json.Unmarshal(raw, &mp) == nil && mp > 0 {
			o.MaxLength = mp
		}
	}
	if o.MaxLength <= 0 {
		o.MaxLength = 512
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 32
	}
	if o.MaxBatchTokens <= 0 {
		o.MaxBatchTokens = 2048
	}
	if o.Prune.Type == "" {
		o.Prune.Type = PruneNone
	}
	return o
}

// onnxConfigKeys are the config.json keys OptionsFromConfig reads (all
// optional): "onnx_file", "batch_size", "max_batch_tokens", "threads",
// "prune_type", "prune_ratio", "keep_special_tokens".
type onnxConfigKeys struct {
	File           *string  `json:"onnx_file"`
	BatchSize      *int     `json:"batch_size"`
	MaxBatchTokens *int     `json:"max_batch_tokens"`
	Threads        *int     `json:"threads"`
	PruneType      *string  `json:"prune_type"`
	PruneRatio     *float64 `json:"prune_ratio"`
	KeepSpecial    *bool    `json:"keep_special_tokens"`
}

// OptionsFromConfig reads the backend's optional keys from config.json
// (cfg.Extra). Unset keys keep their defaults.
func OptionsFromConfig(cfg modeldir.Config) (Options, error) {
	var o Options
	var k onnxConfigKeys
	for name, raw := range cfg.Extra {
		var err error
		switch name {
		case "onnx_file":
			err = json.Unmarshal(raw, &k.File)
		case "batch_size":
			err = json.Unmarshal(raw, &k.BatchSize)
		case "max_batch_tokens":
			err = json.Unmarshal(raw, &k.MaxBatchTokens)
		case "threads":
			err = json.Unmarshal(raw, &k.Threads)
		case "prune_type":
			err = json.Unmarshal(raw, &k.PruneType)
		case "prune_ratio":
			err = json.Unmarshal(raw, &k.PruneRatio)
		case "keep_special_tokens":
			err = json.Unmarshal(raw, &k.KeepSpecial)
		default:
			continue
		}
		if err != nil {
			return o, fmt.Errorf("onnx: config.json %q: %w", name, err)
		}
	}
	if k.File != nil {
		f := *k.File
		if f == "" || filepath.IsAbs(f) || strings.Contains(filepath.ToSlash(f), "..") {
			return o, fmt.Errorf("onnx: config.json \"onnx_file\" %q must be a file name inside the model directory", f)
		}
		o.File = f
	}
	for _, f := range []struct {
		name string
		p    *int
		dst  *int
	}{{"batch_size", k.BatchSize, &o.BatchSize}, {"max_batch_tokens", k.MaxBatchTokens, &o.MaxBatchTokens}, {"threads", k.Threads, &o.Threads}} {
		if f.p == nil {
			continue
		}
		if *f.p < 0 {
			return o, fmt.Errorf("onnx: config.json %q %d must not be negative", f.name, *f.p)
		}
		*f.dst = *f.p
	}
	if k.PruneType != nil {
		o.Prune.Type = PruneType(*k.PruneType)
	}
	if k.PruneRatio != nil {
		o.Prune.Ratio = *k.PruneRatio
	}
	if k.PruneRatio != nil && k.PruneType == nil {
		return o, fmt.Errorf("onnx: config.json has \"prune_ratio\" but no \"prune_type\"")
	}
	if err := o.Prune.Validate(); err != nil {
		return o, fmt.Errorf("onnx: config.json: %w", err)
	}
	if k.KeepSpecial != nil {
		o.KeepSpecial = *k.KeepSpecial
	}
	return o, nil
}

// ErrRuntimeMissing is wrapped by errors about a missing ONNX Runtime library.
var ErrRuntimeMissing = errors.New("onnx: ONNX Runtime library not found")

// RuntimeLibraryPath finds the ONNX Runtime shared library: $SPARROW_ORT_LIB if
// set, else RuntimeDefaultLib below the first directory, walking up from the
// working directory and then from the executable's, that has it.
func RuntimeLibraryPath() (string, error) {
	if p := os.Getenv(RuntimeLibEnv); p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return "", fmt.Errorf("%w at %s (from $%s); run scripts/fetch-onnxruntime.sh or fix $%s", ErrRuntimeMissing, p, RuntimeLibEnv, RuntimeLibEnv)
		}
		return p, nil
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, s := range starts {
		for d := s; ; {
			p := filepath.Join(d, filepath.FromSlash(RuntimeDefaultLib))
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
			up := filepath.Dir(d)
			if up == d {
				break
			}
			d = up
		}
	}
	want := filepath.FromSlash(RuntimeDefaultLib)
	if len(starts) > 0 {
		want = filepath.Join(repoRootFrom(starts[0]), want)
	}
	return "", fmt.Errorf("%w at %s (or $%s); run scripts/fetch-onnxruntime.sh", ErrRuntimeMissing, want, RuntimeLibEnv)
}

// repoRootFrom is the nearest directory at or above dir holding go.mod, else dir.
func repoRootFrom(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return dir
		}
		d = up
	}
}

// maxPoolRows folds rows (each of len(acc)) into acc with max. acc starts at
// zero, which equals max(logits * mask) followed by ReLU. Two rows per pass,
// unrolled by four: 1.5x faster than the plain loop.
func maxPoolRows(acc []float32, rows []float32) {
	v := len(acc)
	n := len(rows) / v
	t := 0
	for ; t+1 < n; t += 2 {
		a := acc[:v]
		r0 := rows[t*v : (t+1)*v][:v]
		r1 := rows[(t+1)*v : (t+2)*v][:v]
		j := 0
		for ; j+4 <= v; j += 4 {
			x0, x1, x2, x3 := a[j], a[j+1], a[j+2], a[j+3]
			x0 = max2(x0, r0[j], r1[j])
			x1 = max2(x1, r0[j+1], r1[j+1])
			x2 = max2(x2, r0[j+2], r1[j+2])
			x3 = max2(x3, r0[j+3], r1[j+3])
			a[j], a[j+1], a[j+2], a[j+3] = x0, x1, x2, x3
		}
		for ; j < v; j++ {
			a[j] = max2(a[j], r0[j], r1[j])
		}
	}
	if t < n {
		a := acc[:v]
		r := rows[t*v : (t+1)*v][:v]
		for j := range a {
			if r[j] > a[j] {
				a[j] = r[j]
			}
		}
	}
}

// max2 is max(x, p, q) by comparisons (the builtin max's NaN handling is
// slower here; logits are never NaN in a working graph).
func max2(x, p, q float32) float32 {
	if p > x {
		x = p
	}
	if q > x {
		x = q
	}
	return x
}

// sparseFromPooled turns pooled, ReLU'd activations into a sparse vector:
// w = log(1 + x) in float32 (as the PyTorch reference computes it), special
// ids dropped, zeros dropped. activate=false takes x as the weight (graphs
// that already pool).
func sparseFromPooled(x []float32, special []bool, activate bool) sparse.Vector {
	var v sparse.Vector
	n := 0
	for j, a := range x {
		if a > 0 && (j >= len(special) || !special[j]) {
			n++
		}
	}
	v.IDs = make([]int32, 0, n)
	v.Weights = make([]float32, 0, n)
	for j, a := range x {
		if !(a > 0) || (j < len(special) && special[j]) {
			continue
		}
		w := a
		if activate {
			w = float32(math.Log(float64(1 + a)))
		}
		if w > 0 {
			v.IDs = append(v.IDs, int32(j))
			v.Weights = append(v.Weights, w)
		}
	}
	return v
}

// docIDs builds [CLS] text-ids [SEP], truncated to maxLen tokens in all.
func docIDs(dst []int32, tok *wordpiece.Tokenizer, text string, cls, sep int32, maxLen int) []int32 {
	dst = append(dst[:0], cls)
	dst = tok.AppendIDs(dst, text)
	if len(dst) > maxLen-1 {
		dst = dst[:maxLen-1]
	}
	return append(dst, sep)
}

// lengthBatches groups documents (by index) into batches of similar length:
// longest first, at most batchSize documents and maxTokens padded tokens each
// (always at least one document).
func lengthBatches(lens []int, batchSize, maxTokens int) [][]int {
	order := make([]int, len(lens))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return lens[order[a]] > lens[order[b]] })
	var out [][]int
	for s := 0; s < len(order); {
		l := lens[order[s]]
		e := s + 1
		for e < len(order) && e-s < batchSize && (e-s+1)*l <= maxTokens {
			e++
		}
		out = append(out, order[s:e])
		s = e
	}
	return out
}
