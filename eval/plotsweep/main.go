// Command plotsweep draws NDCG@10 against FLOPS for a FLOPS-regulariser
// lambda sweep (docs/student-flops-sweep.csv) into a PNG:
//
//	go run ./eval/plotsweep --csv docs/student-flops-sweep.csv --baseline 0.6822 --out docs/student-ndcg-flops.png
//
// Rows: variant (none|idf|plain), lambda, ndcg10, nnz_per_doc, flops; '#'
// lines are comments. The unregularised run (variant none) starts both curves.
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"os"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

type point struct{ lambda, flops, ndcg float64 }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "plotsweep:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("plotsweep", flag.ContinueOnError)
	in := fs.String("csv", "docs/student-flops-sweep.csv", "sweep CSV")
	out := fs.String("out", "docs/student-ndcg-flops.png", "PNG to write")
	base := fs.Float64("baseline", 0, "NDCG@10 of the baseline drawn as a dashed line (0 = none)")
	baseName := fs.String("baseline-name", "bm25-tf (WordPiece BM25)", "legend of the baseline")
	title := fs.String("title", "SciFact held-out train queries: NDCG@10 vs FLOPS (lambda sweep)", "plot title")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h printed the usage; not a failure
		}
		return err
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	series, err := readSweep(f, *in)
	if err != nil {
		return err
	}
	p := plot.New()
	p.Title.Text = *title
	p.X.Label.Text = "FLOPS (expected multiplications per query-doc pair)"
	p.Y.Label.Text = "NDCG@10"
	p.Legend.Top = false
	colors := map[string]color.Color{"idf": color.RGBA{R: 31, G: 119, B: 180, A: 255}, "plain": color.RGBA{R: 214, G: 39, B: 40, A: 255}}
	names := map[string]string{"idf": "IDF-aware FLOPS", "plain": "plain FLOPS"}
	for _, v := range []string{"idf", "plain"} {
		pts := append(append([]point(nil), series["none"]...), series[v]...)
		if len(pts) == 0 {
			continue
		}
		sort.Slice(pts, func(i, j int) bool { return pts[i].lambda < pts[j].lambda }) // the curve follows lambda
		xy := make(plotter.XYs, len(pts))
		for i, q := range pts {
			xy[i].X, xy[i].Y = q.flops, q.ndcg
		}
		line, scatter, err := plotter.NewLinePoints(xy)
		if err != nil {
			return err
		}
		line.Color, scatter.Color = colors[v], colors[v]
		p.Add(line, scatter)
		p.Legend.Add(names[v], line, scatter)
	}
	if *base > 0 {
		hl := plotter.NewFunction(func(float64) float64 { return *base })
		hl.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(hl)
		p.Legend.Add(*baseName, hl)
		// A function does not widen the axis: make room for the baseline.
		p.Y.Min = min(p.Y.Min, *base-0.035) // and for the legend below it
	}
	p.X.Min = 0
	return p.Save(7*vg.Inch, 4*vg.Inch, *out)
}

// readSweep parses the CSV into points by variant, with file:line errors.
func readSweep(r io.Reader, name string) (map[string][]point, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 5
	out := map[string][]point{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		var nums [4]float64
		for i := range nums {
			if nums[i], err = strconv.ParseFloat(rec[i+1], 64); err != nil {
				return nil, fmt.Errorf("%s:%d: column %d: %w", name, line, i+2, err)
			}
		}
		switch rec[0] {
		case "none", "idf", "plain":
		default:
			return nil, fmt.Errorf("%s:%d: unknown variant %q (want none, idf or plain)", name, line, rec[0])
		}
		out[rec[0]] = append(out[rec[0]], point{lambda: nums[0], flops: nums[3], ndcg: nums[1]})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no rows", name)
	}
	return out, nil
}
