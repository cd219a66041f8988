package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/eval"
)

// `beir --compare A B`: paired bootstrap and randomisation test of B against
// A. A and B are JSON reports written by --json (they carry per-query
// metrics) or TREC run files (then --data and --split give the qrels).

// comparison is the --json output of --compare: the two inputs and the test.
type comparison struct {
	A string `json:"a"`
	B string `json:"b"`
	eval.Comparison
}

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
	js, err := json.Marshal(comparison{A: a, B: b, Comparison: c})
	if err != nil {
		return err
	}
	return os.WriteFile(jsonOut, append(js, '\n'), 0o644)
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
			q, err := dataset.LoadSplitQrels(data, split)
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
