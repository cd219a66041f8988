package wordpiece

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Character classes of BERT's BasicTokenizer, as bit flags. The definitions
// follow transformers' tokenization_bert.py (_is_control, _is_whitespace,
// _is_punctuation, _is_chinese_char) and the Rust BertNormalizer, which agree.
const (
	// clsDrop: removed by clean_text: U+0000, U+FFFD and every category C*
	// character (Cc, Cf, Co, Cs, unassigned Cn) except \t \n \r. Zero-width
	// characters (U+200B..U+200D, U+FEFF) and the soft hyphen are Cf, so they
	// vanish without separating words, exactly as in BERT.
	clsDrop uint8 = 1 << iota
	// clsSpace separates words: \t \n \r, space, category Zs (BERT's
	// _is_whitespace) plus U+2028/U+2029, which BERT keeps through cleaning but
	// Python's str.split() (and Rust's char::is_whitespace) splits on.
	clsSpace
	// clsCJK: BERT's _is_chinese_char ranges; each such rune is its own word.
	clsCJK
	// clsPunct: ASCII 33-47, 58-64, 91-96, 123-126 and Unicode category P*.
	clsPunct
	// clsMn: non-spacing marks, dropped after NFD (accent stripping).
	clsMn
	// clsNonStarter: canonical combining class != 0 but not Mn (a few Mc
	// marks): words holding one are normalised exactly, with reordering.
	clsNonStarter
)

func classifyRune(r rune) uint8 {
	var c uint8
	switch {
	case r == 0 || r == utf8.RuneError:
		c |= clsDrop
	case r == '\t' || r == '\n' || r == '\r' || r == ' ' || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Zs, r):
		c |= clsSpace
	case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs) ||
		!unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z):
		// The last test catches unassigned code points (Cn), which Go's
		// unicode.C table does not list but Python's category() reports as "Cn".
		c |= clsDrop
	}
	if (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126) ||
		(r > 127 && unicode.Is(unicode.P, r)) {
		c |= clsPunct
	}
	if isCJK(r) {
		c |= clsCJK
	}
	if unicode.Is(unicode.Mn, r) {
		c |= clsMn
	} else if norm.NFD.PropertiesString(string(r)).CCC() != 0 {
		c |= clsNonStarter
	}
	return c
}

// isCJK reports BERT's _is_chinese_char: CJK Unified Ideographs and their
// extensions and compatibility blocks (not Hangul, Kana or CJK punctuation).
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) ||
		(r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) ||
		(r >= 0x2B740 && r <= 0x2B81F) ||
		(r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) ||
		(r >= 0x2F800 && r <= 0x2FA1F)
}

// bmpClasses caches classifyRune for the Basic Multilingual Plane (64 KiB),
// built on first use; runes above U+FFFF are classified on the fly (rare).
var bmpClasses = sync.OnceValue(func() *[0x10000]uint8 {
	var t [0x10000]uint8
	for r := range t {
		t[r] = classifyRune(rune(r))
	}
	return &t
})

// runeClass returns the class bits of r using the table tab (from bmpClasses).
func runeClass(tab *[0x10000]uint8, r rune) uint8 {
	if r < 0x10000 {
		return tab[r]
	}
	return classifyRune(r)
}

// asciiClass and asciiLower are the ASCII fast path.
var asciiClass, asciiLower = func() (cls, low [128]uint8) {
	for i := range 128 {
		cls[i] = classifyRune(rune(i))
		low[i] = uint8(unicode.ToLower(rune(i)))
	}
	return
}()
