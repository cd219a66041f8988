//go:build !goexperiment.simd

package segment

// unpackDeltas decodes n gaps of width w from src into ascending docs
// (portable build).
func unpackDeltas(src []byte, n int, w uint, base uint32, docs []uint32) {
	unpackDeltasScalar(src, n, w, base, docs)
}
