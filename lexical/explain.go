package lexical

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// TermScore is one analyzed query term's share of a document's BM25 score.
type TermScore struct {
	Term string
	// QueryWeight is the term's idf times its count in the query (its
	// boost).
	QueryWeight float64
	// Score is the term's share of the document's score: the shares of a
	// document sum to the score Search reports for it.
	Score float64
}

// Explain breaks down the BM25 scores Search gives the documents ids for
// text: per matching document, one TermScore per query term it contains,
// largest first. bleve scores a disjunction as coord * (sum of the term
// scores), coord = matched terms / query terms; the shares include coord.
func (ix *Index) Explain(ctx context.Context, text string, ids []string) (map[string][]TermScore, error) {
	out := map[string][]TermScore{}
	q := ix.query(text)
	if q == nil || len(ids) == 0 {
		return out, nil
	}
	b := query.NewBooleanQuery([]query.Query{q}, nil, nil)
	b.AddFilter(query.NewDocIDQuery(ids)) // restricts without scoring
	req := bleve.NewSearchRequestOptions(b, len(ids), 0, true)
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("lexical: explain: %w", err)
	}
	for _, h := range res.Hits {
		var terms []TermScore
		collectTerms(h.Expl, &terms)
		var sum float64
		for _, t := range terms {
			sum += t.Score
		}
		for i := range terms {
			if sum > 0 {
				terms[i].Score *= h.Score / sum
			}
		}
		out[h.ID] = mergeTerms(terms)
	}
	return out, nil
}

// collectTerms finds the per-term score nodes of a bleve explanation:
// "weight(field:term^boost in doc), ..." or "fieldWeight(field:term in
// doc), ..." (no boost node when the boost is 1).
func collectTerms(e *search.Explanation, out *[]TermScore) {
	if e == nil {
		return
	}
	for _, prefix := range []string{"weight(", "fieldWeight("} {
		if rest, ok := strings.CutPrefix(e.Message, prefix); ok {
			ft, _, _ := strings.Cut(rest, " in ")
			_, term, _ := strings.Cut(ft, ":")
			term, _, _ = strings.Cut(term, "^")
			*out = append(*out, TermScore{Term: term, QueryWeight: queryWeight(e), Score: e.Value})
			return
		}
	}
	for _, c := range e.Children {
		collectTerms(c, out)
	}
}

// queryWeight is the product of the boost and idf nodes under a term's
// score node.
func queryWeight(e *search.Explanation) float64 {
	w, found := 1.0, false
	var walk func(*search.Explanation)
	walk = func(e *search.Explanation) {
		if e == nil {
			return
		}
		if e.Message == "boost" || strings.HasPrefix(e.Message, "idf(") {
			w *= e.Value
			found = true
			return
		}
		for _, c := range e.Children {
			walk(c)
		}
	}
	walk(e)
	if !found {
		return 0
	}
	return w
}

// mergeTerms adds up the shares of a term matched in several fields and
// orders the terms by share, largest first.
func mergeTerms(terms []TermScore) []TermScore {
	var out []TermScore
	at := map[string]int{}
	for _, t := range terms {
		if i, ok := at[t.Term]; ok {
			out[i].Score += t.Score
			continue
		}
		at[t.Term] = len(out)
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out
}
