package collection

import (
	"strconv"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/index"
)

// bm25/ mirrors sparse/; every write to it carries the sparse snapshot's
// watermark as its mark (lexical.Index.Apply), so after an unclean stop
// openLexical catches bm25/ up (lexical.Index.CatchUp: only the documents
// written after the mark, plus ids to delete or missing) instead of
// rebuilding it.

// lexMark is the mark of a sparse snapshot.
func lexMark(s *index.Snapshot) string { return strconv.FormatUint(s.Watermark(), 10) }

// snapshotSource presents a sparse snapshot as lexical.Source.
type snapshotSource struct{ s *index.Snapshot }

func (src snapshotSource) Mark() string { return lexMark(src.s) }

func (src snapshotSource) Since(mark string, fn func(dataset.Doc) error) error {
	w, err := strconv.ParseUint(mark, 10, 64)
	if err != nil {
		return err
	}
	return src.s.ForEachDocumentSince(w, func(d index.Document) error { return fn(lexDoc(d)) })
}

func (src snapshotSource) Has(id string) bool {
	_, _, ok := src.s.Lookup(id)
	return ok
}

func (src snapshotSource) Get(id string) (dataset.Doc, bool, error) {
	v, doc, ok := src.s.Lookup(id)
	if !ok {
		return dataset.Doc{}, false, nil
	}
	d, err := src.s.Document(v, doc)
	return lexDoc(d), err == nil, err
}

func (src snapshotSource) ForEachID(fn func(string) error) error {
	for vi, v := range src.s.Views() {
		for doc := uint32(0); int(doc) < v.Segment.NumDocs(); doc++ {
			if v.Live != nil && !v.Live.Contains(doc) {
				continue
			}
			id, err := src.s.ID(vi, doc)
			if err != nil {
				return err
			}
			if err := fn(id); err != nil {
				return err
			}
		}
	}
	return nil
}

func lexDoc(d index.Document) dataset.Doc { return dataset.Doc{ID: d.ID, Title: d.Title, Text: d.Text} }
