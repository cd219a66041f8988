package lexical

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/standard" // registers "standard"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/en"           // registers "en"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/internal/progress"
	"github.com/sparrow-search/sparrow/sparse"
)

// Field layouts (Options.Fields).
const (
	// FieldsJoined indexes encoder.DocText(title, text) as one field "text",
	// the way every other Sparrow component sees a document.
	FieldsJoined = "joined"
	// FieldsSeparate indexes "title" and "text" as two fields and queries
	// both; each field has its own BM25 length statistics.
	FieldsSeparate = "separate"
)

// Options configures an index. The zero value gives the defaults.
type Options struct {
	// Analyzer is a bleve analyzer name. "standard": Unicode word
	// segmentation, lower-casing, English stop words. "en" (default):
	// additionally possessive stripping and Porter stemming (close to
	// Lucene's EnglishAnalyzer, which Pyserini's BEIR baselines use). "en"
	// won on SciFact train queries (NDCG@10 0.687 vs 0.660; docs/RESULTS.md).
	Analyzer string
	// BatchSize is the number of documents per bleve batch. Default 1000.
	BatchSize int
	// Progress receives a progress bar while documents are indexed; nil = none.
	Progress io.Writer
	// Fields is FieldsJoined (default) or FieldsSeparate. Joined won on
	// SciFact train queries (NDCG@10 0.687 vs 0.621 with "en").
	Fields string
}

// DefaultAnalyzer is the analyzer used when Options.Analyzer is empty.
const DefaultAnalyzer = "en"

func (o Options) withDefaults() Options {
	if o.Analyzer == "" {
		o.Analyzer = DefaultAnalyzer
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.Fields == "" {
		o.Fields = FieldsJoined
	}
	return o
}

func (o Options) validate() error {
	if o.Analyzer != "standard" && o.Analyzer != "en" {
		return fmt.Errorf("lexical: unknown analyzer %q (want \"standard\" or \"en\")", o.Analyzer)
	}
	if o.Fields != FieldsJoined && o.Fields != FieldsSeparate {
		return fmt.Errorf("lexical: unknown fields layout %q (want %q or %q)", o.Fields, FieldsJoined, FieldsSeparate)
	}
	return nil
}

// Hit is one search result (package sparse's shared hit type).
type Hit = sparse.Hit

// Index is a bleve BM25 index of dataset documents. Search is safe for
// concurrent use; Add and Delete may run concurrently with searches.
type Index struct {
	bi       bleve.Index
	opts     Options
	analyzer analysis.Analyzer
	fields   []string
	dir      string // on-disk index directory; "" in memory
	writable bool   // Close seals dir (see SealFile)
	sealed   bool   // Open found root.bolt as its seal says
}

// optionsKey stores the persistent part of Options inside the index, so Open
// can query it the way it was built.
var optionsKey = []byte("sparrow.lexical.options")

type storedOptions struct {
	Analyzer string `json:"analyzer"`
	Fields   string `json:"fields"`
}

func newMapping(o Options) *mapping.IndexMappingImpl {
	m := bleve.NewIndexMapping()
	m.ScoringModel = "bm25" // bleve's BM25 (k1=1.2, b=0.75: search.BM25_k1/BM25_b)
	m.DefaultAnalyzer = o.Analyzer
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	doc := bleve.NewDocumentStaticMapping()
	for _, f := range fieldNames(o.Fields) {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = o.Analyzer
		fm.Store = false
		fm.IncludeInAll = false
		fm.IncludeTermVectors = false
		fm.DocValues = false
		doc.AddFieldMappingsAt(f, fm)
	}
	m.DefaultMapping = doc
	return m
}

func fieldNames(layout string) []string {
	if layout == FieldsSeparate {
		return []string{"title", "text"}
	}
	return []string{"text"}
}

// Build creates an index of docs at path (a new directory, scorch on disk),
// or in memory when path is "". On error the directory it created is removed,
// so the build can be retried at the same path.
func Build(docs []dataset.Doc, path string, opts Options) (ix *Index, err error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if path != "" {
		if _, err := os.Stat(path); err == nil {
			return nil, fmt.Errorf("lexical: %s already exists", path)
		}
	}
	bi, err := bleve.NewUsing(path, newMapping(opts), scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("lexical: create index: %w", err)
	}
	if path != "" {
		defer func() {
			if err != nil {
				os.RemoveAll(path)
			}
		}()
	}
	so, _ := json.Marshal(storedOptions{Analyzer: opts.Analyzer, Fields: opts.Fields})
	if err := bi.SetInternal(optionsKey, so); err != nil {
		bi.Close()
		return nil, fmt.Errorf("lexical: %w", err)
	}
	ix, err = wrap(bi, opts)
	if err != nil {
		bi.Close()
		return nil, err
	}
	ix.dir, ix.writable = path, path != ""
	if err := ix.Add(docs); err != nil {
		ix.Close()
		return nil, err
	}
	return ix, nil
}

// ErrCorrupt is matched (errors.Is) by Open's error when the on-disk index
// is damaged or incomplete: a creation torn by a crash (bleve's metadata or
// mapping cut short), a segment failing its checksum, unreadable stored
// options. The index holds nothing that is not in the sparse store, so the
// remedy is to rebuild it from there.
var ErrCorrupt = errors.New("lexical: damaged index")

// Open opens an on-disk index made by Build. It never panics on damaged
// files: a missing index is an error matching fs.ErrNotExist, a damaged one
// an error matching ErrCorrupt. Before bleve starts its background merger
// on the files, Open checks them read-only (see Check), so a damaged
// segment is reported rather than read.
func Open(path string) (*Index, error) { return openChecked(path, nil) }

// openChecked runs Check, then opens path with bleve's config and wraps it;
// a writable open first removes the seal (see SealFile).
func openChecked(path string, config map[string]any) (*Index, error) {
	info, err := Check(path)
	if err != nil {
		return nil, err
	}
	writable := config["read_only"] != true
	if writable {
		if err := breakSeal(path); err != nil {
			return nil, err
		}
	}
	bi, err := openBleve(path, config)
	if err != nil {
		return nil, err
	}
	ix, err := wrapStored(bi, path)
	if err != nil {
		bi.Close()
		return nil, err
	}
	ix.dir, ix.writable, ix.sealed = path, writable, info.Sealed
	return ix, nil
}

// openBleve opens path, turning a panic inside bleve or bolt on damaged
// files into an error matching ErrCorrupt.
func openBleve(path string, config map[string]any) (bi bleve.Index, err error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("lexical: open %s: %w", path, err)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			bi, err = nil, corruptf(path, "bleve panicked: %v", r)
		}
	}()
	bi, err = bleve.OpenUsing(path, config)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, fmt.Errorf("lexical: open %s: %w", path, err)
		}
		return nil, corruptf(path, "%v", err)
	}
	return bi, nil
}

func corruptf(path, format string, a ...any) error {
	msg := strings.ReplaceAll(fmt.Sprintf(format, a...), "\n", " ")
	if len(msg) > 500 {
		msg = msg[:500] + "..."
	}
	return fmt.Errorf("%w: %s: %s (rebuild it from the sparse store)", ErrCorrupt, path, msg)
}

// wrapStored reads the stored options and wraps bi.
func wrapStored(bi bleve.Index, path string) (*Index, error) {
	raw, err := bi.GetInternal(optionsKey)
	if err != nil || len(raw) == 0 {
		return nil, corruptf(path, "not a Sparrow lexical index (no stored options)")
	}
	var so storedOptions
	if err := json.Unmarshal(raw, &so); err != nil {
		return nil, corruptf(path, "stored options: %v", err)
	}
	ix, err := wrap(bi, Options{Analyzer: so.Analyzer, Fields: so.Fields}.withDefaults())
	if err != nil {
		return nil, corruptf(path, "%v", err)
	}
	return ix, nil
}

func wrap(bi bleve.Index, opts Options) (*Index, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	a := bi.Mapping().AnalyzerNamed(opts.Analyzer)
	if a == nil {
		return nil, fmt.Errorf("lexical: analyzer %q not available", opts.Analyzer)
	}
	return &Index{bi: bi, opts: opts, analyzer: a, fields: fieldNames(opts.Fields)}, nil
}

// Options returns the index's options (analyzer and fields as stored).
func (ix *Index) Options() Options { return ix.opts }

// Add indexes docs in batches (replacing documents with the same id).
func (ix *Index) Add(docs []dataset.Doc) error {
	return ix.AddEach(len(docs), func(add func(dataset.Doc) error) error {
		for _, d := range docs {
			if err := add(d); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddEach indexes the documents that each passes to add, in batches, without
// holding them all (total sizes the progress bar; it may be 0).
func (ix *Index) AddEach(total int, each func(add func(dataset.Doc) error) error) error {
	return ix.apply(total, each, nil, "")
}

// apply indexes what each adds and deletes deletes, in batches; mark (if
// any) goes into the last batch.
func (ix *Index) apply(total int, each func(add func(dataset.Doc) error) error, deletes []string, mark string) error {
	bar := progress.New(ix.opts.Progress, total, "indexing", "docs")
	defer bar.Close()
	b := ix.bi.NewBatch()
	i := 0
	add := func(d dataset.Doc) error {
		defer func() { i++ }()
		if d.ID == "" {
			return fmt.Errorf("lexical: document %d has an empty id", i)
		}
		var body map[string]any
		if ix.opts.Fields == FieldsSeparate {
			body = map[string]any{"title": d.Title, "text": d.Text}
		} else {
			body = map[string]any{"text": encoder.DocText(d.Title, d.Text)}
		}
		if err := b.Index(d.ID, body); err != nil {
			return fmt.Errorf("lexical: document %q: %w", d.ID, err)
		}
		if b.Size() >= ix.opts.BatchSize {
			if err := ix.bi.Batch(b); err != nil {
				return fmt.Errorf("lexical: batch: %w", err)
			}
			bar.Add(b.Size())
			b.Reset()
		}
		return nil
	}
	if err := each(add); err != nil {
		return err
	}
	for _, id := range deletes {
		b.Delete(id)
	}
	if mark != "" {
		b.SetInternal(markKey, encodeMark(mark))
	}
	if b.Size() > 0 {
		n := b.Size()
		if err := ix.bi.Batch(b); err != nil {
			return fmt.Errorf("lexical: batch: %w", err)
		}
		bar.Add(n)
	}
	bar.Finish()
	return nil
}

// Delete removes documents by id; unknown ids are ignored.
func (ix *Index) Delete(ids []string) error {
	b := ix.bi.NewBatch()
	for _, id := range ids {
		b.Delete(id)
	}
	if err := ix.bi.Batch(b); err != nil {
		return fmt.Errorf("lexical: delete: %w", err)
	}
	return nil
}

// DocCount is the number of indexed documents.
func (ix *Index) DocCount() (uint64, error) { return ix.bi.DocCount() }

// Terms analyzes text with the index's analyzer and returns its unique
// terms in first-occurrence order with their counts.
func (ix *Index) Terms(text string) (terms []string, counts []int) {
	pos := map[string]int{}
	for _, tok := range ix.analyzer.Analyze([]byte(text)) {
		t := string(tok.Term)
		if i, ok := pos[t]; ok {
			counts[i]++
			continue
		}
		pos[t] = len(terms)
		terms = append(terms, t)
		counts = append(counts, 1)
	}
	return terms, counts
}

// Search returns the top k documents for a free-text query: the query is
// analyzed like documents and becomes a disjunction of term queries (a term
// repeated in the query is boosted by its count, as Lucene's bag-of-words
// queries do). No query syntax is parsed, so any text is safe. A query with
// no indexable terms returns no hits. Ties are broken by id descending.
func (ix *Index) Search(text string, k int) ([]Hit, error) {
	return ix.SearchContext(context.Background(), text, k)
}

// SearchContext is Search with a context for cancellation.
func (ix *Index) SearchContext(ctx context.Context, text string, k int) ([]Hit, error) {
	if k <= 0 {
		return nil, nil
	}
	q := ix.query(text)
	if q == nil {
		return nil, nil
	}
	req := bleve.NewSearchRequestOptions(q, k, 0, false)
	req.SortBy([]string{"-_score", "-_id"})
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("lexical: search: %w", err)
	}
	hits := make([]Hit, len(res.Hits))
	for i, h := range res.Hits {
		hits[i] = Hit{ID: h.ID, Score: roundScore(h.Score)}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].ID > hits[j].ID
	})
	return hits, nil
}

// query is the bag-of-words disjunction Search runs for text (nil when it
// has no indexable terms).
func (ix *Index) query(text string) query.Query {
	terms, counts := ix.Terms(text)
	if len(terms) == 0 {
		return nil
	}
	var clauses []query.Query
	for i, t := range terms {
		for _, f := range ix.fields {
			tq := query.NewTermQuery(t)
			tq.SetField(f)
			tq.SetBoost(float64(counts[i]))
			clauses = append(clauses, tq)
		}
	}
	return query.NewDisjunctionQuery(clauses)
}

// roundScore drops the last few bits of a score. bleve sums a document's
// clause scores in an order that depends on internal doc numbers, which vary
// between builds of the same corpus, so raw scores differ in the last ulp from
// run to run and near-ties can swap. Rounding to 12 significant digits makes
// runs reproducible; true ties then fall to the doc-id-descending rule.
func roundScore(s float64) float64 { return RoundSig(s, 12) }

// RoundSig rounds s to digits significant decimal digits (0, NaN and
// infinities unchanged).
func RoundSig(s float64, digits int) float64 {
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return s
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(s, 'g', digits, 64), 64)
	if err != nil {
		return s
	}
	return r
}

// Sealed reports whether Open found root.bolt exactly as the seal of the
// last clean Close describes it (false: the last stop was unclean, or the
// index predates seals; Open then walked every bolt page instead).
func (ix *Index) Sealed() bool { return ix.sealed }

// Close releases the index; an on-disk index opened for writing is then
// sealed (see SealFile), so the next Open can tell any change to it.
func (ix *Index) Close() error {
	if ix == nil || ix.bi == nil {
		return errors.New("lexical: close of nil index")
	}
	if err := ix.bi.Close(); err != nil || !ix.writable {
		return err
	}
	return writeSeal(ix.dir)
}
