package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/eval"
)

// `beir --compare A B`: paired bootstrap and randomisation test of B against
// A. A and B are JSON reports written by --json (they carry per-query
// metrics) or TREC run files (then --data and --split give the qrels). It is
// dispatched from init so it needs no change to main.go's flag set.
func init() {
	for _, a := range os.Args[1:] {
		if a == "--compare" || a == "-compare" {
			os.Exit(compareMain(os.Args[1:], os.Stdout, os.Stderr))
		}
	}
}

func compareMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("beir --compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Bool("compare", true, "compare two systems: A B (reports .json or TREC runs)")
	metric := fs.String("metric", "ndcg@10", "per-query metric to compare")
	data := fs.String("data", "", "dataset directory (qrels for TREC run inputs)")
	split := fs.String("split", "test", "qrels split for TREC run inputs")
	resamples := fs.Int("resamples", 10000, "bootstrap resamples and randomisation rounds")
	seed := fs.Uint64("seed", 42, "random seed")
	jsonOut := fs.String("json", "", "also write the comparison as JSON here")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: beir --compare [--metric ndcg@10] [--data DIR --split test] A B")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return 2
	}
	c, err := compareFiles(fs.Arg(0), fs.Arg(1), *metric, *data, *split, eval.SignificanceOptions{Resamples: *resamples, Seed: *seed})
	if err != nil {
		fmt.Fprintln(stderr, "beir:", err)
		return 1
	}
	fmt.Fprintf(stdout, "A=%s B=%s\n%s\n", fs.Arg(0), fs.Arg(1), c)
	if *jsonOut != "" {
		f, err := os.Create(*jsonOut)
		if err == nil {
			_, err = fmt.Fprintf(f, "{\"a\": %q, \"b\": %q, \"metric\": %q, \"queries\": %d, \"mean_a\": %.6f, \"mean_b\": %.6f, \"diff\": %.6f, \"ci_low\": %.6f, \"ci_high\": %.6f, \"p_bootstrap\": %.6f, \"p_randomisation\": %.6f}\n",
				fs.Arg(0), fs.Arg(1), c.Metric, c.N, c.MeanA, c.MeanB, c.Diff, c.CILow, c.CIHigh, c.PBootstrap, c.PRandom)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "beir:", err)
			return 1
		}
	}
	return 0
}

func compareFiles(a, b, metric, data, split string, opts eval.SignificanceOptions) (eval.Comparison, error) {
	var qrels dataset.Qrels
	load := func(path string) (*eval.Report, error) {
		if strings.HasSuffix(path, ".json") {
			return eval.ReadReportFile(path)
		}
		if data == "" {
			return nil, fmt.Errorf("%s is not a .json report: TREC runs need --data DIR (and --split) for qrels", path)
		}
		if qrels == nil {
			q, err := dataset.LoadQrels(filepath.Join(data, "qrels", split+".tsv"))
			if err != nil {
				return nil, err
			}
			qrels = q
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		run, err := eval.ReadTRECRun(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		rep := eval.Evaluate(run, qrels)
		return &rep, nil
	}
	ra, err := load(a)
	if err != nil {
		return eval.Comparison{}, err
	}
	rb, err := load(b)
	if err != nil {
		return eval.Comparison{}, err
	}
	return eval.CompareReports(ra, rb, metric, opts)
}
