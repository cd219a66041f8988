package words

import "github.com/blevesearch/bleve/v2/analysis"

// asciiTokenizer is bleve's Unicode word tokenizer (UAX #29 word
// boundaries, blevesearch/segment) with a fast path for text that is all
// ASCII, as nearly every query is: the segmenter's general state machine
// was half of a query's word analysis. On ASCII the rules reduce to:
// a word is a maximal run of letters, digits and '_', where one of : . '
// between two letters (WB6/7: MidLetter, MidNumLet, Single_Quote) or one
// of , ; . ' between two digits (WB11/12: MidNum, MidNumLet, Single_Quote)
// joins the run; every other character is a boundary and no token. A word is Numeric when it has a digit and no
// letter (the segmenter's WordNumeric rule wins its ties), else
// AlphaNumeric. Other text goes to bleve's tokenizer. The two are compared
// token by token, positions and offsets included, by TestASCIITokenizer
// and FuzzASCIITokenizer.
type asciiTokenizer struct {
	general analysis.Tokenizer
}

// ASCII character classes of the fast path.
const (
	aLetter = 1 << iota
	aDigit
	aUnderscore
	aMidLetter // joins two letters
	aMidNum    // joins two digits
)

var asciiClass = func() (t [128]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = aLetter, aLetter
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = aDigit
	}
	t['_'] = aUnderscore
	t[':'] = aMidLetter
	t[','], t[';'] = aMidNum, aMidNum
	t['.'], t['\''] = aMidLetter|aMidNum, aMidLetter|aMidNum
	return t
}()

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// Tokenize splits input as bleve's unicode tokenizer does.
func (t *asciiTokenizer) Tokenize(input []byte) analysis.TokenStream {
	if !isASCII(input) {
		return t.general.Tokenize(input)
	}
	n := 0 // count first: one allocation of the exact size for each slice
	for i := 0; i < len(input); n++ {
		_, i, _ = nextASCIIWord(input, i)
	}
	tokens := make([]analysis.Token, n)
	ts := make(analysis.TokenStream, 0, n)
	for i := 0; i < len(input); {
		start, end, typ := nextASCIIWord(input, i)
		if start == end {
			break
		}
		tok := &tokens[len(ts)]
		*tok = analysis.Token{Term: input[start:end], Start: start, End: end, Position: len(ts) + 1, Type: typ}
		ts = append(ts, tok)
		i = end
	}
	return ts
}

// nextASCIIWord returns the first word at or after i (start == end ==
// len(input) when there is none) and its type.
func nextASCIIWord(input []byte, i int) (start, end int, typ analysis.TokenType) {
	const word = aLetter | aDigit | aUnderscore
	for i < len(input) && asciiClass[input[i]]&word == 0 {
		i++
	}
	start = i
	var seen uint8
	for i < len(input) {
		c := asciiClass[input[i]]
		if c&word != 0 {
			seen |= c
			i++
			continue
		}
		if i+1 < len(input) && i > start {
			prev, next := asciiClass[input[i-1]], asciiClass[input[i+1]]
			if c&aMidLetter != 0 && prev&next&aLetter != 0 || c&aMidNum != 0 && prev&next&aDigit != 0 {
				i++
				continue
			}
		}
		break
	}
	typ = analysis.AlphaNumeric
	if seen&aDigit != 0 && seen&aLetter == 0 {
		typ = analysis.Numeric
	}
	return start, i, typ
}
