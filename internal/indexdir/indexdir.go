// Package indexdir is the on-disk layout of one searchable index directory,
// written by `indexer build` and served by searchd:
//
//	sparrow.json  manifest: {"format": 1, "model": "default" | model dir}
//	sparse/       package index (Badger): documents, vectors, postings
//	bm25/         package lexical (bleve) for the bm25 and hybrid modes
//	bm25.dirty    present while bm25/ may lag sparse/ (searchd writes it
//	              before a write and removes it on clean close); bm25/ is
//	              rebuilt from sparse/ when it is present, so sparse/ is the truth.
package indexdir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/lexical"
)

// Names inside an index directory.
const (
	ManifestFile = "sparrow.json"
	SparseDir    = "sparse"
	BM25Dir      = "bm25"
	DirtyFile    = "bm25.dirty"
	DefaultModel = "default" // Manifest.Model of the bundled default model
)

// Manifest says which model encodes the index's documents.
type Manifest struct {
	Format  int    `json:"format"`
	Model   string `json:"model"`
	Created string `json:"created,omitempty"`
}

// IsIndexDir reports whether dir looks like an index directory.
func IsIndexDir(dir string) bool {
	for _, f := range []string{ManifestFile, SparseDir} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}

// ReadManifest reads dir's manifest. A missing manifest reads as the default
// model (an index made before manifests carried one); an empty model too.
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

// WriteManifest writes dir's manifest durably: searchd refuses to start on a
// torn manifest, which a crash after an unsynced rename can leave.
func WriteManifest(dir string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileSync(filepath.Join(dir, ManifestFile), append(b, '\n'))
}

// WriteFileSync writes via a temp file, fsyncs it, renames it into place and
// fsyncs the directory.
func WriteFileSync(path string, data []byte) error {
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
	return SyncDir(filepath.Dir(path))
}

// SyncDir fsyncs a directory, making renames and removals in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// BuildLexical replaces dir's bm25/ with a bleve index of every live document
// of snap (sparse/ is the source of truth).
func BuildLexical(snap *index.Snapshot, dir string, opts lexical.Options) (*lexical.Index, error) {
	path := filepath.Join(dir, BM25Dir)
	if err := os.RemoveAll(path); err != nil {
		return nil, err
	}
	lx, err := lexical.Build(nil, path, opts)
	if err != nil {
		return nil, err
	}
	// Streamed: holding every text at once does not scale to millions of documents.
	err = lx.AddEach(snap.NumDocs(), func(add func(dataset.Doc) error) error {
		return snap.ForEachDocument(func(d index.Document) error {
			return add(dataset.Doc{ID: d.ID, Title: d.Title, Text: d.Text})
		})
	})
	if err != nil {
		lx.Close()
		os.RemoveAll(path)
		return nil, err
	}
	return lx, nil
}
