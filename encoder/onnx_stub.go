//go:build !cgo

package encoder

import "errors"

// errNoCgo explains why the ONNX backend is unavailable in this build.
var errNoCgo = errors.New("onnx: this binary was built without cgo (CGO_ENABLED=0); the ONNX Runtime backend needs cgo: rebuild with CGO_ENABLED=1 and a C compiler")

// ONNXRuntimeAvailable reports that ONNX Runtime cannot be used without cgo.
func ONNXRuntimeAvailable() (lib, version string, err error) { return "", "", errNoCgo }

// OpenONNX always fails without cgo; see the cgo build for the backend.
func OpenONNX(dir string, cfg Config, tok *Tokenizer, opts ONNXOptions) (Encoder, error) {
	return nil, errNoCgo
}
