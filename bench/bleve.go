package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/internal/cputime"
	"github.com/sparrow-search/sparrow/lexical"
	"github.com/sparrow-search/sparrow/sparse"
)

// render writes a vector as token text for bleve: token id t becomes the
// word "t<id>", repeated 1..5 times in proportion to its weight, so BM25's
// term frequency follows the learned weight.
func render(v sparse.Vector, maxW float32) string {
	var sb strings.Builder
	for i, id := range v.IDs {
		reps := 1
		if maxW > 0 {
			reps = max(1, int(math.Ceil(float64(v.Weights[i]/maxW)*5)))
		}
		w := "t" + strconv.Itoa(int(id))
		for range reps {
			sb.WriteString(w)
			sb.WriteByte(' ')
		}
	}
	return sb.String()
}

func queryText(q sparse.Vector) string {
	var sb strings.Builder
	for _, id := range q.IDs {
		sb.WriteString("t" + strconv.Itoa(int(id)) + " ")
	}
	return sb.String()
}

// runBleve indexes the first n documents in an in-memory bleve BM25 index
// (lexical package, "standard" analyzer) and times the same queries.
func runBleve(rep *Report, n int, docText func(int) string, qs []sparse.Vector) error {
	t0 := time.Now()
	ix, err := lexical.Build(nil, "", lexical.Options{Analyzer: "standard", BatchSize: 2000})
	if err != nil {
		return err
	}
	defer ix.Close()
	const chunk = 10000
	for i := 0; i < n; i += chunk {
		var docs []dataset.Doc
		for j := i; j < min(n, i+chunk); j++ {
			docs = append(docs, dataset.Doc{ID: strconv.Itoa(j), Text: docText(j)})
		}
		if err := ix.Add(docs); err != nil {
			return err
		}
		if i%(10*chunk) == 0 {
			fmt.Fprintf(os.Stderr, "bleve: %d/%d docs indexed\n", i+len(docs), n)
		}
	}
	rep.BleveDocs = n
	rep.BleveBuildDocsPerS = float64(n) / time.Since(t0).Seconds()
	for _, k := range []int{10, 100} {
		// bleve may use other goroutines; only this thread's CPU time is
		// counted, so its CPU figure is a lower bound (wall is reported too).
		times := make([]time.Duration, len(qs))
		walls := make([]time.Duration, len(qs))
		for i, q := range qs {
			text := queryText(q)
			w0, t0 := time.Now(), cputime.Thread()
			if _, err := ix.Search(text, k); err != nil {
				return err
			}
			times[i], walls[i] = cputime.Thread()-t0, time.Since(w0)
		}
		lat := summarize(times, walls)
		switch k {
		case 10:
			rep.Algorithms["bleve_bm25"] = lat
		case 100:
			rep.AlgorithmsK100["bleve_bm25"] = lat
		}
		fmt.Fprintf(os.Stderr, "k=%d %-10s mean %8.1fus p50 %8.1fus p99 %8.1fus (%d docs)\n", k, "bleve_bm25", lat.MeanUS, lat.P50US, lat.P99US, n)
	}
	return nil
}
