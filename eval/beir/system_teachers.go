package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/distill"
	"github.com/sparrow-search/sparrow/distill/teachers"
	"github.com/sparrow-search/sparrow/eval"
)

// Teacher systems (issue 4): one per distillation teacher, plus "ensemble"
// (the min-max normalised weighted average the student is distilled from).
// Parameters (--param):
//   - glove=FILE: GloVe JSON for dense (default distill.GloVePath()).
//   - scores=FILE: the score file of teacher-external.
//   - teachers=a,b,c, weights=w1,w2,w3 | tune, depth=N: ensemble members
//     (default bm25porter,dense and, with --train-split, ltr), weights (equal by
//     default; "tune" picks them on --train-split queries with
//     distill.TuneWeights) and candidate depth per member (default 100).
//   - ltr-trees, ltr-depth, ltr-rate, ltr-minleaf, ltr-queries: LambdaMART
//     settings (distill.GBDTOptions, LTROptions.MaxQueries).
//   - ltr-dense=true adds the dense feature; ltr-rm3=false drops the RM3
//     features (on by default).
//   - ltr-pseudo=N trains ltr on N corpus-only pseudo-queries instead of
//     --train-split.
//
// teacher-ltr and ensembles with ltr train on --train-split, which the runner
// guarantees is not the evaluated split.
func init() {
	for _, spec := range teachers.Specs() { // every teacher of the registry, so none is missing here
		if !spec.Retrieves {
			continue
		}
		name := spec.Name
		eval.RegisterSystem("teacher-"+name, func(ctx *eval.SystemContext) (eval.Retriever, error) {
			return openTeachers(ctx, "teacher-"+name, []string{name}, nil)
		})
	}
	eval.RegisterSystem("ensemble", func(ctx *eval.SystemContext) (eval.Retriever, error) {
		names := []string{"bm25porter", "dense"}
		if ctx.TrainSplit != "" {
			names = append(names, "ltr")
		}
		if s := ctx.Param("teachers", ""); s != "" {
			names = strings.Split(s, ",")
		}
		var weights []float64
		if s := ctx.Param("weights", ""); s == "tune" {
			weights = []float64{} // tuned on --train-split in openTeachers
		} else if s != "" {
			for _, f := range strings.Split(s, ",") {
				w, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
				if err != nil {
					return nil, fmt.Errorf("ensemble: bad weight %q", f)
				}
				weights = append(weights, w)
			}
		}
		return openTeachers(ctx, "ensemble", names, weights)
	})
}

type teacherSystem struct {
	ids []string
	r   teachers.Retriever
	ts  []teachers.Teacher
}

func openTeachers(ctx *eval.SystemContext, system string, names []string, weights []float64) (eval.Retriever, error) {
	if err := ctx.CheckParams(system, "glove", "scores", "teachers", "weights", "depth", "ltr-dense", "ltr-rm3", "ltr-pseudo", "ltr-trees", "ltr-depth", "ltr-rate", "ltr-queries", "ltr-minleaf"); err != nil {
		return nil, err
	}
	if ctx.ModelDir != "" {
		return nil, fmt.Errorf("system %s takes no --model (got %q)", system, ctx.ModelDir)
	}
	corpus := ctx.Dataset.Corpus
	cfg := teachers.Config{GloVe: ctx.Param("glove", ""), Progress: logw(ctx), LTRDense: ctx.Param("ltr-dense", "") == "true", LTRNoRM3: ctx.Param("ltr-rm3", "") == "false"}
	for key, dst := range map[string]*int{"ltr-trees": &cfg.LTR.GBDT.Trees, "ltr-depth": &cfg.LTR.GBDT.Depth, "ltr-queries": &cfg.LTR.MaxQueries, "ltr-minleaf": &cfg.LTR.GBDT.MinLeaf} {
		if v := ctx.Param(key, ""); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("system %s: --param %s=%q: want a positive integer", system, key, v)
			}
			*dst = n
		}
	}
	if v := ctx.Param("ltr-rate", ""); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("system %s: --param ltr-rate=%q: want a positive number", system, v)
		}
		cfg.LTR.GBDT.LearningRate = r
	}
	for i, n := range names {
		names[i] = strings.TrimSpace(n)
		if spec, ok := teachers.Lookup(names[i]); ok && spec.Param != "" && !strings.Contains(names[i], "=") {
			v := ctx.Param(spec.Param, "")
			if v == "" {
				return nil, fmt.Errorf("system %s: --param %s=%s is required", system, spec.Param, spec.Arg)
			}
			names[i] += "=" + v
		}
		if names[i] == "ltr" && ctx.Param("ltr-pseudo", "") != "" {
			n, err := strconv.Atoi(ctx.Param("ltr-pseudo", ""))
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("system %s: --param ltr-pseudo=%q: want a positive integer", system, ctx.Param("ltr-pseudo", ""))
			}
			qs, qrels, err := distill.PseudoQueries(corpus, distill.PseudoOptions{Queries: n, Kinds: []string{distill.PseudoSentence, distill.PseudoKeyphrase}})
			if err != nil {
				return nil, err
			}
			cfg.TrainQueries, cfg.TrainQrels = qs, qrels
		} else if names[i] == "ltr" {
			qs, qrels, err := ctx.LoadTrainQueries()
			if err != nil {
				return nil, fmt.Errorf("system %s: teacher ltr: %w", system, err)
			}
			cfg.TrainQueries, cfg.TrainQrels = qs, qrels
		}
	}
	depth := 0 // checked before the teachers are built: building them can take minutes
	if d := ctx.Param("depth", ""); d != "" {
		var err error
		if depth, err = strconv.Atoi(d); err != nil || depth <= 0 {
			return nil, fmt.Errorf("system %s: bad depth %q", system, d)
		}
	}
	ts, err := teachers.New(corpus, names, cfg)
	if err != nil {
		return nil, err
	}
	s := &teacherSystem{ids: make([]string, len(corpus)), ts: ts}
	for i, d := range corpus {
		s.ids[i] = d.ID
	}
	if s.r, err = teacherRetriever(ctx, system, corpus, ts, weights, depth); err != nil {
		s.Close() // teachers may hold in-memory indexes
		return nil, err
	}
	return s, nil
}

// teacherRetriever is the single teacher, or the ensemble of ts with weights
// (tuned on --train-split when weights is empty but not nil).
func teacherRetriever(ctx *eval.SystemContext, system string, corpus []dataset.Doc, ts []teachers.Teacher, weights []float64, depth int) (teachers.Retriever, error) {
	if len(ts) == 1 && weights == nil {
		r, ok := ts[0].(teachers.Retriever)
		if !ok {
			return nil, fmt.Errorf("system %s: teacher %s cannot retrieve", system, ts[0].Name())
		}
		return r, nil
	}
	if weights != nil && len(weights) == 0 {
		qs, qrels, err := ctx.LoadTrainQueries()
		if err != nil {
			return nil, fmt.Errorf("system %s: weights=tune: %w", system, err)
		}
		weights, _, err = distill.TuneWeights(corpus, qs, qrels, ts, nil, distill.ExampleOptions{}, logw(ctx))
		if err != nil {
			return nil, err
		}
	}
	e, err := teachers.NewEnsemble("", ts, weights)
	if err != nil {
		return nil, err
	}
	if depth > 0 {
		e.RetrieveDepth = depth
	}
	fmt.Fprintf(logw(ctx), "%s: %s weights %v\n", system, e.Name(), e.Weights())
	return e, nil
}

func (s *teacherSystem) Retrieve(q dataset.Query, k int) ([]eval.Hit, error) {
	hits, err := s.r.Retrieve(q, k)
	if err != nil {
		return nil, err
	}
	out := make([]eval.Hit, len(hits))
	for i, h := range hits {
		out[i] = eval.Hit{ID: s.ids[h.Doc], Score: h.Score}
	}
	return out, nil
}

func (s *teacherSystem) Close() error { return teachers.Close(s.ts) }

// logw is where teacher systems log decisions (chosen weights): the progress
// writer, or stderr under --quiet.
func logw(ctx *eval.SystemContext) io.Writer {
	if ctx.Progress != nil {
		return ctx.Progress
	}
	return os.Stderr
}
