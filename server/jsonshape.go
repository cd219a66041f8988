package server

import "fmt"

// Decoding allocates per value: a 30 MiB body of `"",` is ten million Go
// strings (160 MB of headers alone), and a 30 MiB NDJSON body of `{}` a
// million maps. checkShape bounds a body's structure before anything is
// decoded, in one pass that allocates nothing, so a request's memory stays
// proportional to what the limits allow rather than to its body.

// shapeLimits bound the structure of a JSON body.
type shapeLimits struct {
	depth   int    // deepest nesting of arrays and objects
	members int    // most members of any array or object below the top level
	top     int    // most elements of a top-level array (0: as members)
	what    string // what a top-level array holds, for the error ("documents")
}

// maxJSONDepth is the nesting every request body may use: search and
// document bodies need 3 levels; BEIR metadata objects a few more.
const maxJSONDepth = 32

// shapeError says which bound a body broke and where.
type shapeError struct {
	what  string // "depth", "members", "top" or "surrogate"
	limit int
	at    int    // byte offset
	items string // "top": what the array holds
}

func (e *shapeError) Error() string {
	switch e.what {
	case "depth":
		return fmt.Sprintf("JSON nested deeper than %d levels (at byte %d)", e.limit, e.at)
	case "surrogate":
		return fmt.Sprintf("a string holds a lone UTF-16 surrogate escape (at byte %d), which is not valid Unicode", e.at)
	case "top":
		return fmt.Sprintf("more than %d %s in one request; the limit is %d (split the batch)", e.limit, e.items, e.limit)
	}
	return fmt.Sprintf("a JSON array or object has more than %d members (at byte %d)", e.limit, e.at)
}

// checkShape scans body (one JSON value or several, as NDJSON) and reports
// the first bound it breaks, or a \uD800-\uDFFF escape that is not part of
// a surrogate pair (encoding/json would turn it into U+FFFD silently).
// Malformed JSON is left for the decoder to report.
func checkShape(body []byte, lim shapeLimits) error {
	if lim.top == 0 {
		lim.top = lim.members
	}
	if lim.what == "" {
		lim.what = "elements"
	}
	var counts [maxJSONDepth + 1]int // members so far per open container
	var empty [maxJSONDepth + 1]bool // no member seen yet
	var isArray [maxJSONDepth + 1]bool
	depth := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch c {
		case '"':
			end, ok := skipString(body, i)
			if !ok {
				return &shapeError{what: "surrogate", at: end}
			}
			if depth > 0 && empty[depth] {
				empty[depth], counts[depth] = false, 1
			}
			i = end
		case '[', '{':
			if depth > 0 && empty[depth] {
				empty[depth], counts[depth] = false, 1
			}
			if depth++; depth > lim.depth || depth > maxJSONDepth {
				return &shapeError{what: "depth", limit: min(lim.depth, maxJSONDepth), at: i}
			}
			counts[depth], empty[depth], isArray[depth] = 0, true, c == '['
		case ']', '}':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				continue
			}
			counts[depth]++
			if depth == 1 && isArray[1] {
				if counts[1] > lim.top {
					return &shapeError{what: "top", limit: lim.top, at: i, items: lim.what}
				}
			} else if counts[depth] > lim.members {
				return &shapeError{what: "members", limit: lim.members, at: i}
			}
		case ' ', '\t', '\n', '\r', ':':
		default:
			if depth > 0 && empty[depth] {
				empty[depth], counts[depth] = false, 1
			}
		}
	}
	return nil
}

// skipString returns the offset of the closing quote of the string that
// starts at body[i] (or the end of body), and false at a lone surrogate
// escape.
func skipString(body []byte, i int) (int, bool) {
	for j := i + 1; j < len(body); j++ {
		switch body[j] {
		case '"':
			return j, true
		case '\\':
			if j+1 < len(body) && body[j+1] == 'u' {
				r, ok := hex4(body, j+2)
				if ok && r >= 0xD800 && r <= 0xDFFF {
					lo, okLo := rune(0), false
					if r <= 0xDBFF && j+7 < len(body) && body[j+6] == '\\' && body[j+7] == 'u' {
						lo, okLo = hex4(body, j+8)
					}
					if !okLo || lo < 0xDC00 || lo > 0xDFFF {
						return j, false
					}
					j += 6 // the low half
				}
				j += 5
				continue
			}
			j++
		}
	}
	return len(body), true
}

// hex4 reads four hex digits at body[i].
func hex4(body []byte, i int) (rune, bool) {
	if i+4 > len(body) {
		return 0, false
	}
	var r rune
	for _, c := range body[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
