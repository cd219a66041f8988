package distill

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/lexical"
)

// Teacher names accepted by NewTeachers.
var TeacherNames = []string{"bm25wp", "bm25en", "bm25snow", "bm25porter", "bm25word", "dense", "rm3", "ltr", "external=FILE"}

// TeacherConfig carries what some teachers need. Zero values mean defaults.
type TeacherConfig struct {
	// GloVe is the wink-embeddings JSON for "dense" (and ltr's dense
	// feature); "" = GloVePath().
	GloVe string
	// TrainQueries and TrainQrels train "ltr". They must come from a train
	// split (never test); without them "ltr" is an error.
	TrainQueries []dataset.Query
	TrainQrels   dataset.Qrels
	// LTRDense adds the dense similarity to ltr's features (default off:
	// it adds nothing on SciFact per issue 4 and costs the GloVe load).
	LTRDense bool
	// LTRNoRM3 drops the RM3 feedback features from ltr (they are on by
	// default: SciFact train out-of-fold NDCG@10 0.7448 with, 0.7402 without).
	LTRNoRM3 bool
	// LTRPseudo > 0 trains "ltr" without a train split, on that many
	// corpus-only pseudo-queries (sentence and keyphrase kinds; the source
	// document is the positive).
	LTRPseudo int
	// LTR options; LTR.CacheDir defaults to $SPARROW_LTR_CACHE (unset = no
	// cache of trained models).
	LTR      LTROptions
	RM3      RM3Options
	Progress io.Writer
}

// NewTeachers builds teachers by name (see TeacherNames): "bm25wp" BM25 over
// WordPiece, "bm25en" bleve BM25 with the "en" analyzer (EVAL's lexical),
// "bm25snow" exact in-memory BM25 over the same "en" analyzer's terms (bleve's
// stop list and stemming without bleve's scoring quirks; deterministic),
// "bm25porter" BM25 with Porter stemming and Lucene stop words, "bm25word"
// unstemmed words, "dense" GloVe SIF, "rm3" RM3 over bm25porter, "ltr"
// cross-fitted LambdaMART, "external=FILE" a score file (LoadScores).
// Indexes are shared between teachers that need the same one.
func NewTeachers(corpus []dataset.Doc, names []string, cfg TeacherConfig) (_ []Teacher, err error) {
	var (
		porter *BM25
		dense  *Dense
		feat   *Features
		out    []Teacher
	)
	defer func() {
		if err != nil {
			CloseTeachers(out) // the bleve index of a teacher built before the failing one
		}
	}()
	getPorter := func() (*BM25, error) {
		var err error
		if porter == nil {
			porter, err = NewBM25(corpus, BM25Options{Analyzer: AnalyzerPorter})
		}
		return porter, err
	}
	getDense := func() (*Dense, error) {
		if dense != nil {
			return dense, nil
		}
		path := cfg.GloVe
		if path == "" {
			p, err := GloVePath()
			if err != nil {
				return nil, err
			}
			path = p
		}
		d, err := NewDenseFromFile(corpus, path, DenseOptions{})
		dense = d
		return d, err
	}
	for _, name := range names {
		name = strings.TrimSpace(name)
		var t Teacher
		var err error
		switch {
		case name == "bm25wp":
			t, err = NewBM25(corpus, BM25Options{Name: name, Analyzer: AnalyzerWordPiece})
		case name == "bm25porter":
			t, err = getPorter()
		case name == "bm25snow":
			t, err = NewBM25(corpus, BM25Options{Name: name, Analyzer: AnalyzerEn})
		case name == "bm25word":
			t, err = NewBM25(corpus, BM25Options{Name: name, Analyzer: AnalyzerWord})
		case name == "bm25en":
			t, err = NewLexical(name, corpus, lexical.Options{Analyzer: "en"})
		case name == "dense":
			t, err = getDense()
		case name == "rm3":
			var p *BM25
			if p, err = getPorter(); err == nil {
				o := cfg.RM3
				if o.Name == "" {
					o.Name = "rm3"
				}
				t, err = NewRM3(p, o)
			}
		case name == "ltr":
			tq, tqrels := cfg.TrainQueries, cfg.TrainQrels
			if len(tq) == 0 && cfg.LTRPseudo > 0 {
				tq, tqrels, err = PseudoQueries(corpus, PseudoOptions{Queries: cfg.LTRPseudo, Kinds: []string{PseudoSentence, PseudoKeyphrase}})
				if err != nil {
					return nil, err
				}
			}
			if len(tq) == 0 || tqrels == nil {
				return nil, fmt.Errorf("distill: teacher ltr needs train-split queries and qrels (or pseudo-queries)")
			}
			if feat == nil {
				var d *Dense
				if cfg.LTRDense {
					if d, err = getDense(); err != nil {
						return nil, err
					}
				}
				if feat, err = NewFeaturesRM3(corpus, d, !cfg.LTRNoRM3); err != nil {
					return nil, err
				}
			}
			o := cfg.LTR
			if o.Progress == nil {
				o.Progress = cfg.Progress
			}
			if o.CacheDir == "" {
				o.CacheDir = os.Getenv("SPARROW_LTR_CACHE")
			}
			t, err = NewLTR(feat, tq, tqrels, corpus, o)
		case strings.HasPrefix(name, "external="):
			path := strings.TrimPrefix(name, "external=")
			var s Scores
			if s, err = LoadScores(path); err == nil {
				t = NewExternal("external", corpus, s)
			}
		default:
			return nil, fmt.Errorf("distill: unknown teacher %q (known: %s)", name, strings.Join(TeacherNames, ", "))
		}
		if err != nil {
			return nil, fmt.Errorf("distill: teacher %s: %w", name, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// CloseTeachers closes the teachers that hold resources (io.Closer, e.g. the
// in-memory bleve index of "bm25en") and returns the first error.
func CloseTeachers(ts []Teacher) error {
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
