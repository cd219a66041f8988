package teachers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/sparrow-search/sparrow/dataset"
)

// Scores are external teacher scores: query id -> doc id -> score.
type Scores map[string]map[string]float64

// LoadScores reads an external teacher score file: JSONL when the name ends
// in .jsonl or .json (one {"qid": ..., "docid": ..., "score": ...} object a
// line), otherwise whitespace-separated text: `qid docid score` lines with an
// optional header line, or a TREC run (`qid Q0 docid rank score tag`).
// Errors name file:line.
func LoadScores(path string) (Scores, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("teachers: %w", err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".jsonl") || strings.HasSuffix(path, ".json") {
		return ParseScoresJSONL(f, path)
	}
	return ParseScoresTSV(f, path)
}

const maxScoreLine = 1 << 20

func newScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxScoreLine)
	return sc
}

func scanErr(name string, line int, err error) error {
	if err == bufio.ErrTooLong {
		return fmt.Errorf("teachers: %s:%d: line longer than %d bytes", name, line+1, maxScoreLine)
	}
	return fmt.Errorf("teachers: %s:%d: %w", name, line+1, err)
}

func (s Scores) add(name string, line int, qid, docid string, score float64) error {
	if qid == "" || docid == "" {
		return fmt.Errorf("teachers: %s:%d: empty query or document id", name, line)
	}
	if math.IsNaN(score) || math.IsInf(score, 0) {
		return fmt.Errorf("teachers: %s:%d: score %v is not finite", name, line, score)
	}
	m := s[qid]
	if m == nil {
		m = map[string]float64{}
		s[qid] = m
	}
	if _, dup := m[docid]; dup {
		return fmt.Errorf("teachers: %s:%d: duplicate score for query %q document %q", name, line, qid, docid)
	}
	m[docid] = score
	return nil
}

// ParseScoresTSV parses `qid docid score` lines (tabs or spaces; blank lines
// ignored; a first line whose score field is not a number is a header) or a
// TREC run (6 fields, second "Q0"). name is used in errors.
func ParseScoresTSV(r io.Reader, name string) (Scores, error) {
	s := Scores{}
	sc := newScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		var qid, docid, num string
		switch {
		case len(f) == 3:
			qid, docid, num = f[0], f[1], f[2]
		case len(f) == 6 && f[1] == "Q0":
			qid, docid, num = f[0], f[2], f[4]
		default:
			return nil, fmt.Errorf("teachers: %s:%d: want `qid docid score` or a TREC run line, got %d fields", name, line, len(f))
		}
		score, err := strconv.ParseFloat(num, 64)
		if err != nil {
			if line == 1 || len(s) == 0 && isHeader(f) {
				continue
			}
			return nil, fmt.Errorf("teachers: %s:%d: score %q is not a number", name, line, num)
		}
		if err := s.add(name, line, qid, docid, score); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, scanErr(name, line, err)
	}
	return s, nil
}

func isHeader(f []string) bool {
	h := strings.ToLower(strings.Join(f, " "))
	return strings.Contains(h, "score") || strings.Contains(h, "qid") || strings.Contains(h, "query")
}

type scoreLine struct {
	QID   json.RawMessage `json:"qid"`
	DocID json.RawMessage `json:"docid"`
	Score *float64        `json:"score"`
}

// jsonID accepts a JSON string or number as an id.
func jsonID(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", fmt.Errorf("missing")
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", fmt.Errorf("want a string or number, got %s", raw)
	}
	return n.String(), nil
}

// ParseScoresJSONL parses one {"qid","docid","score"} object per line (ids may
// be strings or numbers; blank lines ignored). name is used in errors.
func ParseScoresJSONL(r io.Reader, name string) (Scores, error) {
	s := Scores{}
	sc := newScanner(r)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var l scoreLine
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, fmt.Errorf("teachers: %s:%d: %w", name, line, err)
		}
		qid, err := jsonID(l.QID)
		if err != nil {
			return nil, fmt.Errorf("teachers: %s:%d: qid: %w", name, line, err)
		}
		docid, err := jsonID(l.DocID)
		if err != nil {
			return nil, fmt.Errorf("teachers: %s:%d: docid: %w", name, line, err)
		}
		if l.Score == nil {
			return nil, fmt.Errorf("teachers: %s:%d: missing score", name, line)
		}
		if err := s.add(name, line, qid, docid, *l.Score); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, scanErr(name, line, err)
	}
	return s, nil
}

// External is a Teacher (and Retriever) backed by precomputed scores, e.g. a
// cross-encoder run elsewhere. Candidates without a score get the query's
// lowest score (so they normalise to 0).
type External struct {
	name   string
	docs   []dataset.Doc
	scores Scores
	index  map[string]int
	// AllowMissingQueries makes a query absent from the file score all
	// candidates 0 (no preference) instead of failing.
	AllowMissingQueries bool
}

// NewExternal wraps scores over corpus. Documents the corpus lacks are ignored.
func NewExternal(name string, corpus []dataset.Doc, scores Scores) *External {
	idx := make(map[string]int, len(corpus))
	for i, d := range corpus {
		idx[d.ID] = i
	}
	if name == "" {
		name = "external"
	}
	return &External{name: name, docs: corpus, scores: scores, index: idx}
}

// Name implements Teacher.
func (e *External) Name() string { return e.name }

// Score implements Teacher.
func (e *External) Score(q dataset.Query, cands []int) ([]float64, error) {
	if err := checkCands(e.name, cands, len(e.docs)); err != nil {
		return nil, err
	}
	m, ok := e.scores[q.ID]
	out := make([]float64, len(cands))
	if !ok {
		if e.AllowMissingQueries {
			return out, nil
		}
		return nil, fmt.Errorf("teachers: teacher %s has no scores for query %q", e.name, q.ID)
	}
	lo := math.Inf(1)
	for _, v := range m {
		lo = min(lo, v)
	}
	for i, c := range cands {
		if v, ok := m[e.docs[c].ID]; ok {
			out[i] = v
		} else {
			out[i] = lo
		}
	}
	return out, nil
}

// Retrieve implements Retriever: the query's scored documents, best first.
func (e *External) Retrieve(q dataset.Query, k int) ([]Scored, error) {
	m, ok := e.scores[q.ID]
	if !ok && !e.AllowMissingQueries {
		return nil, fmt.Errorf("teachers: teacher %s has no scores for query %q", e.name, q.ID)
	}
	out := make([]Scored, 0, len(m))
	for id, v := range m {
		if d, ok := e.index[id]; ok {
			out = append(out, Scored{d, v})
		}
	}
	sortScored(out)
	return out[:min(len(out), max(k, 0))], nil
}
