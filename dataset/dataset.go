package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Doc is one corpus document. Extra JSON fields (e.g. "metadata") are ignored.
type Doc struct {
	ID, Title, Text string
}

// Query is one query of queries.jsonl.
type Query struct {
	ID, Text string
}

// Qrels maps query id -> doc id -> graded relevance. Relevance <= 0 means
// judged non-relevant (trec_eval's convention).
type Qrels map[string]map[string]int

// Dataset is a BEIR collection with one split's judgments.
type Dataset struct {
	Name, Dir string
	Corpus    []Doc
	// Queries holds only the queries that appear in Qrels, in file order.
	Queries []Query
	Qrels   Qrels
}

// Load reads DIR/corpus.jsonl, DIR/queries.jsonl and DIR/qrels/SPLIT.tsv.
// Queries without judgments in the split are dropped (as BEIR does); a judged
// query missing from queries.jsonl is an error.
func Load(dir, split string) (*Dataset, error) {
	qrels, err := LoadSplitQrels(dir, split)
	if err != nil {
		return nil, err
	}
	queries, err := LoadJudgedQueries(filepath.Join(dir, "queries.jsonl"), qrels)
	if err != nil {
		return nil, err
	}
	corpus, err := LoadCorpus(filepath.Join(dir, "corpus.jsonl"))
	if err != nil {
		return nil, err
	}
	return &Dataset{Name: Name(dir), Dir: dir, Corpus: corpus, Queries: queries, Qrels: qrels}, nil
}

// LoadSplitQrels reads DIR/qrels/SPLIT.tsv; a split name that is empty or
// holds a path separator is an error.
func LoadSplitQrels(dir, split string) (Qrels, error) {
	if split == "" || strings.ContainsAny(split, `/\`) {
		return nil, fmt.Errorf("dataset: invalid split name %q", split)
	}
	return LoadQrels(filepath.Join(dir, "qrels", split+".tsv"))
}

// LoadJudgedQueries returns the queries of path that have judgments in qrels,
// in file order. A judged query absent from the file is an error.
func LoadJudgedQueries(path string, qrels Qrels) ([]Query, error) {
	all, err := LoadQueries(path)
	if err != nil {
		return nil, err
	}
	var out []Query
	seen := make(map[string]bool, len(qrels))
	for _, q := range all {
		if _, ok := qrels[q.ID]; ok {
			out = append(out, q)
			seen[q.ID] = true
		}
	}
	for qid := range qrels {
		if !seen[qid] {
			return nil, fmt.Errorf("%s: judged query %q (in qrels) is missing", path, qid)
		}
	}
	return out, nil
}

// Name is the dataset name for reports: the directory's base name.
func Name(dir string) string {
	return filepath.Base(filepath.Clean(dir))
}

// lineReader yields lines of any length (bufio.Scanner's 64 KiB token limit
// would reject long abstracts) with their 1-based numbers.
type lineReader struct {
	r    *bufio.Reader
	line int
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 1<<16)}
}

// next returns the next line without its "\n" / "\r\n" (and without a
// UTF-8 byte-order mark on line 1). io.EOF after the last.
func (l *lineReader) next() ([]byte, error) {
	b, err := l.r.ReadBytes('\n')
	if len(b) == 0 && err != nil {
		return nil, err
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	l.line++
	if l.line == 1 {
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	return b, nil
}

// FlexID is a document or query id in JSON that accepts a string or a number
// (some BEIR conversions write numeric ids). Set is false when the key was
// absent or null.
type FlexID struct {
	S   string
	Set bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *FlexID) UnmarshalJSON(b []byte) error {
	f.Set = true
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &f.S)
	}
	if bytes.Equal(b, []byte("null")) {
		f.Set = false
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("id must be a string or a number")
	}
	f.S = n.String()
	return nil
}

type rawDoc struct {
	ID    FlexID  `json:"_id"`
	Title *string `json:"title"`
	Text  *string `json:"text"`
}

// ReadCorpus streams corpus.jsonl, calling fn for each document in file order.
// Blank lines are skipped. Missing "title" is allowed (empty); missing "text"
// is allowed too, since classic collections have title-only documents. Errors
// name the file and line; an error from fn stops the read and is returned.
func ReadCorpus(path string, fn func(Doc) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	return readCorpus(f, path, fn)
}

func readCorpus(r io.Reader, name string, fn func(Doc) error) error {
	lr := newLineReader(r)
	seen := make(map[string]int)
	for {
		b, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, lr.line+1, err)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var d rawDoc
		if err := json.Unmarshal(b, &d); err != nil {
			return fmt.Errorf("%s:%d: invalid JSON: %v", name, lr.line, err)
		}
		if !d.ID.Set {
			return fmt.Errorf("%s:%d: missing \"_id\"", name, lr.line)
		}
		if strings.TrimSpace(d.ID.S) == "" {
			return fmt.Errorf("%s:%d: empty \"_id\"", name, lr.line)
		}
		if prev, dup := seen[d.ID.S]; dup {
			return fmt.Errorf("%s:%d: duplicate document id %q (first on line %d)", name, lr.line, d.ID.S, prev)
		}
		seen[d.ID.S] = lr.line
		doc := Doc{ID: d.ID.S}
		if d.Title != nil {
			doc.Title = *d.Title
		}
		if d.Text != nil {
			doc.Text = *d.Text
		}
		if err := fn(doc); err != nil {
			return err
		}
	}
}

// LoadCorpus reads a whole corpus.jsonl into memory.
func LoadCorpus(path string) ([]Doc, error) {
	var docs []Doc
	err := ReadCorpus(path, func(d Doc) error {
		docs = append(docs, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return docs, nil
}

type rawQuery struct {
	ID   FlexID  `json:"_id"`
	Text *string `json:"text"`
}

// LoadQueries reads queries.jsonl ({"_id","text"}; other fields ignored).
// Missing "text", empty or duplicate ids are errors naming file and line.
func LoadQueries(path string) ([]Query, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	return readQueries(f, path)
}

func readQueries(r io.Reader, name string) ([]Query, error) {
	lr := newLineReader(r)
	seen := make(map[string]int)
	var out []Query
	for {
		b, err := lr.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, lr.line+1, err)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var q rawQuery
		if err := json.Unmarshal(b, &q); err != nil {
			return nil, fmt.Errorf("%s:%d: invalid JSON: %v", name, lr.line, err)
		}
		if !q.ID.Set {
			return nil, fmt.Errorf("%s:%d: missing \"_id\"", name, lr.line)
		}
		if strings.TrimSpace(q.ID.S) == "" {
			return nil, fmt.Errorf("%s:%d: empty \"_id\"", name, lr.line)
		}
		if q.Text == nil {
			return nil, fmt.Errorf("%s:%d: query %q has no \"text\"", name, lr.line, q.ID.S)
		}
		if prev, dup := seen[q.ID.S]; dup {
			return nil, fmt.Errorf("%s:%d: duplicate query id %q (first on line %d)", name, lr.line, q.ID.S, prev)
		}
		seen[q.ID.S] = lr.line
		out = append(out, Query{ID: q.ID.S, Text: *q.Text})
	}
}

// LoadQrels reads judgments. Accepted line formats (tab or space separated):
//
//	query-id corpus-id score          (BEIR; the header line is optional)
//	query-id iteration corpus-id rel  (TREC qrels)
//
// The header is recognised as a first line whose score column is not an
// integer and whose first column is "query-id" or "qid"; a missing header is
// tolerated because TREC-style qrels have none. Scores must be integers.
// A repeated (query, doc) pair is an error if the grades differ and ignored
// if they agree.
func LoadQrels(path string) (Qrels, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	return readQrels(f, path)
}

func readQrels(r io.Reader, name string) (Qrels, error) {
	lr := newLineReader(r)
	q := make(Qrels)
	width := 0
	for {
		b, err := lr.next()
		if err == io.EOF {
			if len(q) == 0 {
				return nil, fmt.Errorf("%s: no judgments", name)
			}
			return q, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, lr.line+1, err)
		}
		fields := strings.Fields(string(b))
		if len(fields) == 0 {
			continue
		}
		if lr.line == 1 && isQrelsHeader(fields) {
			continue
		}
		if len(fields) != 3 && len(fields) != 4 {
			return nil, fmt.Errorf("%s:%d: want 3 columns (query-id corpus-id score) or 4 (TREC: qid iter docid rel), got %d", name, lr.line, len(fields))
		}
		if width == 0 {
			width = len(fields)
		} else if width != len(fields) {
			return nil, fmt.Errorf("%s:%d: %d columns, earlier lines have %d", name, lr.line, len(fields), width)
		}
		qid, did, sc := fields[0], fields[1], fields[2]
		if len(fields) == 4 {
			did, sc = fields[2], fields[3]
		}
		score, err := strconv.Atoi(sc)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: bad score %q: want an integer", name, lr.line, sc)
		}
		m := q[qid]
		if m == nil {
			m = make(map[string]int)
			q[qid] = m
		}
		if old, dup := m[did]; dup && old != score {
			return nil, fmt.Errorf("%s:%d: conflicting judgment for query %q doc %q: %d vs %d", name, lr.line, qid, did, old, score)
		}
		m[did] = score
	}
}

func isQrelsHeader(fields []string) bool {
	if len(fields) < 3 {
		return false
	}
	if _, err := strconv.Atoi(fields[len(fields)-1]); err == nil {
		return false
	}
	h := strings.ToLower(fields[0])
	return h == "query-id" || h == "query_id" || h == "qid" || h == "query"
}

// Query halves (Dataset.Half): collections whose only judgments are a test
// split (Cranfield, CACM, ADI) are tuned on one fixed half of its queries
// and reported on the other, so no choice is made on the queries reported.
const (
	HalfDev  = "dev"  // queries whose id hashes (FNV-32a) to an even number
	HalfRest = "rest" // the others
)

// Half keeps the queries (and their qrels) of one half of the split: HalfDev
// or HalfRest. The halves are a fixed function of the query ids.
func (d *Dataset) Half(half string) error {
	if half != HalfDev && half != HalfRest {
		return fmt.Errorf("dataset: half %q: want %q or %q", half, HalfDev, HalfRest)
	}
	keep := func(id string) bool {
		h := fnv.New32a()
		h.Write([]byte(id))
		return (h.Sum32()%2 == 0) == (half == HalfDev)
	}
	qs := d.Queries[:0:0]
	for _, q := range d.Queries {
		if keep(q.ID) {
			qs = append(qs, q)
		}
	}
	d.Queries = qs
	qrels := make(Qrels, len(d.Qrels)/2+1)
	for id, j := range d.Qrels {
		if keep(id) {
			qrels[id] = j
		}
	}
	d.Qrels = qrels
	return nil
}
