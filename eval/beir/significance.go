package main

import (
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
// metrics) or TREC run files (then --data and --split give the qrels).

// compareFiles compares B against A, prints the result and, when jsonOut is
// set, also writes it there as JSON.
func compareFiles(a, b, metric, data, split string, opts eval.SignificanceOptions, jsonOut string, stdout io.Writer) error {
	ra, rb, err := loadPair(a, b, data, split)
	if err != nil {
		return err
	}
	c, err := eval.CompareReports(ra, rb, metric, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "A=%s B=%s\n%s\n", a, b, c)
	if jsonOut == "" {
		return nil
	}
	f, err := os.Create(jsonOut)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "{\"a\": %q, \"b\": %q, \"metric\": %q, \"queries\": %d, \"mean_a\": %.6f, \"mean_b\": %.6f, \"diff\": %.6f, \"ci_low\": %.6f, \"ci_high\": %.6f, \"p_bootstrap\": %.6f, \"p_randomisation\": %.6f}\n",
		a, b, c.Metric, c.N, c.MeanA, c.MeanB, c.Diff, c.CILow, c.CIHigh, c.PBootstrap, c.PRandom)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// loadPair reads the two inputs as reports; TREC runs are evaluated against
// DATA/qrels/SPLIT.tsv, read once.
func loadPair(a, b, data, split string) (*eval.Report, *eval.Report, error) {
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
		return nil, nil, err
	}
	rb, err := load(b)
	if err != nil {
		return nil, nil, err
	}
	return ra, rb, nil
}
