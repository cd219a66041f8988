// Command beir evaluates a retrieval system on a BEIR-format dataset
// (DESIGN.md contract 2):
//
//	go run ./eval/beir --data DIR --split test --system bm25 --json r.json [--run r.trec]
//
// renders saved reports as markdown:
//
//	go run ./eval/beir --table r1.json r2.json ...
//
// and tests B against A for a significant difference (significance.go):
//
//	go run ./eval/beir --compare [--metric ndcg@10] A.json B.json
//
// Systems register themselves from system_*.go files in this directory. The
// system sees the corpus and the split's queries; the qrels go only to the
// evaluator.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/eval"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type paramFlag map[string]string

func (p paramFlag) String() string {
	keys := make([]string, 0, len(p))
	for k, v := range p {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func (p paramFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	p[k] = v
	return nil
}

// run is main without the exit, for tests.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("beir", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "BEIR dataset directory (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv)")
	split := fs.String("split", "test", "qrels split to evaluate")
	system := fs.String("system", "", "system to evaluate (registered: "+strings.Join(eval.Systems(), ", ")+")")
	model := fs.String("model", "", "model directory for systems that use one (default: the system's default)")
	trainSplit := fs.String("train-split", "", "split a system may train or tune on (never the evaluated split)")
	half := fs.String("half", "", "evaluate one fixed half of the split's queries: dev (tune on it) or rest (report on it); for collections whose only judgments are a test split")
	jsonOut := fs.String("json", "", "write the JSON report (with --compare: the comparison) here")
	runOut := fs.String("run", "", "write a TREC run file here")
	tag := fs.String("tag", "", "run tag for --run (default: the system name)")
	k := fs.Int("k", 1000, fmt.Sprintf("hits per query (minimum %d)", eval.MinK))
	quiet := fs.Bool("quiet", false, "no progress bars")
	table := fs.Bool("table", false, "render the JSON reports given as arguments as a markdown table and exit")
	metrics := fs.String("metrics", strings.Join(eval.DefaultTableMetrics, ","), "metrics columns for --table")
	pivot := fs.String("pivot", "", "with --table: one metric, systems as rows and datasets as columns")
	compare := fs.Bool("compare", false, "paired significance test of B against A given as arguments (JSON reports, or TREC runs with --data and --split for the qrels) and exit")
	metric := fs.String("metric", "ndcg@10", "with --compare: per-query metric to compare")
	resamples := fs.Int("resamples", 10000, "with --compare: bootstrap resamples and randomisation rounds")
	seed := fs.Uint64("seed", 42, "with --compare: random seed")
	params := paramFlag{}
	fs.Var(params, "param", "system parameter key=value (repeatable), e.g. --param analyzer=en")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: beir --data DIR [--split test] --system NAME [--model DIR] [--json FILE] [--run FILE]")
		fmt.Fprintln(stderr, "       beir --table [--metrics m1,m2] [--pivot metric] REPORT.json...")
		fmt.Fprintln(stderr, "       beir --compare [--metric ndcg@10] [--data DIR --split test] [--json FILE] A B")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *table {
		if err := renderTables(fs.Args(), *metrics, *pivot, stdout); err != nil {
			fmt.Fprintln(stderr, "beir:", err)
			return 1
		}
		return 0
	}
	if *compare {
		if fs.NArg() != 2 {
			fs.Usage()
			return 2
		}
		opts := eval.SignificanceOptions{Resamples: *resamples, Seed: *seed}
		if err := compareFiles(fs.Arg(0), fs.Arg(1), *metric, *data, *split, opts, *jsonOut, stdout); err != nil {
			fmt.Fprintln(stderr, "beir:", err)
			return 1
		}
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "beir: unexpected arguments %q (reports are only read with --table or --compare)\n", fs.Args())
		return 2
	}
	if *data == "" || *system == "" {
		fs.Usage()
		return 2
	}
	var progress io.Writer = stderr
	if *quiet {
		progress = nil
	}
	if err := evaluate(*data, *split, *half, eval.RunOptions{
		System: *system, ModelDir: *model, TrainSplit: *trainSplit, K: *k, Progress: progress, Params: params,
	}, *jsonOut, *runOut, *tag, stdout); err != nil {
		fmt.Fprintln(stderr, "beir:", err)
		return 1
	}
	return 0
}

func evaluate(dir, split, half string, opts eval.RunOptions, jsonOut, runOut, tag string, stdout io.Writer) error {
	// Check the system name before spending time loading the corpus.
	if !slices.Contains(eval.Systems(), opts.System) {
		return fmt.Errorf("unknown system %q (registered: %s)", opts.System, strings.Join(eval.Systems(), ", "))
	}
	ds, err := dataset.Load(dir, split)
	if err != nil {
		return err
	}
	if half != "" {
		if err := ds.Half(half); err != nil {
			return err
		}
	}
	rep, runRes, err := eval.RunSystem(ds, split, opts)
	if err != nil {
		return err
	}
	if half != "" {
		rep.Split += "." + half // the report's numbers are not the split's
	}
	if runOut != "" {
		if tag == "" {
			tag = opts.System
		}
		if err := writeRun(runOut, runRes, tag); err != nil {
			return err
		}
	}
	if jsonOut != "" {
		if err := eval.WriteReportFile(jsonOut, rep); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s %s %s: ndcg@10=%.4f recall@100=%.4f mrr@10=%.4f map@100=%.4f (%d queries, %.1fs: open %.1fs, search %.1fs)\n",
		rep.Dataset, rep.Split, rep.System, rep.Metrics["ndcg@10"], rep.Metrics["recall@100"], rep.Metrics["mrr@10"],
		rep.Metrics["map@100"], rep.Queries, rep.Seconds, rep.OpenSeconds, rep.SearchSeconds)
	return nil
}

func writeRun(path string, run eval.Run, tag string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := eval.WriteTRECRun(f, run, tag); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

func renderTables(paths []string, metrics, pivot string, w io.Writer) error {
	var files []string
	for _, p := range paths {
		m, err := filepath.Glob(p)
		if err != nil || len(m) == 0 {
			files = append(files, p) // let the read report the problem
			continue
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		return errors.New("--table needs report files as arguments")
	}
	var reps []*eval.Report
	for _, f := range files {
		r, err := eval.ReadReportFile(f)
		if err != nil {
			return err
		}
		reps = append(reps, r)
	}
	if pivot != "" {
		_, err := io.WriteString(w, eval.PivotTable(reps, pivot))
		return err
	}
	var ms []string
	for _, m := range strings.Split(metrics, ",") {
		if m = strings.TrimSpace(m); m != "" {
			ms = append(ms, m)
		}
	}
	_, err := io.WriteString(w, eval.MarkdownTable(reps, ms))
	return err
}
