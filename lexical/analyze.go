package lexical

// Token is one analyzed term of a text and where it stands: Text[Start:End]
// is the original word.
type Token struct {
	Term       string
	Start, End int // byte offsets
}

// Tokens analyzes text with the index's analyzer (as documents and queries
// are), keeping each token's byte offsets: for highlighting the words of a
// text that match a query's terms.
func (ix *Index) Tokens(text string) []Token {
	stream := ix.analyzer.Analyze([]byte(text))
	out := make([]Token, len(stream))
	for i, t := range stream {
		out[i] = Token{Term: string(t.Term), Start: t.Start, End: t.End}
	}
	return out
}
