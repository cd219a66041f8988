package collection

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
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
	return writeFileSync(filepath.Join(dir, ManifestFile), append(b, '\n'))
}

// writeFileSync writes via a temporary file, fsyncs it, renames it into
// place and fsyncs the directory.
func writeFileSync(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// syncDir fsyncs a directory, making renames and removals in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// syncTree fsyncs every file and directory under root (bottom-up), so that a
// rename of root publishes complete contents.
func syncTree(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, path)
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		serr := f.Sync()
		if cerr := f.Close(); serr == nil {
			serr = cerr
		}
		return serr
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := syncDir(dirs[i]); err != nil {
			return err
		}
	}
	return nil
}

// publish renames the complete directory tmp to dir durably: tmp's contents
// are fsynced first and the parent after the rename.
func publish(tmp, dir string) error {
	if err := syncTree(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dir))
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
