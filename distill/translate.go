package distill

import (
	"fmt"
	"slices"
	"sort"

	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/sparse"
)

// TranslationFit configures FitTranslation. Zero values mean the defaults.
type TranslationFit struct {
	// SourceTerms: a relevant document contributes its SourceTerms tokens
	// largest by idf * weight (default 40; the model's source_terms).
	SourceTerms int
	// MinCount: a (source, target) pair needs this many relevant (query,
	// document) pairs (default 10).
	MinCount int
	// PerSource keeps each source token's PerSource largest lifts (default 20).
	PerSource int
}

func (o *TranslationFit) defaults() {
	if o.SourceTerms <= 0 {
		o.SourceTerms = 40
	}
	if o.MinCount <= 0 {
		o.MinCount = 10
	}
	if o.PerSource <= 0 {
		o.PerSource = 20
	}
}

// FitTranslation fits an encoder.Translation from training pairs: queries[i]
// (idf-weighted query vectors) judged relevant to the documents positives[i]
// (indexes into docs, the student's vectors). For source token u and query
// token v, lift = P(v in query | u among the document's source terms) - P(v in
// query), over the relevant pairs; pairs seen fewer than MinCount times and
// lifts <= 0 are dropped. Deterministic: counts are integers, ties go by id.
func FitTranslation(docs []sparse.Vector, idf []float32, queries []sparse.Vector, positives [][]int, vocab int, o TranslationFit) (*encoder.Translation, error) {
	o.defaults()
	if len(queries) != len(positives) {
		return nil, fmt.Errorf("distill: %d queries but %d positive lists", len(queries), len(positives))
	}
	src := make([][]int32, len(docs))
	pair := map[[2]int32]int{}
	cu := make([]int, vocab)
	cv := make([]int, vocab)
	pairs := 0
	for qi, q := range queries {
		for _, d := range positives[qi] {
			if d < 0 || d >= len(docs) {
				return nil, fmt.Errorf("distill: positive %d outside the %d documents", d, len(docs))
			}
			if src[d] == nil {
				src[d] = encoder.TopSourceTerms(docs[d], idf, o.SourceTerms)
			}
			pairs++
			for _, v := range q.IDs {
				if int(v) >= vocab || v < 0 {
					return nil, fmt.Errorf("distill: query token %d outside the vocabulary", v)
				}
				cv[v]++
			}
			for _, u := range src[d] {
				cu[u]++
				for _, v := range q.IDs {
					pair[[2]int32{u, v}]++
				}
			}
		}
	}
	type target struct {
		v    int32
		lift float32
	}
	rows := make([][]target, vocab)
	for k, c := range pair {
		if c < o.MinCount {
			continue
		}
		u, v := k[0], k[1]
		lift := float64(c)/float64(cu[u]) - float64(cv[v])/float64(pairs)
		if lift > 0 {
			rows[u] = append(rows[u], target{v, float32(lift)})
		}
	}
	t := &encoder.Translation{V: vocab, Start: make([]int32, vocab+1)}
	for u, row := range rows {
		sort.Slice(row, func(i, j int) bool {
			return row[i].lift > row[j].lift || (row[i].lift == row[j].lift && row[i].v < row[j].v)
		})
		row = row[:min(len(row), o.PerSource)]
		slices.SortFunc(row, func(a, b target) int { return int(a.v - b.v) })
		for _, x := range row {
			t.To = append(t.To, x.v)
			t.Lift = append(t.Lift, x.lift)
		}
		t.Start[u+1] = int32(len(t.To))
	}
	return t, t.Validate()
}
