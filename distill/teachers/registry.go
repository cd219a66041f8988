package teachers

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill/glove"
	"github.com/sparrow-search/sparrow/internal/progress"
	"github.com/sparrow-search/sparrow/lexical"
)

// Config carries what some teachers need. Zero values mean defaults.
type Config struct {
	// GloVe is the word-vectors file for "dense" (and ltr's dense feature);
	// "" = glove.Path().
	GloVe string
	// TrainQueries and TrainQrels train "ltr": a train split's (never test)
	// or pseudo-queries; without them "ltr" is an error.
	TrainQueries []dataset.Query
	TrainQrels   dataset.Qrels
	// LTRDense adds the dense similarity to ltr's features (default off:
	// it adds nothing on SciFact per issue 4 and costs the GloVe load).
	LTRDense bool
	// LTRNoRM3 drops the RM3 feedback features from ltr (they are on by
	// default: SciFact train out-of-fold NDCG@10 0.7448 with, 0.7402 without).
	LTRNoRM3 bool
	// LTR options; LTR.CacheDir defaults to $SPARROW_LTR_CACHE (unset = no
	// cache of trained models).
	LTR LTROptions
	RM3 RM3Options
	// Progress receives progress lines and bars (nil = quiet).
	Progress io.Writer
}

// Spec is one entry of the registry: a teacher's name, what it is, and how it
// is built.
type Spec struct {
	// Name selects the teacher in a list (indexer train --teachers) and
	// names the BEIR system teacher-NAME.
	Name string
	// About says in a few words what the teacher is (help texts).
	About string
	// Arg, when set, is the placeholder of the value the teacher needs,
	// written NAME=VALUE in a list ("external=FILE"); Param is the BEIR
	// --param key that gives it to the system teacher-NAME.
	Arg, Param string
	// Retrieves is false for teachers that can only score given candidates.
	Retrieves bool
	// reports: the teacher reports its own progress while it is built (so
	// New does not wrap it in a phase of its own).
	reports bool

	build func(b *builder, arg string) (Teacher, error)
}

// specs is the registry, the one list of teachers: New, Names and the BEIR teacher
// systems all read it.
var specs = []Spec{
	{Name: "bm25wp", About: "BM25 over WordPiece tokens", Retrieves: true, build: func(b *builder, _ string) (Teacher, error) {
		return NewBM25(b.corpus, BM25Options{Name: "bm25wp", Analyzer: AnalyzerWordPiece})
	}},
	{Name: "bm25en", About: "bleve BM25, en analyzer (the bm25 BEIR system)", Retrieves: true, reports: true, build: func(b *builder, _ string) (Teacher, error) {
		return NewLexical("bm25en", b.corpus, lexical.Options{Analyzer: "en", Progress: b.cfg.Progress})
	}},
	{Name: "bm25snow", About: "exact in-memory BM25 over the en analyzer's terms (Snowball stop list and stemming)", Retrieves: true, build: func(b *builder, _ string) (Teacher, error) {
		return NewBM25(b.corpus, BM25Options{Name: "bm25snow", Analyzer: AnalyzerEn})
	}},
	{Name: "bm25porter", About: "BM25 with Porter stemming and Lucene stop words", Retrieves: true, build: func(b *builder, _ string) (Teacher, error) {
		return b.porter()
	}},
	{Name: "bm25word", About: "BM25 over unstemmed words", Retrieves: true, build: func(b *builder, _ string) (Teacher, error) {
		return NewBM25(b.corpus, BM25Options{Name: "bm25word", Analyzer: AnalyzerWord})
	}},
	{Name: "dense", About: "GloVe SIF sentence embeddings, cosine", Retrieves: true, build: func(b *builder, _ string) (Teacher, error) {
		return b.dense()
	}},
	{Name: "rm3", About: "RM3 pseudo-relevance feedback over bm25porter", Retrieves: true, build: func(b *builder, _ string) (Teacher, error) {
		p, err := b.porter()
		if err != nil {
			return nil, err
		}
		o := b.cfg.RM3
		if o.Name == "" {
			o.Name = "rm3"
		}
		return NewRM3(p, o)
	}},
	{Name: "ltr", About: "cross-fitted LambdaMART over lexical, RM3 (and dense) features; needs training queries", Retrieves: true, reports: true, build: buildLTR},
	{Name: "external", Arg: "FILE", Param: "scores", About: "scores from a file (TSV qid docid score, or JSONL)", Retrieves: true, build: func(b *builder, path string) (Teacher, error) {
		if path == "" {
			return nil, fmt.Errorf("external needs a score file: external=FILE")
		}
		s, err := LoadScores(path)
		if err != nil {
			return nil, err
		}
		return NewExternal("external", b.corpus, s), nil
	}},
}

// Specs returns the registry (a copy), in its order.
func Specs() []Spec { return append([]Spec(nil), specs...) }

// Names lists the names New accepts ("external=FILE" for a teacher with an
// argument).
func Names() []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.Name
		if s.Arg != "" {
			out[i] += "=" + s.Arg
		}
	}
	return out
}

// Lookup returns the registry entry of name (NAME or NAME=VALUE).
func Lookup(name string) (Spec, bool) {
	n, _, _ := strings.Cut(strings.TrimSpace(name), "=")
	for _, s := range specs {
		if s.Name == n {
			return s, true
		}
	}
	return Spec{}, false
}

// CheckNames reports the first name of names the registry lacks, listing
// the known ones: callers check before building anything slow.
func CheckNames(names []string) error {
	for _, n := range names {
		if _, ok := Lookup(n); !ok {
			return fmt.Errorf("teachers: unknown teacher %q (known: %s)", strings.TrimSpace(n), strings.Join(Names(), ", "))
		}
	}
	return nil
}

// builder shares indexes between teachers that need the same one.
type builder struct {
	corpus []dataset.Doc
	cfg    Config
	p      *BM25
	d      *Dense
	feat   *Features
}

func (b *builder) porter() (*BM25, error) {
	var err error
	if b.p == nil {
		b.p, err = NewBM25(b.corpus, BM25Options{Analyzer: AnalyzerPorter})
	}
	return b.p, err
}

func (b *builder) dense() (*Dense, error) {
	if b.d != nil {
		return b.d, nil
	}
	path := b.cfg.GloVe
	if path == "" {
		p, err := glove.Path()
		if err != nil {
			return nil, err
		}
		path = p
	}
	d, err := NewDenseFromFile(b.corpus, path, DenseOptions{})
	b.d = d
	return d, err
}

func buildLTR(b *builder, _ string) (Teacher, error) {
	if len(b.cfg.TrainQueries) == 0 || b.cfg.TrainQrels == nil {
		return nil, fmt.Errorf("ltr needs training queries and qrels (a train split or pseudo-queries)")
	}
	if b.feat == nil {
		var d *Dense
		var err error
		if b.cfg.LTRDense {
			if d, err = b.dense(); err != nil {
				return nil, err
			}
		}
		done := progress.Phase(b.cfg.Progress, "teachers: ltr feature indexes")
		b.feat, err = NewFeaturesRM3(b.corpus, d, !b.cfg.LTRNoRM3)
		done()
		if err != nil {
			return nil, err
		}
	}
	o := b.cfg.LTR
	if o.Progress == nil {
		o.Progress = b.cfg.Progress
	}
	if o.CacheDir == "" {
		o.CacheDir = os.Getenv("SPARROW_LTR_CACHE")
	}
	return NewLTR(b.feat, b.cfg.TrainQueries, b.cfg.TrainQrels, b.corpus, o)
}

// New builds teachers by name (see Names and Specs). Indexes are shared
// between teachers that need the same one. On error the teachers built so far
// are closed.
func New(corpus []dataset.Doc, names []string, cfg Config) (_ []Teacher, err error) {
	if err := CheckNames(names); err != nil {
		return nil, err
	}
	b := &builder{corpus: corpus, cfg: cfg}
	var out []Teacher
	defer func() {
		if err != nil {
			Close(out) // the bleve index of a teacher built before the failing one
		}
	}()
	for _, name := range names {
		name = strings.TrimSpace(name)
		spec, _ := Lookup(name)
		_, arg, _ := strings.Cut(name, "=")
		done := func() {}
		if !spec.reports {
			done = progress.Phase(cfg.Progress, "teachers: building "+spec.Name)
		}
		t, err := spec.build(b, arg)
		done()
		if err != nil {
			return nil, fmt.Errorf("teachers: %s: %w", name, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// Close closes the teachers that hold resources (io.Closer, e.g. the
// in-memory bleve index of "bm25en") and returns the first error.
func Close(ts []Teacher) error {
	var first error
	for _, t := range ts {
		if c, ok := t.(io.Closer); ok {
			if err := c.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}
