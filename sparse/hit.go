package sparse

// Hit is one scored document of a ranked list, by external id: what a
// retriever returns (lexical BM25, the collection's searches, the evaluation
// runs) and what fusion combines. Higher scores rank first.
type Hit struct {
	ID    string
	Score float64
}
