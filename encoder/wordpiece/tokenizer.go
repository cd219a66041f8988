package wordpiece

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxWordChars is BERT's max_input_chars_per_word: a word (after basic
// tokenization) of more runes than this becomes a single [UNK].
const MaxWordChars = 100

// UnkToken is the token emitted for words WordPiece cannot spell.
const UnkToken = "[UNK]"

// specialTokens are split out of raw text before any normalisation, as Hugging
// Face does for bert-base-uncased's special tokens (AddedToken with
// normalized=false): "a[SEP]b" -> a [SEP] b, but "[sep]" -> [ sep ]. They are
// also the control tokens encoders drop from document vectors (ControlMask).
var specialTokens = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}

//go:embed vocab.txt
var bertBaseUncasedVocab []byte

var defaultTokenizer = sync.OnceValue(func() *Tokenizer {
	t, err := buildEmbedded()
	if err != nil {
		panic(err.Error()) // unreachable: tested
	}
	return t
})

// buildEmbedded builds a tokenizer over the embedded vocab.txt.
func buildEmbedded() (*Tokenizer, error) {
	lines, err := vocabLines(bertBaseUncasedVocab, "embedded vocab.txt")
	if err != nil {
		return nil, fmt.Errorf("wordpiece: %w", err)
	}
	return fromLines(lines, "embedded vocab.txt")
}

// DefaultTokenizer returns the bert-base-uncased WordPiece tokenizer over the
// embedded vocabulary. It is built once and safe for concurrent use.
func DefaultTokenizer() *Tokenizer { return defaultTokenizer() }

// Tokenizer is an exact re-implementation of Hugging Face's BertTokenizer with
// do_lower_case=True, tokenize_chinese_chars=True and accent stripping:
//
//  1. Special tokens ([PAD] [UNK] [CLS] [SEP] [MASK], case-sensitive, when in
//     the vocabulary) are split out of the raw text as single tokens.
//  2. clean_text: U+0000, U+FFFD and control/format/private/unassigned
//     characters are dropped; whitespace becomes a word separator.
//  3. Each CJK ideograph is a word of its own.
//  4. Each whitespace-separated word is lower-cased (per rune, so no Greek
//     final-sigma rule, like the Rust tokenizer and transformers' slow path),
//     NFD-normalised and stripped of non-spacing marks (Mn), then split
//     around punctuation.
//  5. Greedy longest-match-first WordPiece with "##" continuations; a word of
//     more than MaxWordChars runes, or one that cannot be spelled, is [UNK].
//
// Invalid UTF-8: each byte that is not part of a valid sequence decodes to
// U+FFFD (Go's rune decoding), which clean_text drops, so "a\xffb" tokenizes as
// "ab". Nothing panics on any input.
//
// Character classes come from Go's Unicode tables (unicode.Version). Where
// Python's BertTokenizer and the Rust tokenizers library differ, this follows
// Python: unassigned code points (category Cn) are dropped by clean_text
// (the Rust library keeps them, usually producing [UNK]).
//
// A Tokenizer is immutable and safe for concurrent use.
type Tokenizer struct {
	vocab     []string         // id -> token
	ids       map[string]int32 // token -> id
	trie      *trie            // all tokens, for WordPiece's longest-prefix match
	contState int32            // trie state after "##", or -1
	asciiIDs  [128]int32       // id of each one-byte token, or unk
	unk       int32
	special   []specialToken // special tokens present in the vocabulary
	classes   *[0x10000]uint8
	pool      sync.Pool // *scratch
}

type specialToken struct {
	text string
	id   int32
}

// scratch holds per-call buffers so AppendIDs does not allocate per word.
// The current word is kept twice: lower-cased (word) and, once it holds a
// non-ASCII rune, also decomposed rune by rune with Mn dropped (fast). fast
// equals NFD-then-strip of word unless the word holds a non-starter that is
// not Mn (complex), where canonical reordering matters; then flush
// normalises word exactly with iter.
type scratch struct {
	word    []byte
	fast    []byte
	ascii   bool      // word is ASCII only (fast unused)
	complex bool      // fast is not valid; normalise word
	iter    norm.Iter // reused: norm.NFD.Append would allocate its buffer
}

func (s *scratch) reset() {
	s.word, s.fast, s.ascii, s.complex = s.word[:0], s.fast[:0], true, false
}

// NewTokenizer builds a tokenizer over vocab, where vocab[i] is the token with
// id i. The vocabulary must contain [UNK] and no duplicate tokens.
func NewTokenizer(vocab []string) (*Tokenizer, error) {
	t, err := newTokenizer(vocab)
	if err != nil {
		return nil, fmt.Errorf("wordpiece: %w", err)
	}
	return t, nil
}

// newTokenizer is NewTokenizer with errors not yet prefixed.
func newTokenizer(vocab []string) (*Tokenizer, error) {
	if len(vocab) == 0 {
		return nil, fmt.Errorf("empty vocabulary")
	}
	if len(vocab) > 1<<31-1 {
		return nil, fmt.Errorf("vocabulary of %d tokens does not fit int32 ids", len(vocab))
	}
	t := &Tokenizer{
		vocab:   append([]string(nil), vocab...),
		ids:     make(map[string]int32, len(vocab)),
		classes: bmpClasses(),
	}
	ids := make([]int32, len(vocab))
	for i, tok := range t.vocab {
		if !utf8.ValidString(tok) {
			return nil, fmt.Errorf("vocabulary token %d (%q) is not valid UTF-8", i, tok)
		}
		if j, dup := t.ids[tok]; dup {
			return nil, fmt.Errorf("vocabulary token %q appears twice (ids %d and %d)", tok, j, i)
		}
		t.ids[tok] = int32(i)
		ids[i] = int32(i)
	}
	unk, ok := t.ids[UnkToken]
	if !ok {
		return nil, fmt.Errorf("vocabulary has no %s token", UnkToken)
	}
	t.unk = unk
	t.trie = buildTrie(t.vocab, ids)
	t.contState = -1
	if s, ok := t.trie.step(0, '#'); ok {
		if s, ok = t.trie.step(s, '#'); ok {
			t.contState = s
		}
	}
	for c := range t.asciiIDs {
		t.asciiIDs[c] = unk
		if id, ok := t.ids[string(rune(c))]; ok {
			t.asciiIDs[c] = id
		}
	}
	for _, s := range specialTokens {
		if id, ok := t.ids[s]; ok {
			t.special = append(t.special, specialToken{s, id})
		}
	}
	t.pool.New = func() any { return &scratch{word: make([]byte, 0, 64), fast: make([]byte, 0, 64)} }
	return t, nil
}

// LoadTokenizer reads a vocab.txt (one token per line, line number = id, as
// Hugging Face writes it; a trailing "\r" is tolerated).
func LoadTokenizer(vocabPath string) (*Tokenizer, error) {
	data, err := os.ReadFile(vocabPath)
	if err != nil {
		return nil, fmt.Errorf("wordpiece: reading vocabulary: %w", err)
	}
	return ParseVocab(data, vocabPath)
}

// ParseVocab builds a tokenizer from vocab.txt contents (name is used in
// errors). A vocabulary identical to the embedded one yields
// DefaultTokenizer(), so models that share it share its caches.
func ParseVocab(data []byte, name string) (*Tokenizer, error) {
	lines, err := vocabLines(data, name)
	if err != nil {
		return nil, fmt.Errorf("wordpiece: %w", err)
	}
	if def := DefaultTokenizer(); slices.Equal(lines, def.vocab) {
		return def, nil
	}
	return fromLines(lines, name)
}

// fromLines builds a tokenizer over vocab.txt's lines; name is used in errors.
func fromLines(lines []string, name string) (*Tokenizer, error) {
	t, err := newTokenizer(lines)
	if err != nil {
		return nil, fmt.Errorf("wordpiece: %s: %w", name, err)
	}
	return t, nil
}

// vocabLines splits vocab.txt contents into tokens (line number = id; "\n" or
// "\r\n" line ends; the final newline is optional); name is used in errors.
func vocabLines(data []byte, name string) ([]string, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: empty vocabulary file", name)
	}
	data = bytes.TrimSuffix(data, []byte("\n"))
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		if !utf8.ValidString(l) {
			return nil, fmt.Errorf("%s:%d: token is not valid UTF-8", name, i+1)
		}
		lines[i] = l
	}
	return lines, nil
}

// VocabBytes writes the vocabulary as vocab.txt contents (one token a line).
func (t *Tokenizer) VocabBytes() []byte {
	var b []byte
	for _, tok := range t.vocab {
		b = append(b, tok...)
		b = append(b, '\n')
	}
	return b
}

// ControlMask marks, by token id, the BERT control tokens present in the
// vocabulary ([PAD] [UNK] [CLS] [SEP] [MASK]), which document vectors never
// carry. The slice is new on every call.
func (t *Tokenizer) ControlMask() []bool {
	s := make([]bool, t.VocabSize())
	for _, sp := range t.special {
		s[sp.id] = true
	}
	return s
}

// VocabSize is the number of tokens (ids are 0..VocabSize()-1).
func (t *Tokenizer) VocabSize() int { return len(t.vocab) }

// ID returns the id of a vocabulary token ("##" prefix included for
// continuation pieces).
func (t *Tokenizer) ID(token string) (int32, bool) {
	id, ok := t.ids[token]
	return id, ok
}

// Token returns the token with the given id, or "" when id is out of range.
func (t *Tokenizer) Token(id int32) string {
	if id < 0 || int(id) >= len(t.vocab) {
		return ""
	}
	return t.vocab[id]
}

// UnkID is the id of [UNK].
func (t *Tokenizer) UnkID() int32 { return t.unk }

// Tokenize returns the WordPiece tokens of text (no [CLS]/[SEP]).
func (t *Tokenizer) Tokenize(text string) []string {
	ids := t.AppendIDs(make([]int32, 0, len(text)/4+1), text)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.vocab[id]
	}
	return out
}

// AppendIDs appends the WordPiece ids of text to dst and returns the extended
// slice (no [CLS]/[SEP]). Apart from growing dst it does not allocate.
func (t *Tokenizer) AppendIDs(dst []int32, text string) []int32 {
	s := t.pool.Get().(*scratch)
	s.reset()
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			cls := asciiClass[c]
			switch {
			case cls == 0:
				s.word = append(s.word, asciiLower[c])
				if !s.ascii {
					s.fast = append(s.fast, asciiLower[c])
				}
			case cls&clsSpace != 0:
				dst = t.flush(dst, s)
			case cls&clsPunct != 0:
				if c == '[' && len(t.special) > 0 {
					if sp, ok := t.matchSpecial(text[i:]); ok {
						dst = t.flush(dst, s)
						dst = append(dst, sp.id)
						i += len(sp.text)
						continue
					}
				}
				// An ASCII punctuation mark has no decomposition and is a
				// starter, so splitting here equals splitting after NFD.
				dst = t.flush(dst, s)
				dst = append(dst, t.asciiIDs[c])
			}
			// clsDrop: control characters vanish without splitting.
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		cls := runeClass(t.classes, r)
		switch {
		case cls&clsDrop != 0:
		case cls&clsSpace != 0:
			dst = t.flush(dst, s)
		case cls&clsCJK != 0:
			dst = t.flush(dst, s)
			t.addRune(s, r)
			dst = t.flush(dst, s)
		default:
			// Punctuation is split after NFD (where e.g. U+2260 becomes "="
			// plus a mark), so other runes just join the word here.
			t.addRune(s, r)
		}
		i += size
	}
	dst = t.flush(dst, s)
	t.pool.Put(s)
	return dst
}

func (t *Tokenizer) matchSpecial(s string) (specialToken, bool) {
	for _, sp := range t.special {
		if strings.HasPrefix(s, sp.text) {
			return sp, true
		}
	}
	return specialToken{}, false
}

// addRune adds a non-ASCII rune to the current word: lower-cased to s.word,
// and lower-cased, decomposed and stripped of Mn to s.fast.
func (t *Tokenizer) addRune(s *scratch, r rune) {
	r = unicode.ToLower(r)
	if s.ascii {
		s.fast = append(s.fast[:0], s.word...) // ASCII is its own NFD
		s.ascii = false
	}
	s.word = utf8.AppendRune(s.word, r)
	if s.complex {
		return // s.fast is abandoned; flush normalises s.word
	}
	if r >= hangulBase && r < hangulBase+hangulCount {
		// Hangul syllables decompose algorithmically into conjoining jamo
		// (letters, ccc 0), which norm's Properties does not spell out.
		si := r - hangulBase
		s.fast = utf8.AppendRune(s.fast, 0x1100+si/(21*28))
		s.fast = utf8.AppendRune(s.fast, 0x1161+si%(21*28)/28)
		if ti := si % 28; ti != 0 {
			s.fast = utf8.AppendRune(s.fast, 0x11A7+ti)
		}
		return
	}
	n := len(s.fast)
	s.fast = utf8.AppendRune(s.fast, r)
	d := norm.NFD.Properties(s.fast[n:]).Decomposition()
	if d == nil {
		d = s.fast[n:]
	} else {
		s.fast = append(s.fast[:n], d...) // d is a table slice, not s.fast
		d = s.fast[n:]
	}
	// Drop Mn from the decomposition, and note any other non-starter: canonical
	// reordering could move it, so such words take the exact NFD path.
	w := n
	for len(d) > 0 {
		c, size := utf8.DecodeRune(d)
		cls := runeClass(t.classes, c)
		if cls&clsNonStarter != 0 {
			s.complex = true
		}
		if cls&clsMn == 0 {
			w += copy(s.fast[w:], d[:size])
		}
		d = d[size:]
	}
	s.fast = s.fast[:w]
}

const (
	hangulBase  = 0xAC00
	hangulCount = 11172
)

// flush tokenizes the current word and resets it: split on punctuation (after
// normalisation), WordPiece each piece.
func (t *Tokenizer) flush(dst []int32, s *scratch) []int32 {
	if len(s.word) == 0 {
		s.reset()
		return dst
	}
	if s.ascii {
		// Punctuation and spaces were split while scanning: only ASCII
		// letters and digits remain, one rune per byte.
		dst = t.wordPiece(dst, s.word, len(s.word))
		s.reset()
		return dst
	}
	nfd := s.fast // per-rune decomposition, Mn already dropped
	if s.complex {
		// Exact path: NFD of the whole word (with canonical reordering),
		// then drop Mn below.
		nfd = s.fast[:0]
		s.iter.Init(norm.NFD, s.word)
		for !s.iter.Done() {
			nfd = append(nfd, s.iter.Next()...)
		}
	}
	s.fast = nfd[:0]
	w, start, runes := 0, 0, 0 // write position, start of current piece, its rune count
	for r := 0; r < len(nfd); {
		c, size := utf8.DecodeRune(nfd[r:])
		cls := runeClass(t.classes, c)
		switch {
		case cls&clsMn != 0:
		case cls&(clsPunct|clsSpace) != 0:
			dst = t.wordPiece(dst, nfd[start:w], runes)
			if cls&clsPunct != 0 {
				dst = t.wordPiece(dst, nfd[r:r+size], 1)
			}
			w = r + size // nothing before r+size is needed any more
			start, runes = w, 0
		default:
			w += copy(nfd[w:], nfd[r:r+size])
			runes++
		}
		r += size
	}
	dst = t.wordPiece(dst, nfd[start:w], runes)
	s.reset()
	return dst
}

// wordPiece appends the greedy longest-match-first pieces of w (runes runes
// long), or a single [UNK].
func (t *Tokenizer) wordPiece(dst []int32, w []byte, runes int) []int32 {
	if len(w) == 0 {
		return dst
	}
	if runes > MaxWordChars {
		return append(dst, t.unk)
	}
	mark := len(dst)
	state := int32(0)
	for start := 0; start < len(w); {
		if start > 0 {
			if state = t.contState; state < 0 {
				return append(dst[:mark], t.unk)
			}
		}
		// Tokens are valid UTF-8 and w is too, so a match ends on a rune
		// boundary: the longest byte prefix is the longest rune prefix.
		id, n := t.trie.longest(state, w[start:])
		if n == 0 {
			return append(dst[:mark], t.unk)
		}
		dst = append(dst, id)
		start += n
	}
	return dst
}
