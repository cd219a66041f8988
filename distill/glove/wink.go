package glove

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Scan reads the wink-embeddings JSON ({"dimensions": D, "vectors":
// {"word": [x_1..x_D, l2norm, index], ...}, ...}), calling use with the first
// D values of every word for which want returns true (others are skipped
// without parsing their numbers: the file has 341k words). vec is reused
// between calls. It returns D. A hand-written scanner because encoding/json's
// token API takes several times longer over the 300 MB file; the one place
// this file is parsed (the student's initial table and the dense teacher).
func Scan(data []byte, name string, want func(string) bool, use func(word string, vec []float64)) (int, error) {
	dim := 0
	if i := bytes.Index(data, []byte(`"dimensions":`)); i >= 0 {
		j := i + len(`"dimensions":`)
		k := j
		for k < len(data) && data[k] >= '0' && data[k] <= '9' {
			k++
		}
		dim, _ = strconv.Atoi(string(data[j:k]))
	}
	if dim <= 0 || dim > 4096 {
		return 0, fmt.Errorf("glove: %s: no valid \"dimensions\" field (is this the wink-embeddings JSON?)", name)
	}
	vi := bytes.Index(data, []byte(`"vectors":{`))
	if vi < 0 {
		return 0, fmt.Errorf("glove: %s: no \"vectors\" object", name)
	}
	vec := make([]float64, dim+2)
	p := vi + len(`"vectors":{`)
	line := 1 + bytes.Count(data[:p], []byte{'\n'})
	for {
		for p < len(data) && (data[p] == ' ' || data[p] == '\n' || data[p] == ',' || data[p] == '\r' || data[p] == '\t') {
			p++
		}
		if p >= len(data) {
			return 0, fmt.Errorf("glove: %s: unterminated \"vectors\" object", name)
		}
		if data[p] == '}' {
			return dim, nil
		}
		if data[p] != '"' {
			return 0, fmt.Errorf("glove: %s:%d: expected a quoted word at byte %d", name, line, p)
		}
		q := p + 1
		esc := false
		for q < len(data) && data[q] != '"' {
			if data[q] == '\\' {
				esc = true
				q++
			}
			q++
		}
		if q >= len(data) {
			return 0, fmt.Errorf("glove: %s: unterminated string at byte %d", name, p)
		}
		word := string(data[p+1 : q])
		if esc {
			u, err := strconv.Unquote(string(data[p : q+1]))
			if err != nil {
				return 0, fmt.Errorf("glove: %s: bad string at byte %d: %v", name, p, err)
			}
			word = u
		}
		p = q + 1
		for p < len(data) && (data[p] == ':' || data[p] == ' ') {
			p++
		}
		if p >= len(data) || data[p] != '[' {
			return 0, fmt.Errorf("glove: %s: word %q: expected '['", name, word)
		}
		end := bytes.IndexByte(data[p:], ']')
		if end < 0 {
			return 0, fmt.Errorf("glove: %s: word %q: unterminated array", name, word)
		}
		arr := data[p+1 : p+end]
		p += end + 1
		if !want(word) {
			continue
		}
		n := 0
		for len(arr) > 0 && n < len(vec) {
			c := bytes.IndexByte(arr, ',')
			var f []byte
			if c < 0 {
				f, arr = arr, nil
			} else {
				f, arr = arr[:c], arr[c+1:]
			}
			x, err := strconv.ParseFloat(strings.TrimSpace(string(f)), 64)
			if err != nil {
				return 0, fmt.Errorf("glove: %s: word %q: bad number %q", name, word, f)
			}
			vec[n] = x
			n++
		}
		if n < dim {
			return 0, fmt.Errorf("glove: %s: word %q: %d numbers, want at least %d", name, word, n, dim)
		}
		use(word, vec[:dim])
	}
}
