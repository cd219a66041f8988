package distill

import (
	"slices"
	"strings"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder"
)

// FitAssociations collects query association (encoder.Associations) from
// training queries and their qrels: each query judged relevant (grade > 0)
// to a document of docs is listed for it once per grade, queries in the
// order given. Documents without such a query, and queries without such a
// document, are left out.
func FitAssociations(docs []dataset.Doc, queries []dataset.Query, qrels dataset.Qrels) *encoder.Associations {
	key := make(map[string]uint64, len(docs))
	for _, d := range docs {
		key[d.ID] = encoder.DocKey(encoder.DocText(d.Title, d.Text))
	}
	a := &encoder.Associations{Docs: map[uint64][]int32{}}
	for _, q := range queries {
		if strings.TrimSpace(q.Text) == "" {
			continue
		}
		ids := make([]string, 0, len(qrels[q.ID]))
		for id, g := range qrels[q.ID] {
			if _, ok := key[id]; ok && g > 0 {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			continue
		}
		slices.Sort(ids) // map order must not reach the file
		qi := int32(len(a.Queries))
		a.Queries = append(a.Queries, q.Text)
		for _, id := range ids {
			for range min(qrels[q.ID][id], maxAssociationGrade) {
				a.Docs[key[id]] = append(a.Docs[key[id]], qi)
			}
		}
	}
	return a
}

// maxAssociationGrade caps how often one judgment lists its query (grades
// are small integers in BEIR qrels; a stray large one must not flood a
// document).
const maxAssociationGrade = 3
