//go:build !cgo

package onnx

import (
	"errors"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/sparse"
)

// errNoCgo explains why the ONNX backend is unavailable in this build.
var errNoCgo = errors.New("onnx: this binary was built without cgo (CGO_ENABLED=0); the ONNX Runtime backend needs cgo: rebuild with CGO_ENABLED=1 and a C compiler")

// RuntimeAvailable reports that ONNX Runtime cannot be used without cgo.
func RuntimeAvailable() (lib, version string, err error) { return "", "", errNoCgo }

// Encoder is the ONNX Runtime encoder, which a build without cgo cannot make.
type Encoder struct{}

// Open always fails without cgo; see the cgo build for the backend.
func Open(dir string, cfg modeldir.Config, tok *wordpiece.Tokenizer, opts Options) (*Encoder, error) {
	return nil, errNoCgo
}

// Encode is unreachable: Open never returns an Encoder without cgo.
func (e *Encoder) Encode(texts []string) ([]sparse.Vector, error) { return nil, errNoCgo }

// Close is unreachable: Open never returns an Encoder without cgo.
func (e *Encoder) Close() error { return nil }
