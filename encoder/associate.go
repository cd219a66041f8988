package encoder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
)

// Associations is query association (Scholer and Williams, "Query
// association for effective retrieval", CIKM 2002): the text of training
// queries, kept beside the documents judged relevant to them and added to
// those documents' text when they are encoded, so that later queries worded
// like the training ones reach them. It is fitted on a train split's qrels
// (distill) and applies only to the very documents it was fitted on: a
// document is named by DocKey of its text, so a different or edited
// document gains nothing. The query side stays inference-free.
type Associations struct {
	// Queries holds each distinct training query's text once.
	Queries []string
	// Docs maps DocKey(DocText(title, text)) to indexes into Queries; an
	// index appears once per grade of the judgment (a grade-2 query twice).
	Docs map[uint64][]int32
}

// maxAssociationRefs bounds one document's query references when a file is
// read (a corrupt count must not allocate without limit).
const maxAssociationRefs = 1 << 20

// DocKey names a document by its text (DocText of its title and body):
// 64-bit FNV-1a, which is what an associations file is keyed by.
func DocKey(docText string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(docText))
	return h.Sum64()
}

// Text returns docText followed by the text of the queries associated with
// it (each as often as it is listed), or docText alone when it has none.
func (a *Associations) Text(docText string) string {
	refs := a.Docs[DocKey(docText)]
	if len(refs) == 0 {
		return docText
	}
	n := len(docText)
	for _, q := range refs {
		n += 1 + len(a.Queries[q])
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(docText)
	for _, q := range refs {
		b.WriteByte(' ')
		b.WriteString(a.Queries[q])
	}
	return b.String()
}

// Validate reports the first problem: an empty query, a document without
// queries or with more than maxAssociationRefs, an index out of range.
func (a *Associations) Validate() error {
	for i, q := range a.Queries {
		if strings.TrimSpace(q) == "" {
			return fmt.Errorf("query %d is empty", i)
		}
	}
	for k, refs := range a.Docs {
		if len(refs) == 0 || len(refs) > maxAssociationRefs {
			return fmt.Errorf("document %016x: %d queries (want 1..%d)", k, len(refs), maxAssociationRefs)
		}
		for _, q := range refs {
			if q < 0 || int(q) >= len(a.Queries) {
				return fmt.Errorf("document %016x: query %d outside the %d queries", k, q, len(a.Queries))
			}
		}
	}
	return nil
}

// associationsFile is AssociationsFile's JSON: document keys as 16 hex
// digits (JSON objects sort them, so the file is deterministic).
type associationsFile struct {
	Queries   []string           `json:"queries"`
	Documents map[string][]int32 `json:"documents"`
}

// EncodeAssociations returns a's file contents.
func EncodeAssociations(a *Associations) ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("encoder: associations: %w", err)
	}
	f := associationsFile{Queries: a.Queries, Documents: make(map[string][]int32, len(a.Docs))}
	for k, refs := range a.Docs {
		f.Documents[fmt.Sprintf("%016x", k)] = refs
	}
	b, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// DecodeAssociations parses an associations file and checks it against
// config.json's counts (cfg; nil checks nothing beyond the file itself).
func DecodeAssociations(data []byte, cfg *modeldir.AssociationsConfig) (*Associations, error) {
	var f associationsFile
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON object")
	}
	a := &Associations{Queries: f.Queries, Docs: make(map[uint64][]int32, len(f.Documents))}
	for k, refs := range f.Documents {
		key, err := strconv.ParseUint(k, 16, 64)
		if err != nil || len(k) != 16 || strings.ToLower(k) != k {
			return nil, fmt.Errorf("document key %q: want 16 lower-case hex digits", k)
		}
		a.Docs[key] = refs
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if cfg != nil && (cfg.Documents != len(a.Docs) || cfg.Queries != len(a.Queries)) {
		return nil, fmt.Errorf("%d documents and %d queries, config.json says %d and %d", len(a.Docs), len(a.Queries), cfg.Documents, cfg.Queries)
	}
	return a, nil
}

// WriteAssociations writes dir's associations file (modeldir.AssociationsFile)
// and returns the config.json entry that goes with it.
func WriteAssociations(dir string, a *Associations) (*modeldir.AssociationsConfig, error) {
	b, err := EncodeAssociations(a)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, modeldir.AssociationsFile), b, 0o644); err != nil {
		return nil, err
	}
	return a.Config(), nil
}

// Config is the config.json entry that names a's file.
func (a *Associations) Config() *modeldir.AssociationsConfig {
	return &modeldir.AssociationsConfig{Documents: len(a.Docs), Queries: len(a.Queries)}
}

func openAssociations(fsys fs.FS, display string, cfg *modeldir.AssociationsConfig) (*Associations, error) {
	b, err := readModelFile(fsys, display, modeldir.AssociationsFile)
	if err != nil {
		return nil, err
	}
	a, err := DecodeAssociations(b, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path.Join(display, modeldir.AssociationsFile), err)
	}
	return a, nil
}
