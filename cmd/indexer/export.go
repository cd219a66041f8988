package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder"
)

func init() {
	register("export", "export an index for another engine (--format opensearch: bulk NDJSON, idf.json, mapping)", runExport)
}

// Files written by export --format opensearch (see docs/OPENSEARCH.md).
const (
	exportBulk    = "bulk.ndjson"
	exportIDF     = "idf.json"
	exportMapping = "mapping.json"
	exportQueries = "queries.ndjson"
)

func runExport(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", stderr, "export --index DIR --out DIR [flags]")
	indexDir := fs.String("index", "", "index directory made by build (required)")
	out := fs.String("out", "", "output directory (required)")
	format := fs.String("format", "opensearch", "export format: opensearch")
	name := fs.String("name", "sparrow", "OpenSearch index name used in the bulk actions")
	field := fs.String("field", "sparse_embedding", "rank_features field holding the document vector")
	queries := fs.String("queries", "", "optional BEIR queries.jsonl: also write queries.ndjson with a neural_sparse search body per query")
	bulkDocs := fs.Int("bulk-docs", 0, "split bulk.ndjson into files of at most this many documents (0 = one file)")
	queryStyle := fs.String("query-style", "neural_sparse", "queries.ndjson body style: neural_sparse (query_tokens) or rank_feature (bool of linear rank_feature clauses, exact Sparrow scores, any OpenSearch version)")
	noDotted := fs.Bool("exclude-dotted", false, "drop tokens containing '.' (for engines that reject dots in rank_features names)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *format != "opensearch" {
		return fmt.Errorf("--format %q is not supported (supported: opensearch)", *format)
	}
	if *indexDir == "" || *out == "" {
		return errors.New("--index and --out are required")
	}
	if *queryStyle != "neural_sparse" && *queryStyle != "rank_feature" {
		return fmt.Errorf("--query-style %q: want neural_sparse or rank_feature", *queryStyle)
	}
	if strings.ContainsAny(*field, ". ") || *field == "" || *field == "title" || *field == "text" {
		return fmt.Errorf("--field %q: use a plain name other than title/text", *field)
	}
	if _, err := readModelRef(*indexDir); err != nil {
		return err
	}
	c, err := collection.Open(*indexDir, collection.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer c.Close()
	m := c.Model()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var skip func(string) bool
	if *noDotted {
		skip = func(t string) bool { return strings.Contains(t, ".") }
	}

	// 1. bulk NDJSON: action line + source line per document.
	fieldNames := map[string]bool{}
	n, files, err := writeBulk(c, *out, *name, *field, *bulkDocs, skip, fieldNames)
	if err != nil {
		return err
	}
	// 2. idf.json: the query-side token weights, OpenSearch's convention.
	idf, err := encoder.MarshalIDF(m.Tokenizer, m.IDF.Weights())
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, exportIDF), idf, 0o644); err != nil {
		return err
	}
	// 3. the index mapping.
	props := map[string]any{
		"title": map[string]any{"type": "text"},
		"text":  map[string]any{"type": "text"},
		*field:  map[string]any{"type": "rank_features"},
	}
	names := make([]string, 0, len(fieldNames))
	for f := range fieldNames {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		props[f] = map[string]any{"type": "keyword"}
	}
	mapping := map[string]any{
		"settings": map[string]any{"index": map[string]any{"number_of_shards": 1, "number_of_replicas": 0}},
		"mappings": map[string]any{"properties": props},
	}
	mb, _ := json.MarshalIndent(mapping, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, exportMapping), append(mb, '\n'), 0o644); err != nil {
		return err
	}
	// 4. optional query bodies: idf-weighted query tokens, exactly the
	// weights Sparrow uses, for neural_sparse's raw-vector form.
	nq := 0
	if *queries != "" {
		qs, err := dataset.LoadQueries(*queries)
		if err != nil {
			return err
		}
		if nq, err = writeQueries(filepath.Join(*out, exportQueries), qs, c, *field, *queryStyle, skip); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "exported %d documents from %s to %s: %s, %s, %s", n, *indexDir, *out, strings.Join(files, ", "), exportIDF, exportMapping)
	if nq > 0 {
		fmt.Fprintf(stdout, ", %s (%d queries)", exportQueries, nq)
	}
	fmt.Fprintln(stdout, "\nnext: see docs/OPENSEARCH.md")
	return nil
}

func readModelRef(dir string) (string, error) {
	if !collection.IsCollectionDir(dir) {
		return "", fmt.Errorf("%s is not an index directory made by build (no %s)", dir, collection.SparseDir)
	}
	m, err := collection.ReadManifest(dir)
	return m.Model, err
}

func writeBulk(c *collection.Collection, out, name, field string, per int, skip func(string) bool, fieldNames map[string]bool) (int, []string, error) {
	var files []string
	var fh *os.File
	var bw *bufio.Writer
	closeFile := func() error {
		if fh == nil {
			return nil
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		err := fh.Close()
		fh = nil
		return err
	}
	open := func() error {
		if err := closeFile(); err != nil {
			return err
		}
		fname := exportBulk
		if per > 0 {
			fname = fmt.Sprintf("bulk-%04d.ndjson", len(files))
		}
		var err error
		if fh, err = os.Create(filepath.Join(out, fname)); err != nil {
			return err
		}
		bw = bufio.NewWriterSize(fh, 1<<20)
		files = append(files, fname)
		return nil
	}
	n := 0
	var line []byte
	err := c.ForEach(func(d collection.Document) error {
		if fh == nil || (per > 0 && n%per == 0) {
			if err := open(); err != nil {
				return err
			}
		}
		line = append(line[:0], `{"index":{"_index":`...)
		line = appendJSONString(line, name)
		line = append(line, `,"_id":`...)
		line = appendJSONString(line, d.ID)
		line = append(line, "}}\n{\"title\":"...)
		line = appendJSONString(line, d.Title)
		line = append(line, `,"text":`...)
		line = appendJSONString(line, d.Text)
		keys := make([]string, 0, len(d.Fields))
		for k := range d.Fields {
			if k != field && k != "title" && k != "text" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			fieldNames[k] = true
			line = append(line, ',')
			line = appendJSONString(line, k)
			line = append(line, ':')
			line = appendJSONString(line, d.Fields[k])
		}
		line = append(line, ',')
		line = appendJSONString(line, field)
		line = append(line, ':')
		line = appendTokens(line, d.Tokens, skip)
		line = append(line, "}\n"...)
		if _, err := bw.Write(line); err != nil {
			return err
		}
		n++
		return nil
	})
	if err == nil && fh == nil {
		err = open()
	}
	if err != nil {
		if fh != nil {
			fh.Close()
		}
		return n, files, err
	}
	return n, files, closeFile()
}

func writeQueries(path string, qs []dataset.Query, c *collection.Collection, field, style string, skip func(string) bool) (int, error) {
	fh, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(fh)
	for _, q := range qs {
		// the collection's own query analysis: exactly the weights a
		// mode-sparse search uses (word terms and the served corpus's idf
		// included), which OpenSearch cannot derive from query_text
		v, err := c.QueryTokens(q.Text)
		if err != nil {
			fh.Close()
			return 0, err
		}
		var line []byte
		line = append(line, `{"id":`...)
		line = appendJSONString(line, q.ID)
		line = append(line, `,"body":{"size":10,"_source":["title"],"query":`...)
		if style == "rank_feature" {
			// score = sum of boost * feature = sum idf_t * w_{d,t}: Sparrow's score.
			line = append(line, `{"bool":{"should":[`...)
			n := 0
			for _, tw := range v {
				if skip != nil && skip(tw.Token) {
					continue
				}
				if n > 0 {
					line = append(line, ',')
				}
				n++
				line = append(line, `{"rank_feature":{"field":`...)
				line = appendJSONString(line, field+"."+tw.Token)
				line = append(line, `,"boost":`...)
				line = strconv.AppendFloat(line, float64(tw.Weight), 'g', -1, 32)
				line = append(line, `,"linear":{}}}`...)
			}
			line = append(line, "]}}}}\n"...)
		} else {
			m := make(map[string]float64, len(v))
			for _, tw := range v {
				m[tw.Token] = float64(tw.Weight)
			}
			line = append(line, `{"neural_sparse":{`...)
			line = appendJSONString(line, field)
			line = append(line, `:{"query_tokens":`...)
			line = appendTokens(line, m, skip)
			line = append(line, "}}}}}\n"...)
		}
		if _, err := bw.Write(line); err != nil {
			fh.Close()
			return 0, err
		}
	}
	if err := bw.Flush(); err != nil {
		fh.Close()
		return 0, err
	}
	return len(qs), fh.Close()
}
