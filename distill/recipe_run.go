package distill

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill/glove"
	"github.com/sparrow-search/sparrow/distill/teachers"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/native"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/encoder/words"
	"github.com/sparrow-search/sparrow/internal/progress"
	"github.com/sparrow-search/sparrow/sparse"
)

// Summary is what a Run did, written to the model directory as train.json.
type Summary struct {
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
	HeldOutTranslation float64 `json:"held_out_ndcg10_translation,omitempty"`
	TranslationEntries int     `json:"translation_entries,omitempty"`
	// AssociatedDocs: documents the model's query association names;
	// HeldOutAssociations the held-out NDCG@10 with it (and translation).
	AssociatedDocs      int                `json:"associated_docs,omitempty"`
	HeldOutAssociations float64            `json:"held_out_ndcg10_associations,omitempty"`
	Docs                int                `json:"docs"`
	AvgDL               float64            `json:"avgdl"`
	Seconds             float64            `json:"train_seconds"`
	TotalSeconds        float64            `json:"total_seconds"`
	Recipe              Recipe             `json:"recipe"`
	TeacherOOF          map[string]float64 `json:"teacher_oof_ndcg10,omitempty"`
	GloVeCoverage       *GloVeStats        `json:"glove_coverage,omitempty"`
}

// recipeRun is one Run's state, phase by phase.
type recipeRun struct {
	*Recipe
	ctx   context.Context
	start time.Time
	sum   Summary
	glove string // word-vectors file (native only)

	corpus []dataset.Doc
	ana    modeldir.Resolved // the model's analysis
	words  *words.Corpus     // the word terms' part of the score (nil: off)
	tok    *wordpiece.Tokenizer
	idf    []float32
	avgdl  float64
	qidf   *encoder.IDF

	trainQ, heldQ         []dataset.Query
	trainQrels, evalQrels dataset.Qrels
}

func (r *recipeRun) logf(format string, a ...any) {
	if r.Progress != nil {
		fmt.Fprintf(r.Progress, format+"\n", a...)
	}
}

func (r *recipeRun) run() (*Summary, error) {
	r.start = time.Now()
	r.sum = Summary{Arch: r.Arch, Corpus: r.Corpus, TrainSplit: r.TrainSplit, Recipe: *r.Recipe}
	r.tok = wordpiece.DefaultTokenizer()
	if r.Arch == modeldir.ArchNative {
		// first: a missing input must fail before minutes of work
		if err := r.findGloVe(); err != nil {
			return nil, err
		}
	}
	r.ana = r.Analysis.Resolve()
	steps := []func() error{r.loadCorpus, r.corpusStats, r.wordTerms}
	if r.Arch == modeldir.ArchBM25TF {
		steps = append(steps, r.writeBM25TF)
	} else {
		steps = append(steps, r.loadQueries, r.trainNative)
	}
	for _, step := range steps {
		if err := r.ctx.Err(); err != nil {
			return nil, err
		}
		if err := step(); err != nil {
			return nil, err
		}
	}
	return &r.sum, nil
}

// findGloVe locates (or fetches) the word vectors.
func (r *recipeRun) findGloVe() error {
	if r.GloVe != "" {
		if _, err := os.Stat(r.GloVe); err != nil {
			return fmt.Errorf("distill: word vectors: %w (run `%s`, or leave the path empty to use the cache)", err, glove.FetchCommand)
		}
		r.glove = r.GloVe
		return nil
	}
	p, err := glove.Ensure(r.ctx, r.Progress)
	if err != nil {
		return err
	}
	r.glove = p
	return nil
}

func (r *recipeRun) loadCorpus() error {
	done := progress.Phase(r.Progress, "train: loading "+filepath.Join(r.Corpus, "corpus.jsonl"))
	corpus, err := dataset.LoadCorpus(filepath.Join(r.Corpus, "corpus.jsonl"))
	done()
	if err != nil {
		return err
	}
	if len(corpus) == 0 {
		return fmt.Errorf("distill: %s: empty corpus", r.Corpus)
	}
	r.corpus = corpus
	r.sum.Docs = len(corpus)
	return nil
}

// corpusStats computes idf.json's weights and the prior's average length.
func (r *recipeRun) corpusStats() error {
	conf, err := wordpiece.NewConflation(r.tok, r.Conflate)
	if err != nil {
		return err
	}
	bar := progress.New(r.Progress, len(r.corpus), "train: corpus statistics", "docs")
	defer bar.Close()
	stats, err := encoder.ConflatedCorpusStats(r.tok, conf, r.MaxLength, func(y func(string) error) error {
		for _, d := range r.corpus {
			if err := y(encoder.DocText(d.Title, d.Text)); err != nil {
				return err
			}
			bar.Add(1)
		}
		return nil
	})
	if err != nil {
		return err
	}
	bar.Finish()
	r.idf, r.avgdl = stats.IDFWeights(r.tok), stats.AvgDL
	if dirs := r.idfDirs(); len(dirs) > 1 {
		var prior func(int) float32
		if r.IDFPrior == "max" {
			prior = MaxIDF
		}
		done := progress.Phase(r.Progress, fmt.Sprintf("train: idf over %d corpora", len(dirs)))
		idf, uavg, un, err := UnionIDF(r.tok, conf, r.MaxLength, dirs, prior)
		done()
		if err != nil {
			return err
		}
		r.idf = idf
		r.logf("train: idf from %d documents of %d corpora (prior %s), avgdl %.1f", un, len(dirs), r.IDFPrior, uavg)
		if r.AvgDL < 0 {
			r.avgdl = uavg
		}
	}
	if r.AvgDL > 0 {
		r.avgdl = r.AvgDL
	}
	r.sum.AvgDL = r.avgdl
	r.qidf = encoder.NewIDF(r.idf)
	return nil
}

// modelConfig is config.json for architecture arch with the recipe's prior
// and analysis.
func (r *recipeRun) modelConfig(arch string) modeldir.Config {
	return modeldir.Config{Architecture: arch, VocabSize: r.tok.VocabSize(), MaxLength: r.MaxLength,
		K1: r.K1, B: r.B, AvgDL: r.avgdl, Conflate: r.Conflate, Stopwords: r.Stopwords, Analysis: r.analysis()}
}

// analysis is the model's config.json "analysis": the recipe's, every value
// written out so that the model says how it was trained.
func (r *recipeRun) analysis() *modeldir.Analysis {
	a := r.ana
	out := &modeldir.Analysis{Words: a.Words, K1: a.K1, B: &a.B, BigramWeight: a.BigramWeight,
		QueryTerms: modeldir.QueryTermsCount, IDF: modeldir.IDFCorpus, PieceWeight: &a.PieceWeight}
	if !a.QueryCounts {
		out.QueryTerms = modeldir.QueryTermsOnce
	}
	if !a.CorpusIDF {
		out.IDF = modeldir.IDFModel
	}
	return out
}

// wordTerms indexes the training corpus's words as a collection with the
// model's analysis would: the fixed part of the score the student learns on
// top of.
func (r *recipeRun) wordTerms() error {
	if !r.ana.WordTerms() {
		return nil
	}
	if _, err := words.New(r.ana.Words); err != nil {
		return err
	}
	done := progress.Phase(r.Progress, "train: word terms of the corpus")
	r.words = r.wordCorpus(r.corpus)
	done()
	return nil
}

// wordCorpus indexes docs' words with the model's analysis.
func (r *recipeRun) wordCorpus(docs []dataset.Doc) *words.Corpus {
	an, _ := words.New(r.ana.Words) // the name was checked by wordTerms
	texts := make([]string, len(docs))
	for i, d := range docs {
		texts[i] = encoder.DocText(d.Title, d.Text)
	}
	return words.NewCorpus(an, words.Config{Analyzer: r.ana.Words, K1: r.ana.K1, B: r.ana.B}, r.ana.BigramWeight, texts)
}

func (r *recipeRun) writeBM25TF() error {
	if err := encoder.WriteModelDir(r.Out, r.modelConfig(modeldir.ArchBM25TF), r.tok, r.idf); err != nil {
		return err
	}
	r.logf("wrote %s model to %s (%d docs, avgdl %.1f)", r.Arch, r.Out, len(r.corpus), r.avgdl)
	return r.writeSummary()
}

// loadQueries reads the training split (or makes pseudo-queries) and splits
// off the evaluation queries.
func (r *recipeRun) loadQueries() error {
	var queries []dataset.Query
	var qrels dataset.Qrels
	var err error
	if r.TrainSplit != "" {
		queries, qrels, err = LoadTrainingSplit(r.Corpus, r.TrainSplit)
	} else {
		queries, qrels, err = PseudoQueries(r.corpus, PseudoOptions{Queries: r.Pseudo, Seed: r.Seed})
	}
	if err != nil {
		return err
	}
	for _, q := range queries {
		if r.HoldOut > 0 && heldOut(q.ID, r.HoldOut) {
			r.heldQ = append(r.heldQ, q)
		} else {
			r.trainQ = append(r.trainQ, q)
		}
	}
	r.evalQrels = qrels
	if r.EvalSplit != "" {
		if r.heldQ, r.evalQrels, err = LoadTrainingSplit(r.Corpus, r.EvalSplit); err != nil {
			return err
		}
	}
	r.trainQrels = dataset.Qrels{}
	for _, q := range r.trainQ {
		r.trainQrels[q.ID] = qrels[q.ID]
	}
	r.sum.Queries, r.sum.HeldOut = len(r.trainQ), len(r.heldQ)
	return nil
}

// heldOut deterministically assigns a query to the held-out part.
func heldOut(id string, frac float64) bool {
	h := fnv.New64a()
	h.Write([]byte("holdout:" + id))
	return float64(h.Sum64()%10000) < frac*10000
}

// examples builds the teachers, their targets over each training query's
// candidates, and releases the teachers.
func (r *recipeRun) examples() ([]Example, error) {
	r.logf("train: %d docs, %d training queries (%d held out), teachers %v", len(r.corpus), len(r.trainQ), len(r.heldQ), r.Teachers)
	exs, err := r.setExamples(r.corpus, r.trainQ, r.trainQrels, r.words)
	r.sum.Examples = len(exs)
	return exs, err
}

// setExamples builds one labelled collection's examples: its own teachers,
// their targets over its queries' candidates (corpus indices) and, with
// word terms on, the word part of each candidate's score by its own
// statistics (wc).
func (r *recipeRun) setExamples(corpus []dataset.Doc, qs []dataset.Query, qrels dataset.Qrels, wc *words.Corpus) ([]Example, error) {
	cfg := teachers.Config{GloVe: r.glove, TrainQueries: qs, TrainQrels: qrels, Progress: r.Progress}
	cfg.LTR.GBDT.Depth = r.LTRDepth
	ts, err := teachers.New(corpus, r.Teachers, cfg)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if l, ok := t.(*teachers.LTR); ok {
			if r.sum.TeacherOOF == nil {
				r.sum.TeacherOOF = map[string]float64{}
			}
			r.sum.TeacherOOF[l.Name()] = l.OOF
			r.logf("train: teacher %s out-of-fold NDCG@10 on training queries %.4f", l.Name(), l.OOF)
		}
	}
	exs, err := BuildExamples(corpus, qs, qrels, ts, ExampleOptions{K: r.K, Weights: r.TeacherWeights,
		Scale: r.Scale, NoPositives: r.NoPositives, Workers: r.Workers, Progress: r.Progress})
	// the teachers are done: release their indexes before training
	if cerr := teachers.Close(ts); err == nil {
		err = cerr
	}
	if err == nil && wc != nil && !r.StudentAlone {
		for i := range exs {
			q := wc.Query(exs[i].Query, r.ana.QueryCounts)
			exs[i].Base = make([]float32, len(exs[i].Cands))
			for j, c := range exs[i].Cands {
				exs[i].Base[j] = wc.Score(q, c)
			}
		}
	}
	return exs, err
}

// extraExamples adds the Extra collections' examples to exs and their
// documents to the training corpus (after the main corpus, candidates
// shifted accordingly).
func (r *recipeRun) extraExamples(corpus []dataset.Doc, exs []Example) ([]dataset.Doc, []Example, error) {
	for _, x := range r.Extra {
		docs, err := dataset.LoadCorpus(filepath.Join(x.Dir, "corpus.jsonl"))
		if err != nil {
			return nil, nil, err
		}
		qrels, err := dataset.LoadSplitQrels(x.Dir, x.Split)
		if err != nil {
			return nil, nil, err
		}
		qs, err := dataset.LoadJudgedQueries(filepath.Join(x.Dir, "queries.jsonl"), qrels)
		if err != nil {
			return nil, nil, err
		}
		if x.MaxQueries > 0 && len(qs) > x.MaxQueries {
			// a fixed subset: the queries whose id hashes lowest
			slices.SortFunc(qs, func(a, b dataset.Query) int { return cmp.Compare(idHash(a.ID), idHash(b.ID)) })
			qs = qs[:x.MaxQueries]
		}
		var wc *words.Corpus
		if r.ana.WordTerms() {
			wc = r.wordCorpus(docs)
		}
		r.logf("train: extra set %s (%s): %d docs, %d queries", x.Dir, x.Split, len(docs), len(qs))
		more, err := r.setExamples(docs, qs, qrels, wc)
		if err != nil {
			return nil, nil, fmt.Errorf("extra set %s: %w", x.Dir, err)
		}
		off := len(corpus)
		for i := range more {
			for j := range more[i].Cands {
				more[i].Cands[j] += off
			}
			for j := range more[i].Positives {
				more[i].Positives[j] += off
			}
		}
		corpus = append(corpus, docs...)
		exs = append(exs, more...)
	}
	r.sum.Examples = len(exs)
	return corpus, exs, nil
}

func idHash(id string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()
}

// trainNative distils the student, post-processes it and writes the model.
func (r *recipeRun) trainNative() error {
	exs, err := r.examples()
	if err != nil {
		return err
	}
	corpus := r.corpus
	if len(r.Extra) > 0 {
		// a fresh slice: r.corpus stays the main corpus (evaluation, translation)
		if corpus, exs, err = r.extraExamples(slices.Clip(r.corpus), exs); err != nil {
			return err
		}
	}
	if err := r.ctx.Err(); err != nil {
		return err
	}
	done := progress.Phase(r.Progress, "train: initial embeddings from "+r.glove)
	emb, dim, gst, err := LoadEmbeddings(r.glove, r.tok, r.Seed)
	done()
	if err != nil {
		return err
	}
	if gst.Words > 0 {
		r.sum.GloVeCoverage = &gst
		r.logf("train: GloVe init: %d whole words, %d ##pieces, %d random rows", gst.Words, gst.Pieces, gst.Random)
	}
	opts, evalErr, err := r.trainOptions()
	if err != nil {
		return err
	}
	n, st, err := Train(corpus, exs, r.tok, r.idf, r.avgdl, emb, dim, opts)
	if err == nil {
		err = *evalErr
	}
	if err != nil {
		return err
	}
	r.sum.EpochLosses, r.sum.AvgNNZ, r.sum.Seconds = st.EpochLosses, st.AvgNNZ, st.Seconds
	if r.GateShift != 0 {
		if n, err = SmoothGate(n, r.tok, r.GateShift); err != nil {
			return err
		}
	}
	return r.finish(n)
}

// trainOptions maps the recipe onto Train's options, with the per-epoch
// held-out evaluation when there are held-out queries. *evalErr is set by
// that evaluation, which cannot return an error through Train.
func (r *recipeRun) trainOptions() (TrainOptions, *error, error) {
	evalErr := new(error)
	opts := TrainOptions{Hidden: r.Hidden, Expansion: r.Expansion, MaxLength: r.MaxLength, K1: r.K1, B: r.B,
		Epochs: r.Epochs, Batch: r.Batch, LR: r.LR, Lambda: r.Lambda, PlainFLOPS: r.PlainFLOPS,
		KL: r.KL, Contrastive: r.Contrastive, FreezeEmb: r.FreezeEmb, NoBias: r.NoBias, GateFloor: r.GateFloor,
		Conflate: r.Conflate, Stopwords: r.Stopwords, Seed: r.Seed, Workers: r.Workers, Progress: r.Progress, Context: r.ctx,
		QueryCounts: r.ana.QueryCounts}
	if r.Graded && r.TrainSplit != "" {
		opts.Grades = r.trainQrels
	}
	if len(r.heldQ) == 0 {
		return opts, evalErr, nil
	}
	bm, err := native.NewBM25TF(r.tok, r.modelConfig(modeldir.ArchBM25TF))
	if err != nil {
		return opts, nil, err
	}
	if r.sum.HeldOutBM25, err = r.evalEncoder(bm); err != nil {
		return opts, nil, fmt.Errorf("distill: held-out evaluation: %w", err)
	}
	r.logf("train: held-out NDCG@10 bm25-tf %.4f", r.sum.HeldOutBM25)
	opts.AfterEpoch = func(epoch int, n *native.Model) string {
		v, err := r.evalEncoder(n)
		if err != nil {
			// a 0 would read as a measured NDCG in train.json
			if *evalErr == nil {
				*evalErr = fmt.Errorf("distill: held-out evaluation after epoch %d: %w", epoch, err)
			}
			return ""
		}
		r.sum.HeldOutNDCG = append(r.sum.HeldOutNDCG, v)
		return fmt.Sprintf("held-out NDCG@10 %.4f (bm25-tf %.4f)", v, r.sum.HeldOutBM25)
	}
	return opts, evalErr, nil
}

// evalVecs is the held-out NDCG@10 of encoded documents, scored as the
// model's collection would (word terms included).
func (r *recipeRun) evalVecs(vecs []sparse.Vector) float64 {
	e := NewSparseEval(vecs, r.corpus, r.tok.VocabSize())
	e.Words, e.QueryCounts, e.PieceWeight = r.words, r.ana.QueryCounts, r.ana.PieceWeight
	return e.MeanNDCG10(r.heldQ, r.evalQrels, r.tok, r.qidf)
}

func (r *recipeRun) evalEncoder(enc encoder.Encoder) (float64, error) {
	vecs, err := EncodeCorpus(enc, r.corpus, r.Workers, nil)
	if err != nil {
		return 0, err
	}
	return r.evalVecs(vecs), nil
}

// finish fits the translation table, measures the final model and writes
// the model directory.
func (r *recipeRun) finish(n *native.Model) error {
	cfg := n.Config()
	var table *encoder.Translation
	var vecs []sparse.Vector // the final model's corpus, encoded once for what follows
	var err error
	if r.Translation.Terms > 0 || len(r.heldQ) > 0 {
		if vecs, err = EncodeCorpus(n, r.corpus, r.Workers, r.Progress); err != nil {
			return err
		}
	}
	if r.Translation.Terms > 0 {
		if table, err = r.fitTranslation(n, vecs, &cfg); err != nil {
			return err
		}
	}
	if len(r.heldQ) > 0 {
		// efficiency of the final model: non-zeros over the whole corpus and
		// SPLADE's FLOPS with the held-out queries
		qs := make([]sparse.Vector, len(r.heldQ))
		for i, q := range r.heldQ {
			qs[i] = r.qidf.Query(r.tok, q.Text)
		}
		r.sum.CorpusNNZ, r.sum.FLOPS = Sparsity(vecs, qs, r.tok.VocabSize())
	}
	var assoc *encoder.Associations
	if r.Associate {
		if assoc, err = r.associate(n, table, &cfg); err != nil {
			return err
		}
	}
	var half map[string]bool
	if r.F16 {
		half = map[string]bool{"emb": true}
	}
	cfg.Architecture = modeldir.ArchNative
	cfg.Analysis = r.analysis()
	if err := encoder.WriteModelDir(r.Out, cfg, r.tok, r.idf); err != nil {
		return err
	}
	if err := native.WriteParams(r.Out, n.P, half); err != nil {
		return err
	}
	if table != nil {
		if err := encoder.WriteTranslation(r.Out, table); err != nil {
			return err
		}
	}
	if assoc != nil {
		if _, err := encoder.WriteAssociations(r.Out, assoc); err != nil {
			return err
		}
	}
	return r.writeSummary()
}

// associate fits the model's query association (each training query judged
// relevant, grade > 0, to a document of the corpus, once per grade, keyed by
// the document's text) and names it in cfg. With held-out queries it
// measures the model with it: documents re-encoded from their associated
// text, word terms recounted.
func (r *recipeRun) associate(n *native.Model, table *encoder.Translation, cfg *modeldir.Config) (*encoder.Associations, error) {
	a := FitAssociations(r.corpus, r.trainQ, r.trainQrels)
	if len(a.Docs) == 0 {
		return nil, fmt.Errorf("distill: query association: no training query is judged relevant to a document of the corpus")
	}
	cfg.Associations = a.Config()
	r.sum.AssociatedDocs = len(a.Docs)
	r.logf("train: query association: %d training queries on %d documents", len(a.Queries), len(a.Docs))
	if len(r.heldQ) == 0 {
		return a, nil
	}
	var enc encoder.Encoder = n
	if table != nil {
		var err error
		if enc, err = encoder.WithTranslation(n, table, *cfg.Translation, r.tok, *cfg, r.idf); err != nil {
			return nil, err
		}
	}
	docs := make([]dataset.Doc, len(r.corpus))
	for i, d := range r.corpus {
		docs[i] = dataset.Doc{ID: d.ID, Text: a.Text(encoder.DocText(d.Title, d.Text))}
	}
	vecs, err := EncodeCorpus(enc, docs, r.Workers, nil)
	if err != nil {
		return nil, err
	}
	e := NewSparseEval(vecs, docs, r.tok.VocabSize())
	e.Words, e.QueryCounts, e.PieceWeight = r.wordCorpus(docs), r.ana.QueryCounts, r.ana.PieceWeight
	r.sum.HeldOutAssociations = e.MeanNDCG10(r.heldQ, r.evalQrels, r.tok, r.qidf)
	r.logf("train: held-out NDCG@10 with query association %.4f", r.sum.HeldOutAssociations)
	return a, nil
}

// fitTranslation fits the table on the training queries' judged positives
// with the student's vectors, expands vecs in place and records the table in
// cfg.
func (r *recipeRun) fitTranslation(n *native.Model, vecs []sparse.Vector, cfg *modeldir.Config) (*encoder.Translation, error) {
	t := r.Translation
	at := make(map[string]int, len(r.corpus))
	for i, d := range r.corpus {
		at[d.ID] = i
	}
	qs := make([]sparse.Vector, len(r.trainQ))
	pos := make([][]int, len(r.trainQ))
	for i, q := range r.trainQ {
		qs[i] = r.qidf.Query(r.tok, q.Text)
		for id, g := range r.trainQrels[q.ID] {
			if d, ok := at[id]; ok && g > 0 {
				pos[i] = append(pos[i], d)
			}
		}
		slices.Sort(pos[i])
	}
	table, err := FitTranslation(vecs, r.qidf.Weights(), qs, pos, r.tok.VocabSize(),
		TranslationFit{SourceTerms: t.SourceTerms, MinCount: t.MinCount, PerSource: t.PerSource})
	if err != nil {
		return nil, err
	}
	tc := modeldir.TranslationConfig{SourceTerms: t.SourceTerms, Terms: t.Terms, Weight: t.Weight}
	tr, err := encoder.WithTranslation(n, table, tc, r.tok, *cfg, r.idf)
	if err != nil {
		return nil, err
	}
	for i, v := range vecs {
		vecs[i] = tr.Expand(v)
	}
	cfg.Translation = &tc
	r.sum.TranslationEntries = len(table.To)
	if len(r.heldQ) > 0 {
		r.sum.HeldOutTranslation = r.evalVecs(vecs)
		r.logf("train: held-out NDCG@10 with translation %.4f (%d table entries)", r.sum.HeldOutTranslation, len(table.To))
	}
	return table, nil
}

// writeSummary writes train.json into the model directory.
func (r *recipeRun) writeSummary() error {
	r.sum.TotalSeconds = time.Since(r.start).Seconds()
	js, err := json.MarshalIndent(r.sum, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.Out, "train.json"), append(js, '\n'), 0o644)
}
