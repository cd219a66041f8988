package words

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
)

// sameTokens reports how the fast tokenizer's stream differs from bleve's
// ("" when they agree on every field).
func sameTokens(in []byte) string {
	want := unicode.NewUnicodeTokenizer().Tokenize(in)
	got := (&asciiTokenizer{general: unicode.NewUnicodeTokenizer()}).Tokenize(in)
	show := func(ts analysis.TokenStream) string {
		s := ""
		for _, t := range ts {
			s += fmt.Sprintf("[%q %d-%d #%d %d %v] ", t.Term, t.Start, t.End, t.Position, t.Type, t.KeyWord)
		}
		return s
	}
	if g, w := show(got), show(want); g != w {
		return fmt.Sprintf("input %q:\n got %s\nwant %s", in, g, w)
	}
	return ""
}

// TestASCIITokenizer compares the fast path with bleve's segmenter on
// hand-picked cases and on 200,000 random strings over the characters
// that UAX #29 treats specially (letters, digits, '_', the Mid classes,
// quotes, CR/LF and other separators).
func TestASCIITokenizer(t *testing.T) {
	cases := []string{
		"", "a", "_", "__", "1", "vitamin D deficiency", "rs10818488 HSV-2 25-hydroxyvitamin",
		"e.g. 3.5 1,000,000 don't a:b a::b 1.a a.1 1;2 a;b 1_2.3 _a_ a_.b a..b 'a' .a. 1.5a",
		"x\r\ny\n\tz\v\f", "a.b.c. end.", "10'000 rock'n'roll", "(IL-6) [p<0.05]",
	}
	for _, c := range cases {
		if d := sameTokens([]byte(c)); d != "" {
			t.Error(d)
		}
	}
	const alphabet = "abZ09_:.',;\" -\r\n\t!x7"
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		if d := sameTokens(b); d != "" {
			t.Fatal(d)
		}
	}
}

func FuzzASCIITokenizer(f *testing.F) {
	for _, s := range []string{"a.b", "1,2", "a'b", "x_1.5", "é.a", "a:b:c 1;2;3"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if d := sameTokens(in); d != "" {
			t.Error(d)
		}
	})
}
