package collection

import (
	"path/filepath"
	"sync"

	"github.com/sparrow-search/sparrow/encoder"
)

// Models loads each model directory once and shares it: models are
// read-only and safe for concurrent use. The zero value is ready to use.
type Models struct {
	mu     sync.Mutex
	models map[string]*encoder.Model
}

// Load returns the model named by ref: "" or DefaultModel for the bundled
// model, else a model directory (made absolute first).
func (ms *Models) Load(ref string) (*encoder.Model, error) {
	ref, err := modelRef(ref)
	if err != nil {
		return nil, err
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if m, ok := ms.models[ref]; ok {
		return m, nil
	}
	var m *encoder.Model
	if ref == DefaultModel {
		m, err = encoder.LoadDefault()
	} else {
		m, err = encoder.LoadModel(ref)
	}
	if err != nil {
		return nil, err
	}
	if ms.models == nil {
		ms.models = map[string]*encoder.Model{}
	}
	ms.models[ref] = m
	return m, nil
}

// modelRef is the manifest's name for a model: DefaultModel or an absolute
// directory.
func modelRef(ref string) (string, error) {
	if ref == "" || ref == DefaultModel {
		return DefaultModel, nil
	}
	return filepath.Abs(ref)
}
