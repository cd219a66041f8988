package collection

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/valyala/fastjson"
)

// Source is what Load and Build read: documents at positions in a fixed
// order, so that a resumed load can skip what is committed.
type Source interface {
	// Identity names the input; a load resumes only from the same identity.
	Identity() string
	// Len is the number of positions, for progress (0 if unknown).
	Len() (int, error)
	// Read calls emit with each document from position skip on, with the
	// position after it, and stops at the first error emit returns.
	Read(skip int, emit func(d Document, next int) error) error
}

// FileSource reads a corpus file: a BEIR dataset directory (its
// corpus.jsonl) or a JSONL file of {"_id"|"id", "title", "text"} lines;
// with vectors, a JSONL file of pre-encoded documents {"id", "vector":
// {"token": weight}, "title"?, "text"?}. Positions are line numbers, so
// blank lines count; errors name file:line. Its identity is the absolute
// path, size and modification time.
func FileSource(path string, vectors bool) (Source, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		if vectors {
			return nil, fmt.Errorf("%s is a directory, not a vectors JSONL file", path)
		}
		path = filepath.Join(path, "corpus.jsonl")
		if st, err = os.Stat(path); err != nil {
			return nil, fmt.Errorf("%s: not a BEIR dataset directory (no corpus.jsonl)", filepath.Dir(path))
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return &fileSource{path: path, vectors: vectors,
		identity: fmt.Sprintf("%s size=%d mtime=%d", abs, st.Size(), st.ModTime().UnixNano())}, nil
}

type fileSource struct {
	path, identity string
	vectors        bool
}

func (f *fileSource) Identity() string { return f.identity }

// Len counts the lines (a last line without a newline included).
func (f *fileSource) Len() (int, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	n := 0
	buf := make([]byte, 1<<20)
	last := byte('\n')
	for {
		k, err := fh.Read(buf)
		for _, c := range buf[:k] {
			if c == '\n' {
				n++
			}
		}
		if k > 0 {
			last = buf[k-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if last != '\n' {
		n++
	}
	return n, nil
}

func (f *fileSource) Read(skip int, emit func(Document, int) error) error {
	fh, err := os.Open(f.path)
	if err != nil {
		return err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	var p fastjson.Parser
	line := 0
	for sc.Scan() {
		line++
		if line <= skip {
			continue
		}
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		d, err := parseRecord(&p, text, f.vectors)
		if err != nil {
			return fmt.Errorf("%s:%d: %v", f.path, line, err)
		}
		if err := emit(d, line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %v", f.path, line+1, err)
	}
	return nil
}

type rawRecord struct {
	ID     dataset.FlexID     `json:"_id"`
	ID2    dataset.FlexID     `json:"id"`
	Title  string             `json:"title"`
	Text   string             `json:"text"`
	Vector map[string]float64 `json:"vector"`
}

// parseRecord parses one JSONL line: plain lines by parseRecordFast, the
// rest (and every error) by parseRecordJSON, whose behaviour is the
// contract.
func parseRecord(p *fastjson.Parser, line []byte, vectors bool) (Document, error) {
	if d, ok := parseRecordFast(p, line, vectors); ok {
		return d, nil
	}
	return parseRecordJSON(line, vectors)
}

// parseRecordJSON decodes a record with encoding/json.
func parseRecordJSON(line []byte, vectors bool) (Document, error) {
	var raw rawRecord
	if err := json.Unmarshal(line, &raw); err != nil {
		return Document{}, fmt.Errorf("invalid JSON: %v", err)
	}
	id := raw.ID
	if !id.Set {
		id = raw.ID2
	}
	if !id.Set || id.S == "" {
		return Document{}, errors.New("missing \"_id\" (or \"id\")")
	}
	d := Document{ID: id.S, Title: raw.Title, Text: raw.Text}
	if vectors {
		if raw.Vector == nil {
			return Document{}, errors.New("missing \"vector\" object")
		}
		d.Tokens = raw.Vector
	}
	return d, nil
}

// DocsSource reads documents held in memory (position i is docs[i]), under
// the given identity.
func DocsSource(identity string, docs []dataset.Doc) Source {
	return docsSource{identity: identity, docs: docs}
}

type docsSource struct {
	identity string
	docs     []dataset.Doc
}

func (s docsSource) Identity() string  { return s.identity }
func (s docsSource) Len() (int, error) { return len(s.docs), nil }

func (s docsSource) Read(skip int, emit func(Document, int) error) error {
	for i := max(skip, 0); i < len(s.docs); i++ {
		d := s.docs[i]
		if err := emit(Document{ID: d.ID, Title: d.Title, Text: d.Text}, i+1); err != nil {
			return err
		}
	}
	return nil
}
