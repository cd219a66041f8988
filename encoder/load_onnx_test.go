//go:build cgo

package encoder

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/onnx"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// A directory naming an ONNX architecture loads through LoadModel into the
// ONNX back end, with config.json's options (here pruning) applied.
func TestLoadModelONNX(t *testing.T) {
	if _, _, err := onnx.RuntimeAvailable(); errors.Is(err, onnx.ErrRuntimeMissing) {
		t.Skipf("skipping ONNX Runtime test: %v", err)
	}
	for _, arch := range []string{"bert", "distilbert"} {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			fixture := filepath.Join("onnx", "testdata", arch)
			dir := t.TempDir()
			abs, err := filepath.Abs(filepath.Join(fixture, modeldir.ONNXFile))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(abs, filepath.Join(dir, modeldir.ONNXFile)); err != nil {
				t.Fatal(err)
			}
			cfg := `{"architecture": "` + map[string]string{"bert": modeldir.ArchBertMLM, "distilbert": modeldir.ArchDistilBertMLM}[arch] +
				`", "vocab_size": 30522, "max_length": 128, "prune_type": "top_k", "prune_ratio": 7}`
			for name, data := range map[string][]byte{modeldir.ConfigFile: []byte(cfg), modeldir.VocabFile: wordpiece.DefaultTokenizer().VocabBytes(), modeldir.IDFFile: []byte(`{"apple": 2.5}`)} {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			m, err := LoadModel(dir)
			if err != nil {
				t.Fatal(err)
			}
			e, ok := m.Encoder.(*onnx.Encoder)
			if !ok {
				t.Fatalf("encoder is %T", m.Encoder)
			}
			if p := e.Options().Prune; p != (onnx.Prune{Type: onnx.PruneTopK, Ratio: 7}) {
				t.Fatalf("prune %v", p)
			}
			v, err := m.Encoder.Encode([]string{"a protein folds", ""})
			if err != nil || len(v) != 2 || v[0].Len() > 7 {
				t.Fatalf("encode: %v %v", v, err)
			}
			// Model.Close reaches the ONNX session; a second Close is harmless.
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
