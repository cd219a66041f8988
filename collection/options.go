package collection

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime"
	"slices"

	"github.com/sparrow-search/sparrow/encoder/modeldir"

	"github.com/sparrow-search/sparrow/fusion"
	"github.com/sparrow-search/sparrow/scoring"
)

// Options configure a collection. The zero value is ready to use: every zero
// field means its documented default.
type Options struct {
	// Model is the model directory that encodes the documents of a new
	// collection (Create, Build): "" or DefaultModel is the bundled model.
	// Open takes the model from the manifest and ignores this field.
	Model string

	// Models shares loaded models between collections (a Catalog passes its
	// own); nil loads them privately.
	Models *Models

	// ReadOnly opens the stores read-only: writes fail with ErrReadOnly and
	// no file is changed (a bm25/ that may lag sparse/ is rebuilt in memory).
	ReadOnly bool

	// InMemory keeps everything in RAM: the directory is ignored and nothing
	// survives Close. For evaluation and tests.
	InMemory bool

	// Algorithm is the scoring algorithm (scoring.Algorithms()). Default "":
	// the engine's per-query planner (scoring.DefaultAlgorithm), which picks
	// a rank-safe algorithm from the query's postings and the collection's
	// size. All return the same hits.
	Algorithm string

	// DocCache bounds the cache of hit titles and fields, in documents.
	// Default 100,000; negative turns it off. Without it every hit decodes
	// its whole document record (text and vector included): a third of a
	// SciFact search's CPU.
	DocCache int

	// ResultCache bounds the cache of ranked query results, in bytes: a
	// query text seen before on the same snapshot (no write or compaction
	// since) skips analysis and the engine, which are two thirds of a
	// SciFact search's CPU. Default 8 MiB (about 25,000 top-10 results);
	// negative turns it off. Queries with a filter or a raw token vector
	// are not cached.
	ResultCache int

	// Hybrid are the defaults of mode hybrid; a query may override them.
	Hybrid HybridOptions

	// Analysis, for a new collection (Create, Build), replaces the model's
	// config.json "analysis" (word terms, query term counts, whose idf, the
	// WordPiece tokens' weight); nil keeps the model's. It is recorded in
	// the manifest: Open uses what the collection was made with.
	Analysis *modeldir.Analysis

	// Analyzer is the bleve analyzer of a new collection's bm25 index, "en"
	// (default: possessives, Porter stemming) or "standard". Open keeps the
	// analyzer the index was built with.
	Analyzer string

	// MaxSegmentDocs caps the documents of one segment of the sparse store:
	// index.Options.MaxSegmentDocs, which bounds a merge's memory (its
	// comment has the default and the measurements), while every segment
	// costs a search a little CPU. 0: the index's default.
	MaxSegmentDocs int

	// Meta is stored in the manifest of a new collection (Create) as
	// Manifest.Meta; Open reads it from there and ignores this field.
	Meta map[string]json.RawMessage

	// Logger receives recovery messages (bm25 rebuilds). Default
	// slog.Default().
	Logger *slog.Logger
}

// Defaults of Options.DocCache and Options.ResultCache.
const (
	DefaultDocCache    = 100000
	DefaultResultCache = 8 << 20
)

// EnsureDefaults fills zero fields with their defaults.
func (o *Options) EnsureDefaults() {
	if o.DocCache == 0 {
		o.DocCache = DefaultDocCache
	}
	if o.ResultCache == 0 {
		o.ResultCache = DefaultResultCache
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Hybrid.EnsureDefaults()
}

// Validate reports every problem with o at once.
func (o *Options) Validate() error {
	var errs []error
	if o.Algorithm != "" && !slices.Contains(scoring.Algorithms(), o.Algorithm) {
		errs = append(errs, fmt.Errorf("unknown scoring algorithm %q (have %v)", o.Algorithm, scoring.Algorithms()))
	}
	switch o.Analyzer {
	case "", "en", "standard":
	default:
		errs = append(errs, fmt.Errorf("unknown analyzer %q (want \"en\" or \"standard\")", o.Analyzer))
	}
	if err := o.Analysis.Validate(); err != nil {
		errs = append(errs, err)
	}
	if o.MaxSegmentDocs < 0 {
		errs = append(errs, fmt.Errorf("max segment docs must be >= 0 (0 = default), got %d", o.MaxSegmentDocs))
	}
	if err := o.Hybrid.Validate(); err != nil {
		errs = append(errs, err)
	}
	return prefixErrors("collection: options: ", errs)
}

// HybridOptions configure mode hybrid: each of the sparse and BM25 lists is
// cut at Candidates, normalised per query and fused as
// SparseWeight*sparse + BM25Weight*bm25; a document missing from one list
// gets that list's lowest normalised score (package fusion). The defaults
// were tuned on the five visible collections' tuning queries with word
// terms in the sparse score (docs/RESULTS.md "Words beside WordPiece"):
// the sparse score now carries BM25 over words itself, so bleve adds
// little. This is the one place they live.
type HybridOptions struct {
	// Normalization is fusion.ZScore (default) or fusion.MinMax.
	Normalization string
	// SparseWeight and BM25Weight weigh the normalised scores. Both zero
	// means the defaults, 0.9 and 0.1; otherwise each must be >= 0.
	SparseWeight, BM25Weight float64
	// Candidates is each list's depth before fusion. Default 0: max(k, 100).
	Candidates int
}

// Defaults of HybridOptions.
const (
	DefaultNormalization = fusion.ZScore
	DefaultSparseWeight  = 0.9
	DefaultBM25Weight    = 0.1
	// MinCandidates is the smallest default per-list depth (max(k, 100)).
	MinCandidates = 100
)

// EnsureDefaults fills zero fields with their defaults.
func (h *HybridOptions) EnsureDefaults() {
	if h.Normalization == "" {
		h.Normalization = DefaultNormalization
	}
	if h.SparseWeight == 0 && h.BM25Weight == 0 {
		h.SparseWeight, h.BM25Weight = DefaultSparseWeight, DefaultBM25Weight
	}
}

// Validate reports every problem with h at once.
func (h *HybridOptions) Validate() error {
	var errs []error
	switch h.Normalization {
	case "", fusion.MinMax, fusion.ZScore:
	default:
		errs = append(errs, fmt.Errorf("hybrid normalization must be %q or %q, got %q", fusion.MinMax, fusion.ZScore, h.Normalization))
	}
	for _, w := range []struct {
		name string
		v    float64
	}{{"sparse_weight", h.SparseWeight}, {"bm25_weight", h.BM25Weight}} {
		if math.IsNaN(w.v) || math.IsInf(w.v, 0) || w.v < 0 {
			errs = append(errs, fmt.Errorf("hybrid %s must be a finite number >= 0, got %v", w.name, w.v))
		}
	}
	if h.Candidates < 0 {
		errs = append(errs, fmt.Errorf("hybrid candidates must be >= 0 (0 = max(k, %d)), got %d", MinCandidates, h.Candidates))
	}
	return errors.Join(errs...)
}

// depth is the per-list depth for a query of k hits.
func (h *HybridOptions) depth(k int) int {
	if h.Candidates > 0 {
		return h.Candidates
	}
	return max(k, MinCandidates)
}

// LoadOptions configure Collection.Load (and Build).
type LoadOptions struct {
	// BatchSize is the number of documents encoded and committed together;
	// each commit records its resume point and adds a segment, which the
	// background merger merges. Default 2048 (512 before: a 1M-document
	// pre-encoded build took 20% more CPU and 15% more peak RSS, most of it
	// in merging the smaller segments; docs/BENCHMARKS.md, round 10).
	BatchSize int
	// Workers is the number of parallel encoders. Default GOMAXPROCS.
	Workers int
	// Progress receives progress bars and resume messages; nil = quiet.
	Progress io.Writer
	// AfterCommit, when set, is called after each committed batch with the
	// source position committed so far (tests use it to pause or stop).
	AfterCommit func(position int) error
}

// Defaults of LoadOptions.
const DefaultBatchSize = 2048

// EnsureDefaults fills zero fields with their defaults.
func (o *LoadOptions) EnsureDefaults() {
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
}

// Validate reports every problem with o at once.
func (o *LoadOptions) Validate() error {
	var errs []error
	if o.BatchSize < 0 {
		errs = append(errs, fmt.Errorf("batch size must be >= 1, got %d", o.BatchSize))
	}
	if o.Workers < 0 {
		errs = append(errs, fmt.Errorf("workers must be >= 1, got %d", o.Workers))
	}
	return prefixErrors("collection: load options: ", errs)
}

// BuildOptions configure Build.
type BuildOptions struct {
	Options
	LoadOptions
	// Force replaces an existing collection (or a half-finished build of
	// another source) instead of refusing. The old collection stays in
	// place until the new one is complete.
	Force bool
}

func prefixErrors(prefix string, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	for i, e := range errs {
		errs[i] = fmt.Errorf("%s%w", prefix, e)
	}
	return errors.Join(errs...)
}

// EnsureDefaults fills zero fields of both option sets with their defaults.
func (o *BuildOptions) EnsureDefaults() {
	o.Options.EnsureDefaults()
	o.LoadOptions.EnsureDefaults()
}

// Validate reports every problem with both option sets at once.
func (o *BuildOptions) Validate() error {
	return errors.Join(o.Options.Validate(), o.LoadOptions.Validate())
}
