package collection

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/internal/durable"
)

// Names inside a collection directory.
const (
	ManifestFile = "sparrow.json"
	SparseDir    = "sparse"
	BM25Dir      = "bm25"
	DirtyFile    = "bm25.dirty"
	// DefaultModel is Manifest.Model of the bundled default model.
	DefaultModel = "default"
)

// Manifest says which model encodes the collection's documents.
type Manifest struct {
	Format  int    `json:"format"`
	Model   string `json:"model"`
	Created string `json:"created,omitempty"`
	// Source identifies what Build made the collection from (file, size,
	// modification time, model), so that a rerun of the same build is a
	// no-op; empty for collections made by Create.
	Source string `json:"source,omitempty"`
	// Meta holds what other front ends keep with the collection, by name
	// (package opensearch: "opensearch", the index's mapping), verbatim.
	Meta map[string]json.RawMessage `json:"meta,omitempty"`
	// Analysis, when set, is the collection's text analysis in place of its
	// model's config.json "analysis" (Options.Analysis at creation).
	Analysis *modeldir.Analysis `json:"analysis,omitempty"`
}

// IsCollectionDir reports whether dir looks like a collection directory.
func IsCollectionDir(dir string) bool {
	for _, f := range []string{ManifestFile, SparseDir} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}

// ReadManifest reads dir's manifest. A missing manifest reads as the default
// model (a collection made before manifests carried one); an empty model too.
func ReadManifest(dir string) (Manifest, error) {
	m := Manifest{Format: 1, Model: DefaultModel}
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %v", filepath.Join(dir, ManifestFile), err)
	}
	if m.Model == "" {
		m.Model = DefaultModel
	}
	return m, nil
}

// writeManifest writes dir's manifest durably: a torn manifest would keep
// the collection from opening.
func writeManifest(dir string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return durable.WriteFile(filepath.Join(dir, ManifestFile), append(b, '\n'))
}

// publish renames the complete directory tmp to dir durably: tmp's contents
// are fsynced first and the parent after the rename.
func publish(tmp, dir string) error {
	if err := durable.SyncTree(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	return durable.SyncDir(filepath.Dir(dir))
}

// Temporary siblings of a collection directory DIR/NAME: they start with a
// dot, which no collection name does, so a Catalog never serves them.
func buildingDir(dir string) string { return sibling(dir, ".building") }
func creatingDir(dir string) string { return sibling(dir, ".creating") }
func deletingDir(dir string) string { return sibling(dir, ".deleting") }
func replacedDir(dir string) string { return sibling(dir, ".replaced") }

func sibling(dir, suffix string) string {
	dir = filepath.Clean(dir)
	return filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+suffix)
}
