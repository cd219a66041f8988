package encoder

// SparseVector is a document or query representation over the WordPiece
// vocabulary. IDs are strictly ascending token ids; Weights[i] belongs to IDs[i].
// Only non-zero weights are stored.
type SparseVector struct {
	IDs     []int32
	Weights []float32
}

// Len is the number of non-zero entries.
func (v SparseVector) Len() int { return len(v.IDs) }

// Encoder maps documents to sparse vectors. Implementations must be safe for
// concurrent use by multiple goroutines.
type Encoder interface {
	// Encode returns one vector per input text, in order.
	Encode(texts []string) ([]SparseVector, error)
}

// DocText is the single text a document is encoded from: every component of
// Sparrow (training, indexing, teachers) must join title and body the same way.
func DocText(title, text string) string {
	switch {
	case title == "":
		return text
	case text == "":
		return title
	default:
		return title + " " + text
	}
}
