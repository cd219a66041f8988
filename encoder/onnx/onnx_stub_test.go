//go:build !cgo

package onnx

import (
	"errors"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// Without cgo the backend builds and fails with a clear message (encoder's
// TestLoadModelONNXWithoutCgo checks LoadModel's side).
func TestONNXWithoutCgo(t *testing.T) {
	if _, _, err := RuntimeAvailable(); !errors.Is(err, errNoCgo) {
		t.Fatalf("got %v", err)
	}
	cfg := modeldir.Config{Architecture: modeldir.ArchDistilBertMLM, VocabSize: 30522, MaxLength: 128}
	if e, err := Open(t.TempDir(), cfg, wordpiece.DefaultTokenizer(), Options{}); e != nil || !errors.Is(err, errNoCgo) {
		t.Fatalf("Open: %v %v", e, err)
	}
}
