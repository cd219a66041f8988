package index

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/sparrow-search/sparrow/sparse"
)

// VocabSize bounds token ids: every vector id must lie in [0, VocabSize)
// (the bert-base-uncased WordPiece vocabulary).
const VocabSize = 30522

// WordBase is the first term id of word terms (Document.Words): the index
// numbers the words it has seen WordBase, WordBase+1, ... in the order it
// first sees them (its term dictionary), so word ids never meet WordPiece
// ids. Segments, snapshots and queries use these ids.
const WordBase = VocabSize

// MaxWordBytes bounds a word term's text.
const MaxWordBytes = 256

// maxWords bounds the term dictionary: ids stay int32.
const maxWords = 1<<31 - 1 - WordBase

// MaxIDBytes bounds an external document id.
const MaxIDBytes = 1024

// Document is what the index stores per external id: stored fields and the
// exact (unquantised) sparse vector: WordPiece weights by token id (Vector)
// and word terms by text (Words, ascending by text), which the index maps to
// ids of its own from WordBase on.
type Document struct {
	ID, Title, Text string
	Fields          map[string]string
	Vector          sparse.Vector
	Words           []sparse.Term
	// Length is the document's length in analysed words (BM25's dl); the
	// index sums it over live documents (Snapshot.TotalLength).
	Length uint32
}

// Batch is an ordered list of upserts and deletes applied atomically by
// Index.Apply. Within a batch the last operation on an id wins.
type Batch struct {
	ops  []op
	meta []kv // SetMeta calls, committed with the batch
}

type op struct {
	del bool
	doc Document
}

// Upsert adds or replaces the document with d.ID. The batch keeps d as given
// (it does not copy the vector's slices; don't modify them before Apply).
func (b *Batch) Upsert(d Document) { b.ops = append(b.ops, op{doc: d}) }

// Delete removes the document with this id (a no-op if absent).
func (b *Batch) Delete(id string) { b.ops = append(b.ops, op{del: true, doc: Document{ID: id}}) }

// SetMeta sets a meta key (see Index.SetMeta) in the same atomic commit as
// the batch's documents, e.g. an ingest checkpoint. An empty value deletes.
func (b *Batch) SetMeta(key, value string) {
	b.meta = append(b.meta, kv{[]byte(key), []byte(value)})
}

// Len is the number of operations queued (documents and meta keys).
func (b *Batch) Len() int { return len(b.ops) + len(b.meta) }

// Reset empties the batch for reuse.
func (b *Batch) Reset() { b.ops, b.meta = b.ops[:0], b.meta[:0] }

// validateID checks an external id.
func validateID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("empty document id")
	case len(id) > MaxIDBytes:
		return fmt.Errorf("document id %.40q...: longer than %d bytes", id, MaxIDBytes)
	case !utf8.ValidString(id):
		return fmt.Errorf("document id %q: not valid UTF-8", id)
	}
	return nil
}

// validateDoc checks one upserted document; errors name the id and problem.
func validateDoc(d *Document) error {
	if err := validateID(d.ID); err != nil {
		return err
	}
	if !utf8.ValidString(d.Title) {
		return fmt.Errorf("document %q: title is not valid UTF-8", d.ID)
	}
	if !utf8.ValidString(d.Text) {
		return fmt.Errorf("document %q: text is not valid UTF-8", d.ID)
	}
	for k, v := range d.Fields {
		if k == "" {
			return fmt.Errorf("document %q: empty field name", d.ID)
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("document %q: field %q is not valid UTF-8", d.ID, k)
		}
	}
	if err := validateVector(d.Vector); err != nil {
		return fmt.Errorf("document %q: %w", d.ID, err)
	}
	if err := validateWords(d.Words); err != nil {
		return fmt.Errorf("document %q: %w", d.ID, err)
	}
	return nil
}

// validateWords checks word terms: texts non-empty, valid UTF-8, at most
// MaxWordBytes, strictly ascending; weights finite and non-negative.
func validateWords(ws []sparse.Term) error {
	for i, w := range ws {
		switch {
		case w.Text == "":
			return fmt.Errorf("word %d: empty text", i)
		case len(w.Text) > MaxWordBytes:
			return fmt.Errorf("word %.40q...: longer than %d bytes", w.Text, MaxWordBytes)
		case !utf8.ValidString(w.Text):
			return fmt.Errorf("word %q: not valid UTF-8", w.Text)
		case i > 0 && w.Text <= ws[i-1].Text:
			return fmt.Errorf("word %q: not ascending (previous %q)", w.Text, ws[i-1].Text)
		case !(w.Weight >= 0 && w.Weight <= math.MaxFloat32):
			return fmt.Errorf("word %q: weight %v must be finite and >= 0", w.Text, w.Weight)
		}
	}
	return nil
}

func validateVector(v sparse.Vector) error { return sparse.Validate(v, VocabSize) }
