package server

import "unicode/utf8"

// fastSearchBody decodes the common shape of a search body without
// encoding/json: one object whose keys are among "query", "k", "mode" and
// "explain" (exact spelling), strings without escapes or control
// characters, k a plain integer, explain true or false, and nothing but
// whitespace after it. It reports false for anything else, and the caller
// falls back to decodeStrict, so error messages and the treatment of
// unusual input are unchanged. FuzzFastSearchBody checks that whatever it
// accepts decodes to the same request under decodeStrict.
func fastSearchBody(body []byte, r *searchRequest) bool {
	if !utf8.Valid(body) {
		return false
	}
	i := skipWS(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = skipWS(body, i+1)
	if i < len(body) && body[i] == '}' {
		i++
	} else {
		for {
			key, j, ok := plainString(body, i)
			if !ok {
				return false
			}
			i = skipWS(body, j)
			if i >= len(body) || body[i] != ':' {
				return false
			}
			i = skipWS(body, i+1)
			switch key {
			case "query", "mode":
				s, j, ok := plainString(body, i)
				if !ok {
					return false
				}
				if key == "query" {
					r.Query = s
				} else {
					r.Mode = s
				}
				i = j
			case "k":
				k, j, ok := plainInt(body, i)
				if !ok {
					return false
				}
				r.K = &k
				i = j
			case "explain":
				switch {
				case hasPrefixAt(body, i, "true"):
					r.Explain, i = true, i+4
				case hasPrefixAt(body, i, "false"):
					r.Explain, i = false, i+5
				default:
					return false
				}
			default:
				return false
			}
			i = skipWS(body, i)
			if i >= len(body) {
				return false
			}
			if body[i] == '}' {
				i++
				break
			}
			if body[i] != ',' {
				return false
			}
			i = skipWS(body, i+1)
		}
	}
	return skipWS(body, i) == len(body)
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

func hasPrefixAt(b []byte, i int, s string) bool {
	return len(b)-i >= len(s) && string(b[i:i+len(s)]) == s
}

// plainString reads a JSON string at b[i] that needs no unescaping.
func plainString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return string(b[i+1 : j]), j + 1, true
		case c == '\\' || c < 0x20:
			return "", i, false
		}
	}
	return "", i, false
}

// plainInt reads a JSON integer -?(0|[1-9][0-9]*) of at most 9 digits at
// b[i], not followed by a fraction or exponent.
func plainInt(b []byte, i int) (int, int, bool) {
	j := i
	neg := j < len(b) && b[j] == '-'
	if neg {
		j++
	}
	start := j
	n := 0
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		n = n*10 + int(b[j]-'0')
		j++
	}
	digits := j - start
	if digits == 0 || digits > 9 || digits > 1 && b[start] == '0' {
		return 0, i, false
	}
	if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return 0, i, false
	}
	if neg {
		n = -n
	}
	return n, j, true
}
