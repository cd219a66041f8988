//go:build !cgo

package encoder

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Without cgo the ONNX architectures stay registered and fail with a clear
// message instead of breaking the build.
func TestONNXWithoutCgo(t *testing.T) {
	if _, _, err := ONNXRuntimeAvailable(); !errors.Is(err, errNoCgo) {
		t.Fatalf("got %v", err)
	}
	dir := t.TempDir()
	vocab, err := os.ReadFile("vocab.txt")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		ConfigFile: []byte(`{"architecture": "DistilBertForMaskedLM", "vocab_size": 30522, "max_length": 128}`),
		VocabFile:  vocab,
		IDFFile:    []byte(`{"apple": 1}`),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := LoadModel(dir); err == nil || !strings.Contains(err.Error(), "cgo") {
		t.Fatalf("LoadModel: %v", err)
	}
}
