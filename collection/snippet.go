package collection

import (
	"strings"
	"unicode/utf8"

	"github.com/sparrow-search/sparrow/lexical"
)

// SnippetRunes is the length of a hit's text snippet, in characters.
const SnippetRunes = 240

// Span is a highlighted range of a string, in characters (code points,
// not bytes): [Start, End).
type Span struct{ Start, End int }

// highlighter marks the words of a text whose analyzed term (the bm25
// index's analyzer: lower case, stemmed) is one of the query's.
type highlighter struct {
	lex   *lexical.Index
	terms map[string]bool
}

func newHighlighter(lex *lexical.Index, query string) *highlighter {
	h := &highlighter{lex: lex, terms: map[string]bool{}}
	for _, t := range lex.Tokens(query) {
		h.terms[t.Term] = true
	}
	return h
}

// matches returns the byte ranges of text's words that match the query.
func (h *highlighter) matches(text string) []lexical.Token {
	var out []lexical.Token
	if len(h.terms) == 0 {
		return nil
	}
	for _, t := range h.lex.Tokens(text) {
		if h.terms[t.Term] {
			out = append(out, t)
		}
	}
	return out
}

// title highlights the matching words of a whole title.
func (h *highlighter) title(title string) []Span {
	return spans(title, 0, h.matches(title))
}

// snippet cuts the SnippetRunes-character window of text that holds the
// most distinct query terms (then the most matches), at word boundaries
// where it can, with "…" where it cuts, and the spans of its matches.
func (h *highlighter) snippet(text string) (string, []Span) {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= SnippetRunes {
		return text, spans(text, 0, h.matches(text))
	}
	ms := h.matches(text)
	start := bestWindow(text, ms)
	end := start
	for n := 0; end < len(text) && n < SnippetRunes; n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	// Snap to word boundaries: whole words only.
	if start > 0 {
		if i := strings.IndexByte(text[start:end], ' '); i >= 0 && i < 30 {
			start += i + 1
		}
	}
	if end < len(text) {
		if i := strings.LastIndexByte(text[start:end], ' '); i > len(text[start:end])-30 {
			end = start + i
		}
	}
	var in []lexical.Token
	for _, m := range ms {
		if m.Start >= start && m.End <= end {
			in = append(in, m)
		}
	}
	prefix, suffix := "", ""
	if start > 0 {
		prefix = "… "
	}
	if end < len(text) {
		suffix = " …"
	}
	return prefix + text[start:end] + suffix, spans(text[start:end], utf8.RuneCountInString(prefix), shift(in, -start))
}

// bestWindow is the byte offset of the window start (a match, or 0) whose
// next SnippetRunes characters hold the most distinct terms, then matches.
func bestWindow(text string, ms []lexical.Token) int {
	best, bestDistinct, bestCount := 0, 0, 0
	for i, m := range ms {
		distinct := map[string]bool{}
		count, limit := 0, runeOffset(text, m.Start, SnippetRunes)
		for _, n := range ms[i:] {
			if n.End > limit {
				break
			}
			distinct[n.Term] = true
			count++
		}
		if len(distinct) > bestDistinct || len(distinct) == bestDistinct && count > bestCount {
			best, bestDistinct, bestCount = m.Start, len(distinct), count
		}
	}
	// Start a little before the first match, for context.
	back := best
	for n := 0; back > 0 && n < SnippetRunes/6; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:back])
		back -= size
	}
	return back
}

// runeOffset is the byte offset n characters after from (or the end).
func runeOffset(s string, from, n int) int {
	for ; from < len(s) && n > 0; n-- {
		_, size := utf8.DecodeRuneInString(s[from:])
		from += size
	}
	return from
}

func shift(ts []lexical.Token, by int) []lexical.Token {
	out := make([]lexical.Token, len(ts))
	for i, t := range ts {
		out[i] = lexical.Token{Term: t.Term, Start: t.Start + by, End: t.End + by}
	}
	return out
}

// spans turns byte ranges of s into character spans, offset by base.
func spans(s string, base int, ts []lexical.Token) []Span {
	if len(ts) == 0 {
		return nil
	}
	out := make([]Span, 0, len(ts))
	for _, t := range ts {
		if t.Start < 0 || t.End > len(s) || t.Start >= t.End {
			continue
		}
		start := base + utf8.RuneCountInString(s[:t.Start])
		out = append(out, Span{start, start + utf8.RuneCountInString(s[t.Start:t.End])})
	}
	return out
}
