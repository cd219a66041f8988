package segment

import (
	"math/rand/v2"
	"testing"

	"github.com/sparrow-search/sparrow/sparse"
)

// wordVectors draws n documents of about 100 WordPiece ids (< 30,522) and
// 60 word ids from a vocabulary of words ids from 30,522 up (Zipf), as a
// segment of a collection with that many distinct words holds them.
func wordVectors(r *rand.Rand, n, words int) []sparse.Vector {
	zp := rand.NewZipf(r, 1.1, 1, 30521)
	zw := rand.NewZipf(r, 1.05, 1, uint64(words-1))
	vs := make([]sparse.Vector, n)
	for i := range vs {
		set := map[int32]bool{}
		for len(set) < 100 {
			set[int32(zp.Uint64())] = true
		}
		for len(set) < 160 {
			set[30522+int32(zw.Uint64())] = true
		}
		vs[i] = setVector(r, set, 0.01)
	}
	return vs
}

// BenchmarkBuildWordIDs builds a 2,000-document segment of a collection
// with 2M distinct words; it reports the segment's bytes per posting (B/op
// is the builder's memory).
func BenchmarkBuildWordIDs(b *testing.B) {
	vs := wordVectors(rand.New(rand.NewPCG(3, 3)), 2000, 2_000_000)
	b.ReportAllocs()
	var s *Segment
	for b.Loop() {
		s = build(b, vs, Options{})
	}
	b.ReportMetric(float64(s.Bytes())/float64(s.NumPostings()), "seg-B/posting")
	b.ReportMetric(float64(s.Layout().NumTerms), "terms")
}
