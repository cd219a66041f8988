package native

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// benchDocs are synthetic documents of exactly 256 WordPiece tokens drawn
// from real vocabulary words.
func benchDocs(b *testing.B, n int) []string {
	tok := wordpiece.DefaultTokenizer()
	r := rand.New(rand.NewPCG(1, 1))
	var words []string
	for id := int32(2000); id < 12000; id++ {
		if w := tok.Token(id); !strings.HasPrefix(w, "##") && !strings.HasPrefix(w, "[") {
			words = append(words, w)
		}
	}
	docs := make([]string, n)
	for i := range docs {
		var sb strings.Builder
		for k := 0; k < 256; {
			w := words[r.IntN(len(words))]
			if k+len(tok.AppendIDs(nil, w)) > 256 {
				w = "a"
			}
			k += len(tok.AppendIDs(nil, w))
			sb.WriteString(w)
			sb.WriteByte(' ')
		}
		docs[i] = sb.String()
	}
	return docs
}

func benchNative(b *testing.B, expansion int, conflate string) {
	tok := wordpiece.DefaultTokenizer()
	V := tok.VocabSize()
	p := NewParams(V, 100, 32)
	r := rand.New(rand.NewPCG(2, 2))
	for _, t := range p.Tensors() {
		for i := range t.Data {
			t.Data[i] = float32(r.NormFloat64() * 0.1)
		}
	}
	for i := range p.XBias {
		p.XBias[i] = 0.05
	}
	idf := make([]float32, V)
	for i := range idf {
		idf[i] = 1 + float32(i%7)
	}
	n, err := New(modeldir.Config{Architecture: modeldir.ArchNative, VocabSize: V, MaxLength: 512, K1: 0.9, B: 0.4, AvgDL: 256, Dim: 100, Hidden: 32, Expansion: expansion, Conflate: conflate}, tok, p, idf)
	if err != nil {
		b.Fatal(err)
	}
	n.Freeze()
	docs := benchDocs(b, 256)
	b.ResetTimer()
	// two goroutines, as the target is stated for 2 cores
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				if _, err := n.Encode(docs[w*128 : (w+1)*128]); err != nil {
					b.Error(err)
				}
			}(w)
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.N*len(docs))/b.Elapsed().Seconds(), "docs/s")
}

func BenchmarkNativeEncode256(b *testing.B)           { benchNative(b, 0, "") }
func BenchmarkNativeEncode256Expansion8(b *testing.B) { benchNative(b, 8, "") }

// the bundled default's setting: stem siblings join the gated tokens
func BenchmarkNativeEncode256Conflate(b *testing.B) { benchNative(b, 0, wordpiece.ConflatePorter) }
