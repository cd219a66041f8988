package wordpiece

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/sparrow-search/sparrow/internal/testenv"
	"golang.org/x/text/unicode/norm"
)

func tokens(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, " ")
}

func TestTokenizeCases(t *testing.T) {
	tok := DefaultTokenizer()
	cases := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"spaces only", "   ", ""},
		{"whitespace only", "\t\n\r \u00a0\u3000\u2028", ""},
		{"plain", "The quick brown fox", "the quick brown fox"},
		{"accents", "Héllo, Wörld! Ñandú Åland", "hello , world ! nan ##du alan ##d"},
		{"accents decomposed", "cafe\u0301 n\u0303", "cafe n"},
		{"accents 2", "naïve café résumé", "naive cafe resume"},
		{"cjk", "北京大学 is in 北京", "北 京 大 学 is in 北 京"},
		{"cjk glued", "abc北京def", "abc 北 京 def"},
		{"cjk compatibility ideograph", "x\uf900y", "x [UNK] y"}, // a word of its own
		{"kana is not cjk", "日本語のテキスト", "日 本 語 の ##テ ##キ ##ス ##ト"},
		{"hangul decomposes", "한국어", "ᄒ ##ᅡ ##ᆫ ##ᄀ ##ᅮ ##ᆨ ##ᄋ ##ᅥ"},
		{"emoji", "emoji 😀 ok", "em ##oj ##i [UNK] ok"},
		{"emoji in word", "ab😀cd", "[UNK]"},
		{"control chars dropped", "a\x00b\x07c\x7fd\u0085e", "abc ##de"},
		{"zero width dropped", "zero\u200bwidth", "zero ##wi ##dt ##h"},
		{"soft hyphen dropped", "soft\u00adhyphen", "soft ##hy ##ph ##en"},
		{"replacement char dropped", "a\ufffdb", "ab"},
		{"newline kinds", "tab\tnew\nline\r\ncr\u2029x", "tab new line cr x"},
		{"punctuation", "don't stop-me now... (ok)?", "don ' t stop - me now . . . ( ok ) ?"},
		{"unicode punctuation", "¿Qué? «sí» — “x”", "¿ que ? « si » — “ x ”"},
		{"punctuation after NFD", "a≠b a≮b", "a = b a < b"},
		{"numbers", "3.14159 1,000,000 $5.00 50%", "3 . 141 ##59 1 , 000 , 000 $ 5 . 00 50 %"},
		{"email", "foo@bar.com", "foo @ bar . com"},
		{"special tokens", "[CLS] hello [SEP][MASK] [cls] x[PAD]y", "[CLS] hello [SEP] [MASK] [ cl ##s ] x [PAD] y"},
		{"unk literal", "[UNK]", "[UNK]"},
		{"dotted capital I", "İstanbul", "istanbul"},
		{"no final sigma", "ΟΔΟΣ", "ο ##δ ##ο ##σ"},
		{"sharp s", "Straße", "st ##raße"},
		{"wordpiece continuation", "unaffable", "una ##ffa ##ble"}, // greedy, not "un ##aff ##able"
		{"wordpiece", "Tokenization", "token ##ization"},
		{"hash is punctuation", "##ing #1", "# # ing # 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := tok.Tokenize(c.in)
			if !reflect.DeepEqual(got, tokens(c.want)) {
				t.Errorf("Tokenize(%q)\n got  %q\n want %q", c.in, got, tokens(c.want))
			}
			checkAppendAgrees(t, tok, c.in)
		})
	}
}

func checkAppendAgrees(t *testing.T, tok *Tokenizer, text string) {
	t.Helper()
	prefix := []int32{7, 8}
	ids := tok.AppendIDs(append([]int32(nil), prefix...), text)
	if !reflect.DeepEqual(ids[:2], prefix) {
		t.Fatalf("AppendIDs clobbered dst prefix: %v", ids[:2])
	}
	toks := tok.Tokenize(text)
	if len(toks) != len(ids)-2 {
		t.Fatalf("Tokenize gives %d tokens, AppendIDs %d ids for %q", len(toks), len(ids)-2, text)
	}
	for i, id := range ids[2:] {
		if id < 0 || int(id) >= tok.VocabSize() {
			t.Fatalf("id %d out of range for %q", id, text)
		}
		if tok.Token(id) != toks[i] {
			t.Fatalf("token %d: AppendIDs %q, Tokenize %q for %q", i, tok.Token(id), toks[i], text)
		}
		if back, ok := tok.ID(toks[i]); !ok || back != id {
			t.Fatalf("ID(%q) = %d,%v, want %d", toks[i], back, ok, id)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	tok := DefaultTokenizer()
	// Invalid bytes decode to U+FFFD, which clean_text drops without
	// splitting the word.
	cases := map[string]string{
		"a\xffb":            "ab",
		"\xff\xfe\xfd":      "",
		"caf\xc3":           "caf",
		"caf\xc3 ok":        "caf ok",
		"\xc0\xafx":         "x",          // overlong '/'
		"\xed\xa0\x80y":     "y",          // UTF-16 surrogate half
		"\xf4\x90\x80\x80z": "z",          // above U+10FFFF
		"é\x80!":            "e !",        // stray continuation byte
		"[CLS\xff]":         "[ cl ##s ]", // not a special token any more
	}
	for in, want := range cases {
		got := tok.Tokenize(in)
		if !reflect.DeepEqual(got, tokens(want)) {
			t.Errorf("Tokenize(%q) = %q, want %q", in, got, tokens(want))
		}
		checkAppendAgrees(t, tok, in)
	}
}

func TestLongWords(t *testing.T) {
	tok := DefaultTokenizer()
	unk := []string{UnkToken}
	for _, c := range []struct {
		word  string
		isUnk bool
	}{
		{strings.Repeat("a", MaxWordChars), false},
		{strings.Repeat("a", MaxWordChars+1), true},
		{strings.Repeat("ab", MaxWordChars/2), false},
		// Accents are stripped before the length check: 100 runes remain.
		{strings.Repeat("e\u0301", MaxWordChars), false},
		{strings.Repeat("é", MaxWordChars), false},
		{strings.Repeat("é", MaxWordChars+1), true},
		{strings.Repeat("e\u0301", MaxWordChars+1), true},
		{strings.Repeat("ß", MaxWordChars+1), true},
	} {
		got := tok.Tokenize("x " + c.word + " y")
		if got[0] != "x" || got[len(got)-1] != "y" {
			t.Fatalf("neighbours lost: %q", got)
		}
		mid := got[1 : len(got)-1]
		if isUnk := reflect.DeepEqual(mid, unk); isUnk != c.isUnk {
			t.Errorf("word of %d bytes: got %q, want [UNK]=%v", len(c.word), mid, c.isUnk)
		}
		if !c.isUnk {
			// The pieces spell the (accent-stripped) word.
			var b strings.Builder
			for _, p := range mid {
				b.WriteString(strings.TrimPrefix(p, "##"))
			}
			if want := strings.ReplaceAll(strings.ReplaceAll(c.word, "e\u0301", "e"), "é", "e"); b.String() != want {
				t.Errorf("pieces %q spell %q, want %q", mid, b.String(), want)
			}
		}
	}
}

// TestHFCases compares with outputs of the Hugging Face Rust tokenizer on
// edge cases and random Unicode mixes (testdata/tokenizer_README.md).
func TestHFCases(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "tokenizer_hf_cases.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tok := DefaultTokenizer()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n, bad := 0, 0
	for sc.Scan() {
		n++
		var c struct{ Text, Tokens string }
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		got := strings.Join(tok.Tokenize(c.Text), " ")
		if got != c.Tokens {
			bad++
			t.Errorf("line %d: Tokenize(%q)\n%s", n, c.Text, tokenDiff(tokens(c.Tokens), tokens(got)))
		}
		checkAppendAgrees(t, tok, c.Text)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 500 {
		t.Fatalf("only %d cases read", n)
	}
	t.Logf("%d/%d cases equal to Hugging Face tokenizers", n-bad, n)
}

func TestVocab(t *testing.T) {
	sum := sha256.Sum256(bertBaseUncasedVocab)
	if got := hex.EncodeToString(sum[:]); got != "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3" {
		t.Fatalf("embedded vocab.txt sha256 %s, want 07eced37... (bert-base-uncased)", got)
	}
	tok := DefaultTokenizer()
	if tok != DefaultTokenizer() {
		t.Error("DefaultTokenizer built twice")
	}
	if tok.VocabSize() != 30522 {
		t.Errorf("VocabSize = %d", tok.VocabSize())
	}
	for tokStr, id := range map[string]int32{"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102, "[MASK]": 103, "the": 1996, "##s": 2015} {
		if got, ok := tok.ID(tokStr); !ok || got != id {
			t.Errorf("ID(%q) = %d,%v want %d", tokStr, got, ok, id)
		}
		if got := tok.Token(id); got != tokStr {
			t.Errorf("Token(%d) = %q want %q", id, got, tokStr)
		}
	}
	if tok.UnkID() != 100 {
		t.Errorf("UnkID = %d", tok.UnkID())
	}
	if _, ok := tok.ID("notatoken"); ok {
		t.Error("ID of unknown token reported ok")
	}
	if tok.Token(-1) != "" || tok.Token(30522) != "" {
		t.Error("Token out of range not empty")
	}
}

func TestNewTokenizerErrors(t *testing.T) {
	if _, err := NewTokenizer(nil); err == nil {
		t.Error("empty vocabulary accepted")
	}
	if _, err := NewTokenizer([]string{"a", "b"}); err == nil || !strings.Contains(err.Error(), "[UNK]") {
		t.Errorf("vocabulary without [UNK]: err = %v", err)
	}
	if _, err := NewTokenizer([]string{"[UNK]", "a", "a"}); err == nil || !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("duplicate token: err = %v", err)
	}
	dir := t.TempDir()
	if _, err := LoadTokenizer(filepath.Join(dir, "missing.txt")); err == nil {
		t.Error("missing file accepted")
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("[UNK]\nx\xff\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTokenizer(bad); err == nil || !strings.Contains(err.Error(), "bad.txt:2") {
		t.Errorf("invalid UTF-8 token: err = %v", err)
	}
}

func TestSmallVocab(t *testing.T) {
	// CRLF line ends are tolerated; [UNK] need not be id 100; a vocabulary
	// without the other special tokens treats "[CLS]" as punctuation + word.
	path := filepath.Join(t.TempDir(), "vocab.txt")
	if err := os.WriteFile(path, []byte("[UNK]\r\n[\r\n]\r\nun\r\n##aff\r\n##able\r\ncls\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err := LoadTokenizer(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tok.Tokenize("Unaffable [CLS] unable unabl"), tokens("un ##aff ##able [ cls ] un ##able [UNK]"); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q want %q", got, want)
	}
	if got := tok.AppendIDs(nil, "unaffable"); !reflect.DeepEqual(got, []int32{3, 4, 5}) {
		t.Errorf("ids %v", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	tok := DefaultTokenizer()
	texts := []string{"Héllo wörld", "北京 abc", "a≠b [SEP] x", strings.Repeat("unaffable ", 50)}
	want := make([][]string, len(texts))
	for i, s := range texts {
		want[i] = tok.Tokenize(s)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				k := (g + i) % len(texts)
				if got := tok.Tokenize(texts[k]); !reflect.DeepEqual(got, want[k]) {
					t.Errorf("concurrent Tokenize(%q) = %q", texts[k], got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestAppendIDsNoAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	tok := DefaultTokenizer()
	text := "Héllo, Wörld! Alterations of the architecture of cerebral white matter 北京 a≠b [SEP] unaffable 😀 " + strings.Repeat("x", 120)
	dst := make([]int32, 0, 1024)
	tok.AppendIDs(dst, text) // warm the pool
	allocs := testing.AllocsPerRun(100, func() { dst = tok.AppendIDs(dst[:0], text) })
	if allocs != 0 {
		t.Errorf("AppendIDs allocated %.1f times per call, want 0", allocs)
	}
}

// exactNormalise is the reference for scratch.fast: lower-case per rune, NFD
// of the whole word, drop Mn.
func exactNormalise(word string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.Map(unicode.ToLower, word)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestFastNormalisation checks the per-rune decomposition against whole-word
// NFD for every code point of planes 0-2 and for random mixes with combining
// marks.
func TestFastNormalisation(t *testing.T) {
	t.Parallel()
	tok := DefaultTokenizer()
	check := func(word string) bool {
		s := &scratch{}
		s.reset()
		for _, r := range word {
			tok.addRune(s, r)
		}
		if s.complex {
			return true // flush takes the exact path
		}
		if got, want := string(s.fast), exactNormalise(word); got != want {
			t.Errorf("%+q: fast %+q, NFD %+q", word, got, want)
			return false
		}
		return true
	}
	bad := 0
	for r := rune(0x80); r < 0x30000 && bad < 10; r++ {
		if r >= 0xD800 && r < 0xE000 {
			continue
		}
		if !check("é" + string(r) + "\u0301x") {
			bad++
		}
	}
	pool := []rune("aeoiAEÅéñßΣΆάὅйЙ가힣각\u0301\u0308\u0327\u0345\u05b0\u0f71\u0f72\u302e\u302f\U0001d165\U0001d16d\u0e38\u0e48\u1100\u1161\u11a8ﬁǅİ≠")
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 20000 && bad < 10; i++ {
		var b strings.Builder
		b.WriteRune('é')
		for range 1 + rng.IntN(8) {
			b.WriteRune(pool[rng.IntN(len(pool))])
		}
		if !check(b.String()) {
			bad++
		}
	}
}
