package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/native"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/sparse"
)

func init() {
	register("train", "train a document encoder (model directory) on a corpus (+ optional train split)", runTrain)
}

// trainSummary is printed (and written to MODELDIR/train.json) after training.
type trainSummary struct {
	Arch        string    `json:"architecture"`
	Corpus      string    `json:"corpus"`
	TrainSplit  string    `json:"train_split"`
	Queries     int       `json:"queries"`
	Examples    int       `json:"examples"`
	HeldOut     int       `json:"held_out_queries"`
	HeldOutNDCG []float64 `json:"held_out_ndcg10_by_epoch,omitempty"`
	HeldOutBM25 float64   `json:"held_out_bm25tf_ndcg10,omitempty"`
	EpochLosses []float64 `json:"epoch_losses,omitempty"`
	AvgNNZ      float64   `json:"avg_nnz_per_doc,omitempty"`
	CorpusNNZ   float64   `json:"corpus_avg_nnz_per_doc,omitempty"`
	FLOPS       float64   `json:"flops_held_out_queries,omitempty"`
	// HeldOutTranslation: held-out NDCG@10 of the final model with its
	// translation expansion (held_out_ndcg10_by_epoch is before it).
	HeldOutTranslation float64             `json:"held_out_ndcg10_translation,omitempty"`
	TranslationEntries int                 `json:"translation_entries,omitempty"`
	Seconds            float64             `json:"train_seconds"`
	TotalSeconds       float64             `json:"total_seconds"`
	Flags              map[string]string   `json:"flags"`
	TeacherOOF         map[string]float64  `json:"teacher_oof_ndcg10,omitempty"`
	GloVeCoverage      *distill.GloVeStats `json:"glove_coverage,omitempty"`
}

// corpusOnlyRecipe are the flag defaults of native training without a train
// split.
var corpusOnlyRecipe = map[string]string{
	"contrastive": "1", "teachers": "bm25en,bm25porter",
	"conflate": wordpiece.ConflatePorter, "stopwords": wordpiece.StopwordsSnowball,
}

func runTrain(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	corpusDir := fs.String("corpus", "", "BEIR dataset directory (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv)")
	out := fs.String("out", "", "model directory to write")
	split := fs.String("train-split", "", "qrels split with training queries (e.g. train); empty = corpus only (pseudo-queries). Never test.")
	arch := fs.String("arch", modeldir.ArchNative, "architecture: "+modeldir.ArchNative+" or "+modeldir.ArchBM25TF+" (no training)")
	seed := fs.Uint64("seed", 1, "random seed (initialisation, batch order, pseudo-queries)")
	epochs := fs.Int("epochs", 3, "training epochs")
	lambda := fs.Float64("lambda", 0, "FLOPS regularisation weight after warm-up (0 = off)")
	flops := fs.String("flops", "idf", "FLOPS variant: idf (on raw doc weights; IDF-aware) or plain (on idf*w)")
	hidden := fs.Int("hidden", 32, "gate hidden width")
	expansion := fs.Int("expansion", 0, "expansion terms per document (top-M)")
	maxLen := fs.Int("max-length", 512, "document tokens read by the model")
	batch := fs.Int("batch", 16, "queries per step")
	lr := fs.Float64("lr", 1e-3, "Adam learning rate")
	kl := fs.Float64("kl", 1, "KL distillation loss weight (negative = off)")
	contrastive := fs.Float64("contrastive", 0, "listwise loss weight on qrels positives (pseudo-queries' source documents without --train-split, where the default is 1)")
	transTerms := fs.Int("translation-terms", 0, "with --train-split: expand each document by up to N tokens of a translation table fitted on the training qrels after distillation (0 = off)")
	transWeight := fs.Float64("translation-weight", 1, "weight of a translation expansion token: W * log(1 + summed lift)")
	transMin := fs.Int("translation-min-count", 10, "relevant (query, document) pairs a translation (source, target) pair needs")
	transSource := fs.Int("translation-source-terms", 40, "a document's tokens that translate: its N largest by idf * weight")
	transPer := fs.Int("translation-per-source", 20, "targets kept per source token (largest lifts)")
	teacherWeights := fs.String("teacher-weights", "", "comma-separated weights of --teachers in the ensemble target, in their order (default equal, as in the paper)")
	teachers := fs.String("teachers", "", "comma-separated teachers (distill.TeacherNames); default bm25wp,bm25porter,ltr with --train-split, bm25en,bm25porter without")
	k := fs.Int("k", 50, "candidates per query (union of retrievers' top-k)")
	noPos := fs.Bool("no-positives", false, "do not add judged positives outside the retrievers' top-k to the candidates")
	graded := fs.Bool("graded", true, "weight positives by their qrels grade in the listwise loss")
	scale := fs.Float64("scale", 30, "teacher target scale")
	pseudo := fs.Int("pseudo", 1000, "pseudo-queries without --train-split")
	holdout := fs.Float64("holdout", 0, "fraction of training queries held out for model selection (evaluated every epoch)")
	evalSplit := fs.String("eval-split", "", "also evaluate every epoch on this split's queries (model selection for corpus-only training, e.g. train); never test")
	glove := fs.String("glove", "", "initial embeddings: wink-embeddings JSON or .safetensors with \"emb\" (default: distill.GloVePath())")
	freeze := fs.Bool("freeze-emb", false, "keep the embeddings fixed")
	noBias := fs.Bool("no-bias", false, "keep the per-token gate bias at 0 (the gate then generalises to vocabulary the training queries never needed)")
	idfCorpora := fs.String("idf-corpora", "", "comma-separated BEIR directories whose documents (corpus.jsonl only) give the model's idf.json together with --corpus (default: --corpus alone)")
	idfPrior := fs.String("idf-prior", "max", "with --idf-corpora: idf of tokens in none of the documents: max (as rare as df 0) or zero (dropped from queries)")
	gateShift := fs.Float64("gate-shift", 0, "after training, smooth the gate toward BM25: w = bm25tf*(c + ReLU(1+s)) (distill.SmoothGate; 0 = off)")
	gateFloor := fs.Float64("gate-floor", 0, "least multiplier of a document token's BM25 weight (0 = the gate may zero it)")
	ltrDepth := fs.Int("ltr-depth", 0, "tree depth of the ltr teacher's LambdaMART (0 = its default, 8)")
	conflate := fs.String("conflate", "", "document-side conflation of morphological variants: porter (stem classes of whole-word tokens share pooled weights and idf) or empty (none; the default with --train-split; without it porter, turned off by --conflate '')")
	stopwords := fs.String("stopwords", "", "document stop list: snowball (the 174 words of bleve's en analyzer never get a document weight) or empty (none; the default with --train-split; without it snowball)")
	avgdlFlag := fs.Float64("avgdl", 0, "BM25 avgdl of the tf prior (0 = the training corpus's; with --idf-corpora, negative = the union's)")
	f16 := fs.Bool("f16", true, "store the embedding table as float16")
	k1 := fs.Float64("k1", native.DefaultK1, "BM25 k1 of the tf prior")
	b := fs.Float64("b", native.DefaultB, "BM25 b of the tf prior")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "parallel workers (results do not depend on it)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *split == "" && *arch == modeldir.ArchNative {
		// Corpus only (contract 3 without --train-split): unless a flag says
		// otherwise, the recipe validated for collections without queries
		// (docs/RESULTS.md, "Conflation and stop words"; BM25's equal or
		// better on SciFact, Cranfield and CACM test).
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, v := range corpusOnlyRecipe {
			if !set[name] {
				if err := fs.Set(name, v); err != nil {
					return err
				}
			}
		}
	}
	if *corpusDir == "" || *out == "" {
		return fmt.Errorf("need --corpus DIR and --out MODELDIR")
	}
	for _, sp := range []struct{ flag, v string }{{"train-split", *split}, {"eval-split", *evalSplit}} {
		if strings.HasPrefix(strings.ToLower(sp.v), "test") || strings.ContainsAny(sp.v, `/\`) {
			return fmt.Errorf("--%s %q refused: training never reads a test split", sp.flag, sp.v)
		}
	}
	if *holdout > 0 && *evalSplit != "" {
		// the held-out training queries would be neither trained on nor evaluated
		return fmt.Errorf("--holdout and --eval-split both choose the evaluation queries: give one")
	}
	if *maxLen <= 0 {
		// idf/avgdl would come from untruncated documents while the model reads a default length
		return fmt.Errorf("--max-length %d: want a positive number of tokens", *maxLen)
	}
	if *flops != "idf" && *flops != "plain" {
		return fmt.Errorf("--flops %q: want idf or plain", *flops)
	}
	t0 := time.Now()
	var progress io.Writer = stderr
	if *quiet {
		progress = nil
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	flags := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) { flags[f.Name] = f.Value.String() })
	sum := trainSummary{Arch: *arch, Corpus: *corpusDir, TrainSplit: *split, Flags: flags}

	// Only these files are ever opened: corpus.jsonl, queries.jsonl and qrels/<train-split>.tsv.
	corpus, err := dataset.LoadCorpus(filepath.Join(*corpusDir, "corpus.jsonl"))
	if err != nil {
		return err
	}
	if len(corpus) == 0 {
		return fmt.Errorf("%s: empty corpus", *corpusDir)
	}
	tok := wordpiece.DefaultTokenizer()
	conf, err := wordpiece.NewConflation(tok, *conflate)
	if err != nil {
		return fmt.Errorf("--conflate: %w", err)
	}
	stats, err := encoder.ConflatedCorpusStats(tok, conf, *maxLen, func(y func(string) error) error {
		for _, d := range corpus {
			if err := y(encoder.DocText(d.Title, d.Text)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	idf := stats.IDFWeights(tok)
	avgdl := stats.AvgDL
	if *idfCorpora != "" {
		dirs := []string{*corpusDir}
		for _, d := range strings.Split(*idfCorpora, ",") {
			if d = strings.TrimSpace(d); d != "" && filepath.Clean(d) != filepath.Clean(*corpusDir) {
				dirs = append(dirs, d)
			}
		}
		var prior func(int) float32
		switch *idfPrior {
		case "max":
			prior = distill.MaxIDF
		case "zero":
		default:
			return fmt.Errorf("--idf-prior %q: want max or zero", *idfPrior)
		}
		var uavg float64
		var un int
		if idf, uavg, un, err = distill.UnionIDF(tok, conf, *maxLen, dirs, prior); err != nil {
			return err
		}
		logf("train: idf from %d documents of %d corpora (prior %s), avgdl %.1f", un, len(dirs), *idfPrior, uavg)
		if *avgdlFlag < 0 {
			avgdl = uavg
		}
	}
	if *avgdlFlag > 0 {
		avgdl = *avgdlFlag
	}
	if *arch == modeldir.ArchBM25TF {
		if *transTerms > 0 {
			return fmt.Errorf("--translation-terms: fitted after training, so not with --arch %s", modeldir.ArchBM25TF)
		}
		cfg := modeldir.Config{Architecture: modeldir.ArchBM25TF, VocabSize: tok.VocabSize(), MaxLength: *maxLen, K1: *k1, B: *b, AvgDL: avgdl, Conflate: *conflate, Stopwords: *stopwords}
		if err := encoder.WriteModelDir(*out, cfg, tok, idf); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s model to %s (%d docs, avgdl %.1f)\n", *arch, *out, stats.N, avgdl)
		return nil
	}
	if *arch != modeldir.ArchNative {
		return fmt.Errorf("--arch %q: want %s or %s", *arch, modeldir.ArchNative, modeldir.ArchBM25TF)
	}

	if *transTerms > 0 && *split == "" {
		return fmt.Errorf("--translation-terms needs --train-split (the table is fitted on its qrels)")
	}

	var queries []dataset.Query
	var qrels dataset.Qrels
	if *split != "" {
		if queries, qrels, err = distill.LoadTrainingSplit(*corpusDir, *split); err != nil {
			return err
		}
	} else {
		queries, qrels, err = distill.PseudoQueries(corpus, distill.PseudoOptions{Queries: *pseudo, Seed: *seed})
		if err != nil {
			return err
		}
	}
	var trainQ, heldQ []dataset.Query
	for _, q := range queries {
		if *holdout > 0 && heldOut(q.ID, *holdout) {
			heldQ = append(heldQ, q)
		} else {
			trainQ = append(trainQ, q)
		}
	}
	evalQrels := qrels
	if *evalSplit != "" {
		if *evalSplit == *split {
			return fmt.Errorf("--eval-split %q is the training split; use --holdout instead", *evalSplit)
		}
		if heldQ, evalQrels, err = distill.LoadTrainingSplit(*corpusDir, *evalSplit); err != nil {
			return err
		}
	}
	sum.Queries, sum.HeldOut = len(trainQ), len(heldQ)
	trainQrels := dataset.Qrels{}
	for _, q := range trainQ {
		trainQrels[q.ID] = qrels[q.ID]
	}
	names := *teachers
	if names == "" {
		names = "bm25wp,bm25porter,ltr"
	}
	weights, err := parseWeights(*teacherWeights, len(strings.Split(names, ",")))
	if err != nil {
		return err
	}
	logf("train: %d docs, %d training queries (%d held out), teachers %s", len(corpus), len(trainQ), len(heldQ), names)
	tcfg := distill.TeacherConfig{GloVe: *glove, TrainQueries: trainQ, TrainQrels: trainQrels, Progress: progress}
	if *ltrDepth < 0 {
		return fmt.Errorf("--ltr-depth %d: want 0 (default) or a positive depth", *ltrDepth)
	}
	tcfg.LTR.GBDT.Depth = *ltrDepth
	ts, err := distill.NewTeachers(corpus, strings.Split(names, ","), tcfg)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if l, ok := t.(*distill.LTR); ok {
			if sum.TeacherOOF == nil {
				sum.TeacherOOF = map[string]float64{}
			}
			sum.TeacherOOF[l.Name()] = l.OOF
			logf("train: teacher %s out-of-fold NDCG@10 on training queries %.4f", l.Name(), l.OOF)
		}
	}
	exs, err := distill.BuildExamples(corpus, trainQ, trainQrels, ts, distill.ExampleOptions{K: *k, Weights: weights, Scale: *scale, NoPositives: *noPos, Workers: *workers, Progress: progress})
	// the teachers are done: release their indexes before training
	if cerr := distill.CloseTeachers(ts); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	sum.Examples = len(exs)
	gpath := *glove
	if gpath == "" {
		if gpath, err = distill.GloVePath(); err != nil {
			return err
		}
	}
	emb, dim, gst, err := distill.LoadEmbeddings(gpath, tok, *seed)
	if err != nil {
		return err
	}
	if gst.Words > 0 {
		sum.GloVeCoverage = &gst
		logf("train: GloVe init: %d whole words, %d ##pieces, %d random rows", gst.Words, gst.Pieces, gst.Random)
	}
	opts := distill.TrainOptions{Hidden: *hidden, Expansion: *expansion, MaxLength: *maxLen, K1: *k1, B: *b,
		Epochs: *epochs, Batch: *batch, LR: *lr, Lambda: *lambda, PlainFLOPS: *flops == "plain",
		KL: *kl, Contrastive: *contrastive, FreezeEmb: *freeze, NoBias: *noBias, GateFloor: *gateFloor, Conflate: *conflate, Stopwords: *stopwords, Seed: *seed, Workers: *workers, Progress: progress}
	if *graded && *split != "" {
		opts.Grades = trainQrels
	}
	var evalErr error // from AfterEpoch, which cannot return one
	qidf := encoder.NewIDF(idf)
	evalVecs := func(vecs []sparse.Vector) float64 {
		return distill.NewSparseEval(vecs, corpus, tok.VocabSize()).MeanNDCG10(heldQ, evalQrels, tok, qidf)
	}
	if len(heldQ) > 0 {
		evalWith := func(enc encoder.Encoder) (float64, error) {
			vecs, err := distill.EncodeCorpus(enc, corpus, *workers)
			if err != nil {
				return 0, err
			}
			return evalVecs(vecs), nil
		}
		bm, err := native.NewBM25TF(tok, modeldir.Config{Architecture: modeldir.ArchBM25TF, VocabSize: tok.VocabSize(), MaxLength: *maxLen, K1: *k1, B: *b, AvgDL: avgdl, Conflate: *conflate, Stopwords: *stopwords})
		if err != nil {
			return err
		}
		if sum.HeldOutBM25, err = evalWith(bm); err != nil {
			return fmt.Errorf("held-out evaluation: %w", err)
		}
		logf("train: held-out NDCG@10 bm25-tf %.4f", sum.HeldOutBM25)
		opts.AfterEpoch = func(epoch int, n *native.Model) string {
			v, err := evalWith(n)
			if err != nil {
				// a 0 would read as a measured NDCG in train.json
				if evalErr == nil {
					evalErr = fmt.Errorf("held-out evaluation after epoch %d: %w", epoch, err)
				}
				return ""
			}
			sum.HeldOutNDCG = append(sum.HeldOutNDCG, v)
			return fmt.Sprintf("held-out NDCG@10 %.4f (bm25-tf %.4f)", v, sum.HeldOutBM25)
		}
	}
	n, st, err := distill.Train(corpus, exs, tok, idf, avgdl, emb, dim, opts)
	if err == nil {
		err = evalErr
	}
	if err != nil {
		return err
	}
	sum.EpochLosses, sum.AvgNNZ, sum.Seconds = st.EpochLosses, st.AvgNNZ, st.Seconds
	if *gateShift != 0 {
		if n, err = distill.SmoothGate(n, tok, *gateShift); err != nil {
			return err
		}
	}
	cfg := n.Config()
	var table *encoder.Translation
	var vecs []sparse.Vector // the final model's corpus, encoded once for what follows
	if *transTerms > 0 || len(heldQ) > 0 {
		if vecs, err = distill.EncodeCorpus(n, corpus, *workers); err != nil {
			return err
		}
	}
	if *transTerms > 0 {
		tc := modeldir.TranslationConfig{SourceTerms: *transSource, Terms: *transTerms, Weight: *transWeight}
		if table, err = fitTranslation(vecs, corpus, tok, qidf, trainQ, trainQrels,
			distill.TranslationFit{SourceTerms: *transSource, MinCount: *transMin, PerSource: *transPer}); err != nil {
			return err
		}
		tr, err := encoder.WithTranslation(n, table, tc, tok, cfg, idf)
		if err != nil {
			return err
		}
		for i, v := range vecs {
			vecs[i] = tr.Expand(v)
		}
		cfg.Translation = &tc
		sum.TranslationEntries = len(table.To)
		if len(heldQ) > 0 {
			sum.HeldOutTranslation = evalVecs(vecs)
			logf("train: held-out NDCG@10 with translation %.4f (%d table entries)", sum.HeldOutTranslation, len(table.To))
		}
	}
	if len(heldQ) > 0 {
		// efficiency of the final model: non-zeros over the whole corpus and
		// SPLADE's FLOPS with the held-out queries
		qs := make([]sparse.Vector, len(heldQ))
		for i, q := range heldQ {
			qs[i] = qidf.Query(tok, q.Text)
		}
		sum.CorpusNNZ, sum.FLOPS = distill.Sparsity(vecs, qs, tok.VocabSize())
	}
	var half map[string]bool
	if *f16 {
		half = map[string]bool{"emb": true}
	}
	cfg.Architecture = modeldir.ArchNative
	if err := encoder.WriteModelDir(*out, cfg, tok, idf); err != nil {
		return err
	}
	if err := native.WriteParams(*out, n.P, half); err != nil {
		return err
	}
	if table != nil {
		if err := encoder.WriteTranslation(*out, table); err != nil {
			return err
		}
	}
	sum.TotalSeconds = time.Since(t0).Seconds()
	js, _ := json.MarshalIndent(sum, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "train.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", js)
	return nil
}

// heldOut deterministically assigns a query to the held-out part.
func heldOut(id string, frac float64) bool {
	h := fnv.New64a()
	h.Write([]byte("holdout:" + id))
	return float64(h.Sum64()%10000) < frac*10000
}

// parseWeights reads --teacher-weights: n comma-separated numbers, or nil
// (equal weights) when empty. distill checks they are finite and >= 0.
func parseWeights(s string, n int) ([]float64, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, fmt.Errorf("--teacher-weights %q: %d weights for %d teachers", s, len(parts), n)
	}
	w := make([]float64, n)
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("--teacher-weights %q: weight %d: %v", s, i+1, err)
		}
		w[i] = x
	}
	return w, nil
}

// fitTranslation fits the translation table on the training queries' judged
// positives (grade > 0) with the trained student's document vectors (by
// corpus position).
func fitTranslation(vecs []sparse.Vector, corpus []dataset.Doc, tok *wordpiece.Tokenizer, qidf *encoder.IDF, queries []dataset.Query, qrels dataset.Qrels, o distill.TranslationFit) (*encoder.Translation, error) {
	at := make(map[string]int, len(corpus))
	for i, d := range corpus {
		at[d.ID] = i
	}
	qs := make([]sparse.Vector, len(queries))
	pos := make([][]int, len(queries))
	for i, q := range queries {
		qs[i] = qidf.Query(tok, q.Text)
		for id, g := range qrels[q.ID] {
			if d, ok := at[id]; ok && g > 0 {
				pos[i] = append(pos[i], d)
			}
		}
		slices.Sort(pos[i])
	}
	return distill.FitTranslation(vecs, qidf.Weights(), qs, pos, tok.VocabSize(), o)
}
