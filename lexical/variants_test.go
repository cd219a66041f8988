package lexical

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/eval"
)

// TestBM25Variants is the experiment behind docs/RESULTS.md "Baselines": it
// undoes bleve's departures from Lucene BM25 one at a time on a tuning split.
// It runs only when asked, e.g.
//
//	SPARROW_BM25_VARIANTS=../shared/data/beir/scifact:train go test -run BM25Variants -v ./lexical
//
// Variants: "avgdl" passes the true mean field length through bleve's
// BM25Stats context (bleve otherwise divides the summed per-segment
// dictionary sizes by the doc count); "idf1" sets each term's boost to 1/idf,
// cancelling the second idf factor bleve's query normalisation applies;
// "k1=0.9,b=0.4" are Pyserini's BEIR settings (bleve: 1.2, 0.75).
func TestBM25Variants(t *testing.T) {
	spec := os.Getenv("SPARROW_BM25_VARIANTS")
	if spec == "" {
		t.Skip("set SPARROW_BM25_VARIANTS=DIR:SPLIT to run this experiment")
	}
	dir, split, ok := strings.Cut(spec, ":")
	if !ok {
		t.Fatalf("SPARROW_BM25_VARIANTS=%q: want DIR:SPLIT", spec)
	}
	if split == "test" {
		t.Fatal("tune on train/dev splits, not test")
	}
	ds, err := dataset.Load(dir, split)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Build(ds.Corpus, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	total := 0
	for _, d := range ds.Corpus {
		total += len(ix.analyzer.Analyze([]byte(encoder.DocText(d.Title, d.Text))))
	}
	n := float64(len(ds.Corpus))
	adv, err := ix.bi.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if br, ok := r.(interface{ FieldCardinality(string) (int, error) }); ok {
		fc, _ := br.FieldCardinality("text")
		t.Logf("avgdl: true %.1f; bleve ceil(%d/%d) = %.0f", float64(total)/n, fc, len(ds.Corpus), math.Ceil(float64(fc)/n))
	}
	stats := &search.BM25Stats{DocCount: n, FieldCardinality: map[string]int{"text": total}}
	defer func(k1, b float64) { search.BM25_k1, search.BM25_b = k1, b }(search.BM25_k1, search.BM25_b)
	fmt.Printf("| variant (%s %s) | ndcg@10 | recall@100 | mrr@10 |\n|---|---:|---:|---:|\n", ds.Name, split)
	for _, v := range []struct {
		name        string
		avgdl, idf1 bool
		k1, b       float64
	}{
		{"bleve bm25 as is", false, false, 1.2, 0.75},
		{"+ avgdl", true, false, 1.2, 0.75},
		{"+ idf1", false, true, 1.2, 0.75},
		{"+ avgdl + idf1", true, true, 1.2, 0.75},
		{"+ k1=0.9,b=0.4", false, false, 0.9, 0.4},
		{"+ avgdl + k1=0.9,b=0.4", true, false, 0.9, 0.4},
		{"+ avgdl + idf1 + k1=0.9,b=0.4", true, true, 0.9, 0.4},
	} {
		search.BM25_k1, search.BM25_b = v.k1, v.b
		run := eval.Run{}
		for _, q := range ds.Queries {
			terms, counts := ix.Terms(q.Text)
			var clauses []query.Query
			for i, term := range terms {
				boost := float64(counts[i])
				if v.idf1 {
					tfr, err := r.TermFieldReader(context.Background(), []byte(term), "text", false, false, false)
					if err != nil {
						t.Fatal(err)
					}
					df := float64(tfr.Count())
					tfr.Close()
					if df == 0 {
						continue
					}
					boost /= math.Log(1 + (n-df+0.5)/(df+0.5)) // bleve's idf
				}
				tq := query.NewTermQuery(term)
				tq.SetField("text")
				tq.SetBoost(boost)
				clauses = append(clauses, tq)
			}
			if len(clauses) == 0 {
				continue
			}
			ctx := context.Background()
			if v.avgdl {
				ctx = context.WithValue(ctx, search.BM25StatsKey, stats)
			}
			res, err := ix.bi.SearchInContext(ctx, bleve.NewSearchRequestOptions(query.NewDisjunctionQuery(clauses), 100, 0, false))
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res.Hits {
				run[q.ID] = append(run[q.ID], eval.Hit{ID: h.ID, Score: roundScore(h.Score)})
			}
		}
		rep := eval.Evaluate(run, ds.Qrels)
		if rep.Queries == 0 {
			t.Fatal("no queries evaluated")
		}
		fmt.Printf("| %s | %.4f | %.4f | %.4f |\n", v.name, rep.Metrics["ndcg@10"], rep.Metrics["recall@100"], rep.Metrics["mrr@10"])
	}
}
