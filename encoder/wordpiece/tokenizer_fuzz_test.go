package wordpiece

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// words rebuilds the normalised words that the tokens spell: a "##" piece
// continues the previous word.
func words(toks []string) []string {
	var out []string
	for _, t := range toks {
		if rest, ok := strings.CutPrefix(t, "##"); ok && len(out) > 0 {
			out[len(out)-1] += rest
			continue
		}
		out = append(out, t)
	}
	return out
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{
		"", " ", "Hello, World!", "Héllo wörld Ñandú Åland", "北京大学", "한국어", "😀👍🏽",
		"a\x00b\u200bc\ufeffd", "a\xffb\xc3", "[CLS] x [SEP][MASK] [cls]", "a≠b≮c", "İΣ ΟΔΟΣ",
		strings.Repeat("a", 101), strings.Repeat("e\u0301", 100), "3.14 1,000 $5", "tab\tline\r\n",
	} {
		f.Add(s)
	}
	tok := DefaultTokenizer()
	f.Fuzz(func(t *testing.T, text string) {
		toks := tok.Tokenize(text)
		ids := tok.AppendIDs([]int32{-1}, text)
		if ids[0] != -1 || len(ids)-1 != len(toks) {
			t.Fatalf("AppendIDs and Tokenize disagree on %q: %d ids, %d tokens", text, len(ids)-1, len(toks))
		}
		for i, id := range ids[1:] {
			if id < 0 || int(id) >= tok.VocabSize() {
				t.Fatalf("id %d out of range for %q", id, text)
			}
			if tok.Token(id) != toks[i] {
				t.Fatalf("token %d of %q: id says %q, Tokenize %q", i, text, tok.Token(id), toks[i])
			}
			if toks[i] == "" || strings.ContainsAny(toks[i], " \t\r\n") || !utf8.ValidString(toks[i]) {
				t.Fatalf("bad token %q from %q", toks[i], text)
			}
		}
		// The words the tokens spell are already clean, lower-cased,
		// accent-stripped and split: tokenizing them again changes nothing
		// ([UNK] stays [UNK] because special tokens are kept verbatim).
		again := tok.Tokenize(strings.Join(words(toks), " "))
		if !reflect.DeepEqual(again, toks) {
			t.Fatalf("not idempotent on %q:\n first  %q\n second %q", text, toks, again)
		}
		// Without special tokens, ASCII case does not matter.
		if !strings.Contains(text, "[") {
			if lower := tok.Tokenize(strings.ToLower(text)); isASCII(text) && !reflect.DeepEqual(lower, toks) {
				t.Fatalf("case changes tokens of %q: %q vs %q", text, toks, lower)
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// TestIdempotentEveryRune checks the idempotence property on every code point
// of planes 0-2 (and a sample above), in a word and alone, which random
// fuzzing reaches only slowly.
func TestIdempotentEveryRune(t *testing.T) {
	t.Parallel()
	tok := DefaultTokenizer()
	bad := 0
	step := rune(1)
	for r := rune(0); r <= utf8.MaxRune; r += step {
		if r >= 0x30000 {
			step = 97 // planes 3-16 are unassigned, tags or private use: sample them
		}
		s := string(r)
		text := "Aq" + s + "B " + s + " x" + s + s
		toks := tok.Tokenize(text)
		again := tok.Tokenize(strings.Join(words(toks), " "))
		if !reflect.DeepEqual(again, toks) {
			if bad++; bad <= 10 {
				t.Errorf("U+%04X: not idempotent: %q then %q", r, toks, again)
			}
		}
	}
}
