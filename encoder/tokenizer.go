package encoder

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
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
// normalized=false): "a[SEP]b" -> a [SEP] b, but "[sep]" -> [ sep ].
var specialTokens = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}

//go:embed vocab.txt
var bertBaseUncasedVocab []byte

var defaultTokenizer = sync.OnceValue(func() *Tokenizer {
	t, err := newTokenizerFromFile(bertBaseUncasedVocab, "embedded vocab.txt")
	if err != nil {
		panic("encoder: embedded vocab.txt: " + err.Error()) // unreachable: tested
	}
	return t
})

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
type scratch struct {
	word []byte    // current raw word, lower-cased, UTF-8
	nfd  []byte    // its NFD form when that differs, stripped of Mn in place
	iter norm.Iter // kept here because norm.NFD.Append allocates its buffer
}

// NewTokenizer builds a tokenizer over vocab, where vocab[i] is the token with
// id i. The vocabulary must contain [UNK] and no duplicate tokens.
func NewTokenizer(vocab []string) (*Tokenizer, error) {
	if len(vocab) == 0 {
		return nil, fmt.Errorf("encoder: empty vocabulary")
	}
	if len(vocab) > 1<<31-1 {
		return nil, fmt.Errorf("encoder: vocabulary of %d tokens does not fit int32 ids", len(vocab))
	}
	t := &Tokenizer{
		vocab:   append([]string(nil), vocab...),
		ids:     make(map[string]int32, len(vocab)),
		classes: bmpClasses(),
	}
	ids := make([]int32, len(vocab))
	for i, tok := range t.vocab {
		if !utf8.ValidString(tok) {
			return nil, fmt.Errorf("encoder: vocabulary token %d (%q) is not valid UTF-8", i, tok)
		}
		if j, dup := t.ids[tok]; dup {
			return nil, fmt.Errorf("encoder: vocabulary token %q appears twice (ids %d and %d)", tok, j, i)
		}
		t.ids[tok] = int32(i)
		ids[i] = int32(i)
	}
	unk, ok := t.ids[UnkToken]
	if !ok {
		return nil, fmt.Errorf("encoder: vocabulary has no %s token", UnkToken)
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
	t.pool.New = func() any { return &scratch{word: make([]byte, 0, 64), nfd: make([]byte, 0, 64)} }
	return t, nil
}

// LoadTokenizer reads a vocab.txt (one token per line, line number = id, as
// Hugging Face writes it; a trailing "\r" is tolerated).
func LoadTokenizer(vocabPath string) (*Tokenizer, error) {
	data, err := os.ReadFile(vocabPath)
	if err != nil {
		return nil, fmt.Errorf("encoder: reading vocabulary: %w", err)
	}
	return newTokenizerFromFile(data, vocabPath)
}

func newTokenizerFromFile(data []byte, name string) (*Tokenizer, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("encoder: %s: empty vocabulary file", name)
	}
	data = bytes.TrimSuffix(data, []byte("\n"))
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		if !utf8.ValidString(l) {
			return nil, fmt.Errorf("encoder: %s:%d: token is not valid UTF-8", name, i+1)
		}
		lines[i] = l
	}
	t, err := NewTokenizer(lines)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
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
	word := s.word[:0]
	ascii := true // word holds only ASCII, so NFD is the identity
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			cls := asciiClass[c]
			switch {
			case cls == 0:
				word = append(word, asciiLower[c])
			case cls&clsSpace != 0:
				dst = t.flush(dst, s, word, ascii)
				word, ascii = word[:0], true
			case cls&clsPunct != 0:
				if c == '[' && len(t.special) > 0 {
					if sp, ok := t.matchSpecial(text[i:]); ok {
						dst = t.flush(dst, s, word, ascii)
						word, ascii = word[:0], true
						dst = append(dst, sp.id)
						i += len(sp.text)
						continue
					}
				}
				// An ASCII punctuation mark has no decomposition and is a
				// starter, so splitting here equals splitting after NFD.
				dst = t.flush(dst, s, word, ascii)
				word, ascii = word[:0], true
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
			dst = t.flush(dst, s, word, ascii)
			word, ascii = word[:0], true
		case cls&clsCJK != 0:
			dst = t.flush(dst, s, word, ascii)
			word = utf8.AppendRune(word[:0], unicode.ToLower(r))
			dst = t.flush(dst, s, word, false)
			word, ascii = word[:0], true
		default:
			// Punctuation is split after NFD (where e.g. U+2260 becomes "="
			// plus a mark), so other runes just join the word here.
			word = utf8.AppendRune(word, unicode.ToLower(r))
			ascii = false
		}
		i += size
	}
	dst = t.flush(dst, s, word, ascii)
	s.word = word[:0]
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

// flush tokenizes one whitespace-delimited, lower-cased word: NFD, drop Mn,
// split on punctuation, WordPiece each piece. It may overwrite word.
func (t *Tokenizer) flush(dst []int32, s *scratch, word []byte, ascii bool) []int32 {
	if len(word) == 0 {
		return dst
	}
	if ascii {
		// Punctuation and spaces were split while scanning: only ASCII
		// letters and digits remain, one rune per byte.
		return t.wordPiece(dst, word, len(word))
	}
	nfd := word // already NFD (the common case): strip marks in place
	if norm.NFD.QuickSpan(word) < len(word) {
		nfd = s.nfd[:0]
		s.iter.Init(norm.NFD, word)
		for !s.iter.Done() {
			nfd = append(nfd, s.iter.Next()...)
		}
		s.nfd = nfd[:0]
	}
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
	return t.wordPiece(dst, nfd[start:w], runes)
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
