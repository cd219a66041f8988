package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Report is the runner's JSON output (DESIGN.md contract 2). The first six
// fields are the contract; the rest are extras readers may ignore.
type Report struct {
	Dataset string             `json:"dataset"`
	Split   string             `json:"split"`
	System  string             `json:"system"`
	Queries int                `json:"queries"` // queries averaged over
	Metrics map[string]float64 `json:"metrics"`
	Seconds float64            `json:"seconds"` // wall time end to end (open/index + retrieve + evaluate)

	Model          string            `json:"model,omitempty"`
	Params         map[string]string `json:"params,omitempty"` // --param key=value
	TrainSplit     string            `json:"train_split,omitempty"`
	K              int               `json:"k,omitempty"`              // hits retrieved per query
	OpenSeconds    float64           `json:"open_seconds,omitempty"`   // system open, including indexing
	SearchSeconds  float64           `json:"search_seconds,omitempty"` // all queries
	SkippedQueries int               `json:"skipped_queries,omitempty"`
	MissingQueries int               `json:"missing_queries,omitempty"`
	// PerQuery holds every metric per evaluated query (for significance tests).
	PerQuery map[string]map[string]float64 `json:"per_query,omitempty"`
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteReportFile writes r to path as JSON.
func WriteReportFile(path string, r *Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := r.WriteJSON(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// ReadReportFile reads a JSON report written by the runner.
func ReadReportFile(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: invalid report JSON: %v", path, err)
	}
	if r.Metrics == nil {
		return nil, fmt.Errorf("%s: report has no \"metrics\"", path)
	}
	return &r, nil
}

// Label names the system in tables: the system name, plus its parameters
// (sorted) when any were given, e.g. "bm25 (analyzer=standard)".
func (r *Report) Label() string {
	if len(r.Params) == 0 {
		return r.System
	}
	kv := make([]string, 0, len(r.Params))
	for k, v := range r.Params {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	return r.System + " (" + strings.Join(kv, ",") + ")"
}

// DefaultTableMetrics are the columns MarkdownTable uses when given none.
var DefaultTableMetrics = []string{"ndcg@10", "recall@100", "mrr@10"}

// MarkdownTable renders one row per report (sorted by dataset, then system):
// dataset, split, system, queries, the metrics, seconds. A metric a report
// lacks prints as "–".
func MarkdownTable(reports []*Report, metrics []string) string {
	if len(metrics) == 0 {
		metrics = DefaultTableMetrics
	}
	rs := append([]*Report(nil), reports...)
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Dataset != rs[j].Dataset {
			return rs[i].Dataset < rs[j].Dataset
		}
		return rs[i].Label() < rs[j].Label()
	})
	var b strings.Builder
	b.WriteString("| dataset | split | system | queries |")
	for _, m := range metrics {
		b.WriteString(" " + m + " |")
	}
	b.WriteString(" seconds |\n|---|---|---|---:|")
	for range metrics {
		b.WriteString("---:|")
	}
	b.WriteString("---:|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %s | %s | %d |", cell(r.Dataset), cell(r.Split), cell(r.Label()), r.Queries)
		for _, m := range metrics {
			if v, ok := r.Metrics[m]; ok {
				fmt.Fprintf(&b, " %.4f |", v)
			} else {
				b.WriteString(" – |")
			}
		}
		fmt.Fprintf(&b, " %.1f |\n", r.Seconds)
	}
	return b.String()
}

// PivotTable renders one metric with systems as rows and datasets as columns.
func PivotTable(reports []*Report, metric string) string {
	val := map[[2]string]float64{}
	dsSet, sysSet := map[string]bool{}, map[string]bool{}
	for _, r := range reports {
		if v, ok := r.Metrics[metric]; ok {
			val[[2]string{r.Label(), r.Dataset}] = v
			dsSet[r.Dataset], sysSet[r.Label()] = true, true
		}
	}
	ds, sys := keys(dsSet), keys(sysSet)
	var b strings.Builder
	fmt.Fprintf(&b, "| %s |", cell(metric))
	for _, d := range ds {
		b.WriteString(" " + cell(d) + " |")
	}
	b.WriteString("\n|---|")
	for range ds {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for _, s := range sys {
		b.WriteString("| " + cell(s) + " |")
		for _, d := range ds {
			if v, ok := val[[2]string{s, d}]; ok {
				fmt.Fprintf(&b, " %.4f |", v)
			} else {
				b.WriteString(" – |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// cell escapes text for a markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
}
