package eval

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/sparrow-search/sparrow/eval/metrics"
)

// WriteTRECRun writes run as `qid Q0 docid rank score tag` lines, queries in
// id order (numeric ids numerically), hits in trec_eval order (score desc,
// doc id desc) so the rank column agrees with what trec_eval computes. Scores
// are printed exactly (shortest round-trip form), so ties survive a round trip.
// A doc id repeated within a query is an error, as trec_eval would reject it.
func WriteTRECRun(w io.Writer, run Run, tag string) error {
	if tag == "" {
		tag = "sparrow"
	}
	if hasSpace(tag) {
		return fmt.Errorf("eval: run tag %q contains whitespace", tag)
	}
	bw := bufio.NewWriter(w)
	for _, qid := range sortedQIDs(run) {
		if qid == "" || hasSpace(qid) {
			return fmt.Errorf("eval: query id %q cannot be written to a TREC run", qid)
		}
		hits := append([]Hit(nil), run[qid]...)
		metrics.SortTREC(hits)
		seen := make(map[string]bool, len(hits))
		for i, h := range hits {
			if seen[h.ID] {
				return fmt.Errorf("eval: query %s: doc %q listed twice (trec_eval rejects duplicates; see metrics.NormalizeHits)", qid, h.ID)
			}
			seen[h.ID] = true
			if h.ID == "" || hasSpace(h.ID) {
				return fmt.Errorf("eval: query %s: doc id %q cannot be written to a TREC run", qid, h.ID)
			}
			fmt.Fprintf(bw, "%s Q0 %s %d %s %s\n", qid, h.ID, i+1, strconv.FormatFloat(h.Score, 'g', -1, 64), tag)
		}
	}
	return bw.Flush()
}

// hasSpace reports whether s holds a character ReadTRECRun (strings.Fields)
// splits columns at: any Unicode space, not only ASCII ones.
func hasSpace(s string) bool { return strings.IndexFunc(s, unicode.IsSpace) >= 0 }

// sortedQIDs orders query ids numerically when both are integers, else as strings.
func sortedQIDs(run Run) []string {
	qids := make([]string, 0, len(run))
	for q := range run {
		qids = append(qids, q)
	}
	sort.Slice(qids, func(i, j int) bool { return lessID(qids[i], qids[j]) })
	return qids
}

func lessID(a, b string) bool {
	ai, errA := strconv.ParseInt(a, 10, 64)
	bi, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil && ai != bi {
		return ai < bi
	}
	return a < b
}

// ReadTRECRun parses a TREC run (6 whitespace-separated columns; the iter,
// rank and tag columns are ignored as trec_eval ignores them). Hits keep file
// order. A doc repeated within a query is an error, as in trec_eval; so are
// wrong column counts and unparsable scores (errors give the line).
func ReadTRECRun(r io.Reader) (Run, error) {
	br := bufio.NewReader(r)
	run := make(Run)
	seen := make(map[[2]string]int)
	for line := 1; ; line++ {
		s, err := br.ReadString('\n')
		if s == "" && err == io.EOF {
			return run, nil
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("run:%d: %w", line, err)
		}
		f := strings.Fields(s)
		if len(f) == 0 {
			continue
		}
		if len(f) != 6 {
			return nil, fmt.Errorf("run:%d: want 6 columns (qid Q0 docid rank score tag), got %d", line, len(f))
		}
		score, perr := strconv.ParseFloat(f[4], 64)
		if perr != nil {
			return nil, fmt.Errorf("run:%d: bad score %q", line, f[4])
		}
		key := [2]string{f[0], f[2]}
		if prev, dup := seen[key]; dup {
			return nil, fmt.Errorf("run:%d: duplicate doc %q for query %q (first on line %d)", line, f[2], f[0], prev)
		}
		seen[key] = line
		run[f[0]] = append(run[f[0]], Hit{ID: f[2], Score: score})
	}
}
