package wordpiece

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sparrow-search/sparrow/internal/cputime"
)

// cpuMBps reports throughput per CPU second of the process (user+system)
// next to the wall-clock MB/s: on a shared, oversubscribed machine wall time
// measures the neighbours, CPU time measures the code.
type cpuMBps struct {
	start time.Duration
	bytes int64
}

func startCPU(bytes int64) cpuMBps { return cpuMBps{cputime.Process(), bytes} }

func (c cpuMBps) report(b *testing.B) {
	if d := cputime.Process() - c.start; d > 0 {
		b.ReportMetric(float64(c.bytes)*float64(b.N)/1e6/d.Seconds(), "cpuMB/s")
	}
}

// benchTexts are SciFact abstracts (testdata/tokenizer_bench_scifact.txt).
func benchTexts(b *testing.B) ([]string, int64) {
	data, err := os.ReadFile(filepath.Join("testdata", "tokenizer_bench_scifact.txt"))
	if err != nil {
		b.Fatal(err)
	}
	texts := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	return texts, int64(len(data) - len(texts))
}

// multilingual is synthetic text heavy in accents, CJK, Hangul, emoji and
// punctuation: the slow (NFD) path.
var multilingual = strings.Repeat("Héllo Wörld, naïve café résumé! Ñandú Åland — “Straße” 北京大学 한국어 テキスト 😀 Ελληνικά Русский a≠b 3.14. ", 40)

func BenchmarkTokenizerAppendIDs(b *testing.B) {
	texts, n := benchTexts(b)
	tok := DefaultTokenizer()
	dst := make([]int32, 0, 4096)
	b.SetBytes(n)
	b.ReportAllocs()
	var tokens int
	cpu := startCPU(n)
	for b.Loop() {
		for _, s := range texts {
			dst = tok.AppendIDs(dst[:0], s)
			tokens += len(dst)
		}
	}
	cpu.report(b)
	b.ReportMetric(float64(tokens)/float64(b.N), "tokens/op")
}

func BenchmarkTokenizerTokenize(b *testing.B) {
	texts, n := benchTexts(b)
	tok := DefaultTokenizer()
	b.SetBytes(n)
	b.ReportAllocs()
	cpu := startCPU(n)
	for b.Loop() {
		for _, s := range texts {
			_ = tok.Tokenize(s)
		}
	}
	cpu.report(b)
}

func BenchmarkTokenizerMultilingual(b *testing.B) {
	tok := DefaultTokenizer()
	dst := make([]int32, 0, 8192)
	b.SetBytes(int64(len(multilingual)))
	b.ReportAllocs()
	cpu := startCPU(int64(len(multilingual)))
	for b.Loop() {
		dst = tok.AppendIDs(dst[:0], multilingual)
	}
	cpu.report(b)
}

func BenchmarkTokenizerParallel(b *testing.B) {
	texts, n := benchTexts(b)
	tok := DefaultTokenizer()
	b.SetBytes(n)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		dst := make([]int32, 0, 4096)
		for pb.Next() {
			for _, s := range texts {
				dst = tok.AppendIDs(dst[:0], s)
			}
		}
	})
}

func BenchmarkDefaultTokenizerBuild(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := buildEmbedded(); err != nil {
			b.Fatal(err)
		}
	}
}
