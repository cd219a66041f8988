package collection

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/words"
	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/internal/durable"
	"github.com/sparrow-search/sparrow/sparse"
)

// Document is a document as a collection takes and returns it.
type Document struct {
	ID     string
	Title  string
	Text   string
	Fields map[string]string // exact-match filter fields (Filter.Fields)
	// Tokens is a pre-encoded sparse vector by WordPiece token of the
	// collection's model, as OpenSearch's rank_features: nil means encode
	// Title and Text with the model. Get fills it from the stored vector.
	Tokens map[string]float64
}

// Upsert adds or replaces docs as one atomic batch and returns once it is
// durable (fsynced): an acknowledged document survives a crash. Documents
// are encoded before the write lock is taken. A document the collection
// cannot take is an *InputError naming it by position and id; then nothing
// is written.
func (c *Collection) Upsert(ctx context.Context, docs []Document) error {
	if err := c.acquire(); err != nil {
		return err
	}
	defer c.release()
	if c.opts.ReadOnly {
		return ErrReadOnly
	}
	stored, err := c.enc.encode(docs)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.write(stored, nil)
}

// write applies docs (and the meta keys that set sets in the same commit)
// durably to sparse/, then to bm25/, under the write lock.
func (c *Collection) write(docs []index.Document, set func(*index.Batch)) error {
	b := new(index.Batch)
	lexDocs := make([]dataset.Doc, len(docs))
	for i, d := range docs {
		b.Upsert(d)
		lexDocs[i] = dataset.Doc{ID: d.ID, Title: d.Title, Text: d.Text}
	}
	if set != nil {
		set(b)
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.markDirty(); err != nil {
		return err
	}
	if err := c.sparse.Apply(b); err != nil {
		return err
	}
	return c.lex.Apply(lexDocs, nil, lexMark(c.sparse.Snapshot()))
}

// docEncoder turns a collection's documents into stored ones.
type docEncoder struct {
	model    *encoder.Model
	analysis *analysis
	// avgdl is the collection's mean length in words; nil (no collection,
	// as for `indexer encode`) weighs each batch by its own.
	avgdl func() (float64, error)
}

// encode turns docs into stored documents: a given token vector is
// mapped onto the model's vocabulary and its "w:" word terms, the others are
// encoded in one call; with word terms on, every document with text also
// gets its words' BM25 weights (unless its given vector names words
// already), by the collection's mean length (the batch's own while the
// collection is empty).
func (e *docEncoder) encode(docs []Document) ([]index.Document, error) {
	out := make([]index.Document, len(docs))
	terms := make([]docTerms, len(docs))
	var texts []string
	var at []int
	batchLen, batchDocs := 0, 0
	for i, d := range docs {
		out[i] = index.Document{ID: d.ID, Title: d.Title, Text: d.Text, Fields: d.Fields}
		if d.ID == "" {
			return nil, inputErrorf("document %d: empty id", i)
		}
		var givenWords bool
		if d.Tokens != nil {
			v, ws, err := e.vectorFromTokens(d.Tokens, false)
			if err != nil {
				return nil, inputErrorf("document %q: %v", d.ID, err)
			}
			out[i].Vector, out[i].Words, givenWords = v, ws, len(ws) > 0
		}
		var text string // with the model's associated queries, if any
		if !givenWords {
			text = e.model.DocText(d.Title, d.Text)
		}
		if d.Tokens == nil {
			texts = append(texts, text)
			at = append(at, i)
		}
		if !givenWords {
			terms[i] = e.analysis.terms(text)
			out[i].Length = uint32(terms[i].words.Len)
			batchLen += terms[i].words.Len
			batchDocs++
		}
	}
	if len(texts) > 0 {
		vs, err := e.model.Encoder.Encode(texts)
		if err != nil {
			return nil, fmt.Errorf("encoding documents: %w", err)
		}
		for j, i := range at {
			out[i].Vector = vs[j]
		}
	}
	var avgdl float64
	if e.avgdl != nil {
		var err error
		if avgdl, err = e.avgdl(); err != nil {
			return nil, err
		}
	}
	if avgdl <= 0 && batchDocs > 0 {
		avgdl = float64(batchLen) / float64(batchDocs)
	}
	for i := range out {
		if out[i].Words == nil {
			out[i].Words = e.analysis.weigh(terms[i], avgdl)
		}
	}
	return out, nil
}

// avgLength is the live documents' mean length in words (0 when empty).
func (c *Collection) avgLength() (float64, error) {
	st, err := c.sparse.Snapshot().TermStats()
	if err != nil {
		return 0, err
	}
	return st.AvgLength(), nil
}

// vectorFromTokens maps a {token: weight} vector onto the model's ids and
// its word terms ("w:flow", ascending by text). Every weight must pass
// CheckWeight. A document vector left without a non-zero weight is refused
// (it could never match); a query's may be empty (query true).
func (e *docEncoder) vectorFromTokens(tokens map[string]float64, query bool) (sparse.Vector, []sparse.Term, error) {
	if err := checkTokens(tokens); err != nil {
		return sparse.Vector{}, nil, err
	}
	pieces := tokens
	var ws []sparse.Term
	for t := range tokens {
		if words.IsTerm(t) {
			pieces = nil
			break
		}
	}
	if pieces == nil { // split off the word terms
		pieces = make(map[string]float64, len(tokens))
		for t, w := range tokens {
			switch {
			case !words.IsTerm(t):
				pieces[t] = w
			case w > 0:
				ws = append(ws, sparse.Term{Text: strings.TrimPrefix(t, words.Prefix), Weight: float32(w)})
			}
		}
		slices.SortFunc(ws, func(a, b sparse.Term) int { return cmp.Compare(a.Text, b.Text) })
	}
	v, err := encoder.VectorFromTokens(e.model.Tokenizer, pieces)
	if err != nil {
		return v, nil, err
	}
	if !query && v.Len() == 0 && len(ws) == 0 {
		return v, nil, fmt.Errorf("the vector has no non-zero weight")
	}
	return v, ws, nil
}

// Delete removes the document with this id durably; it reports false when
// there was none (and writes nothing).
func (c *Collection) Delete(ctx context.Context, id string) (bool, error) {
	if err := c.acquire(); err != nil {
		return false, err
	}
	defer c.release()
	if c.opts.ReadOnly {
		return false, ErrReadOnly
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if _, _, ok := c.sparse.Snapshot().Lookup(id); !ok {
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := c.markDirty(); err != nil {
		return false, err
	}
	b := new(index.Batch)
	b.Delete(id)
	if err := c.sparse.Apply(b); err != nil {
		return false, err
	}
	return true, c.lex.Apply(nil, []string{id}, lexMark(c.sparse.Snapshot()))
}

// Get returns the stored document with this id, its vector as Tokens.
func (c *Collection) Get(id string) (Document, bool, error) {
	if err := c.acquire(); err != nil {
		return Document{}, false, err
	}
	defer c.release()
	d, found, err := c.sparse.Get(id)
	if err != nil || !found {
		return Document{}, false, err
	}
	return c.document(&d), true, nil
}

// document is a stored document as the collection returns it: its vector
// as Tokens, word terms under "w:".
func (c *Collection) document(d *index.Document) Document {
	out := Document{ID: d.ID, Title: d.Title, Text: d.Text, Fields: d.Fields, Tokens: make(map[string]float64, d.Vector.Len()+len(d.Words))}
	for i, tid := range d.Vector.IDs {
		out.Tokens[c.model.Tokenizer.Token(tid)] = float64(d.Vector.Weights[i])
	}
	for _, w := range d.Words {
		out.Tokens[words.Prefix+w.Text] = float64(w.Weight)
	}
	return out
}

// ForEach calls fn with every live document of one snapshot, in storage
// order, as Get returns them; an error from fn or from reading a record
// stops the walk and is returned.
func (c *Collection) ForEach(fn func(Document) error) error {
	if err := c.acquire(); err != nil {
		return err
	}
	defer c.release()
	return c.sparse.Snapshot().ForEachDocument(func(d index.Document) error { return fn(c.document(&d)) })
}

// markDirty records, durably and before a write, that bm25/ may lag sparse/
// until the next clean close (bleve persists asynchronously): a crash then
// makes Open rebuild bm25/. Callers hold writeMu.
func (c *Collection) markDirty() error {
	if c.dirty || c.dir == "" {
		return nil
	}
	if err := durable.WriteFile(filepath.Join(c.dir, DirtyFile), []byte("bm25/ may lag sparse/; rebuilt on open\n")); err != nil {
		return err
	}
	c.dirty = true
	return nil
}
