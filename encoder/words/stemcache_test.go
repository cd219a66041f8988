package words

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/registry"
)

// demoTexts are the bundled demo corpus's titles and texts.
func demoTexts(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../testdata/demo/corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var d struct{ Title, Text string }
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d.Title, d.Text)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// The memoised stemmer must give bleve's own analyzer's terms, also when
// several goroutines fill the memo at once.
func TestStemCacheMatchesBleve(t *testing.T) {
	texts := append(demoTexts(t), "Running runners ran; the studies' studying", "ÉTUDES caresses ponies", "")
	for _, name := range []string{English, Standard} {
		t.Run(name, func(t *testing.T) {
			ours, err := New(name)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := registry.NewCache().AnalyzerNamed(name)
			if err != nil {
				t.Fatal(err)
			}
			want := make([][]string, len(texts))
			for i, s := range texts {
				for _, tok := range plain.Analyze([]byte(s)) {
					want[i] = append(want[i], string(tok.Term))
				}
			}
			var wg sync.WaitGroup
			errs := make(chan string, 4)
			for g := range 4 {
				wg.Go(func() {
					for pass := range 2 {
						for i := range texts {
							j := (i + g*len(texts)/4) % len(texts) // each goroutine starts elsewhere
							if got := ours.Terms(texts[j]); !slices.Equal(got, want[j]) {
								errs <- fmt.Sprintf("goroutine %d pass %d text %d: got %q, want %q", g, pass, j, got, want[j])
								return
							}
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
		})
	}
}

// The memo stops growing at stemCacheSize and keeps answering as bleve's
// stemmer does past it.
func TestStemCacheBounded(t *testing.T) {
	plain, err := registry.NewCache().AnalyzerNamed(English)
	if err != nil {
		t.Fatal(err)
	}
	var c *stemCache
	for _, f := range faster(plain).(*analysis.DefaultAnalyzer).TokenFilters {
		if sc, ok := f.(*stemCache); ok {
			c = sc
		}
	}
	if c == nil {
		t.Fatal("the en analyzer has no memoised Porter filter")
	}
	word := func(i int) string { // distinct letter-only words ending in a suffix Porter strips
		b := []byte{}
		for ; i > 0 || len(b) == 0; i /= 26 {
			b = append(b, byte('a'+i%26))
		}
		return string(b) + "ing"
	}
	stem := func(w string) string {
		ts := analysis.TokenStream{{Term: []byte(w)}}
		porter.NewPorterStemmer().Filter(ts)
		return string(ts[0].Term)
	}
	for i := range stemCacheSize + 1000 {
		w := word(i)
		ts := c.Filter(analysis.TokenStream{{Term: []byte(w)}})
		if got, want := string(ts[0].Term), stem(w); got != want {
			t.Fatalf("word %d %q: stem %q, want %q", i, w, got, want)
		}
	}
	if n := c.memo.Len(); n != stemCacheSize {
		t.Errorf("memo holds %d stems, want the bound %d", n, stemCacheSize)
	}
	// a remembered word is answered from the memo
	if s, ok := c.memo.Get([]byte(word(0))); !ok || s != stem(word(0)) {
		t.Errorf("the first word's stem: %q %v", s, ok)
	}
}

func BenchmarkTerms(b *testing.B) {
	var titles []string
	t := &testing.T{}
	for i, s := range demoTexts(t) {
		if i%2 == 0 {
			titles = append(titles, s)
		}
	}
	plain, err := registry.NewCache().AnalyzerNamed(English)
	if err != nil {
		b.Fatal(err)
	}
	ours, err := New(English)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("bleve", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			plain.Analyze([]byte(titles[i%len(titles)]))
		}
	})
	b.Run("sparrow", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			ours.Terms(titles[i%len(titles)])
		}
	})
}
