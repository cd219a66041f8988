//go:build !cgo

package encoder

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// Without cgo the ONNX architectures still load as far as the back end and
// fail with a message saying why, instead of breaking the build.
func TestLoadModelONNXWithoutCgo(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		modeldir.ConfigFile: []byte(`{"architecture": "DistilBertForMaskedLM", "vocab_size": 30522, "max_length": 128}`),
		modeldir.VocabFile:  wordpiece.DefaultTokenizer().VocabBytes(),
		modeldir.IDFFile:    []byte(`{"apple": 1}`),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := LoadModel(dir); err == nil || !strings.Contains(err.Error(), "cgo") {
		t.Fatalf("LoadModel: %v", err)
	}
}
