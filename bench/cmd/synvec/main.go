// Command synvec writes a synthetic pre-encoded corpus for `indexer build
// --vectors`: one JSON object a line, {"id":"dN","vector":{"token":weight}},
// about 150 tokens a document (log-normal), drawn Zipf(1.1) from a WordPiece
// vocabulary, with log-normal weights. The output depends only on -n, -seed
// and the vocabulary, so a served-index measurement (server/testdata/
// served.sh) can be repeated on another machine. With -queries Q it writes
// Q search request bodies instead, {"query":"w1 ... w8","k":10,"mode":"sparse"}:
// eight whole words of the vocabulary each.
//
//	synvec -n 1000000 -vocab models/default/vocab.txt > syn1m.jsonl
//	synvec -queries 2000 -vocab models/default/vocab.txt > bodies.ndjson
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"strconv"
	"strings"
)

func main() {
	n := flag.Int("n", 1000, "documents")
	vocab := flag.String("vocab", "models/default/vocab.txt", "WordPiece vocabulary, one token a line")
	seed := flag.Int64("seed", 1, "random seed")
	queries := flag.Int("queries", 0, "write this many search request bodies instead of documents")
	flag.Parse()
	if err := run(os.Stdout, *n, *queries, *vocab, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "synvec:", err)
		os.Exit(1)
	}
}

func run(out io.Writer, n, queries int, vocabPath string, seed int64) error {
	b, err := os.ReadFile(vocabPath)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	if queries > 0 {
		err = generateQueries(w, queries, tokens(string(b)), seed)
	} else {
		err = generate(w, n, tokens(string(b)), seed)
	}
	if err != nil {
		return err
	}
	return w.Flush()
}

// generateQueries writes q request bodies of 8 random whole words (no
// "##" pieces, letters only).
func generateQueries(w *bufio.Writer, q int, vocab []string, seed int64) error {
	var words []string
	for _, t := range vocab {
		if !strings.HasPrefix(t, "##") && strings.IndexFunc(t, func(r rune) bool { return r < 'a' || r > 'z' }) < 0 {
			words = append(words, t)
		}
	}
	if len(words) < 100 {
		return errors.New("vocabulary has fewer than 100 whole words")
	}
	r := rand.New(rand.NewSource(seed))
	for range q {
		ws := make([]string, 8)
		for i := range ws {
			ws[i] = words[r.Intn(len(words))]
		}
		if _, err := fmt.Fprintf(w, "{\"query\":%q,\"k\":10,\"mode\":\"sparse\"}\n", strings.Join(ws, " ")); err != nil {
			return err
		}
	}
	return nil
}

// tokens keeps the vocabulary's plain tokens: no [SPECIAL] ones, none that
// would need JSON escaping.
func tokens(vocab string) []string {
	var v []string
	for _, t := range strings.Split(strings.TrimSpace(vocab), "\n") {
		if t != "" && !strings.HasPrefix(t, "[") && !strings.ContainsAny(t, "\"\\\r\t") {
			v = append(v, t)
		}
	}
	return v
}

// generate writes n documents over vocab.
func generate(w *bufio.Writer, n int, vocab []string, seed int64) error {
	if len(vocab) < 1000 {
		return errors.New("vocabulary has fewer than 1000 usable tokens")
	}
	r := rand.New(rand.NewSource(seed))
	z := rand.NewZipf(r, 1.1, 20, uint64(len(vocab)-1))
	perm := r.Perm(len(vocab))
	seen := map[int]bool{}
	for d := range n {
		nnz := min(int(150*math.Exp(r.NormFloat64()*0.3)), len(vocab)/2)
		clear(seen)
		w.WriteString(`{"id":"d` + strconv.Itoa(d) + `","vector":{`)
		for len(seen) < nnz {
			t := perm[z.Uint64()]
			if seen[t] {
				continue
			}
			seen[t] = true
			if len(seen) > 1 {
				w.WriteByte(',')
			}
			fmt.Fprintf(w, `"%s":%.2f`, vocab[t], 0.1+math.Exp(r.NormFloat64()*0.7))
		}
		if _, err := w.WriteString("}}\n"); err != nil {
			return err
		}
	}
	return nil
}
