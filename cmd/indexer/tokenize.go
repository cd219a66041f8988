package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

func init() {
	register("tokenize", "print the bert-base-uncased WordPiece tokens of each stdin line (contract 1)", runTokenize)
}

// runTokenize is contract 1: one output line per input line, its WordPiece
// tokens separated by single spaces, no [CLS]/[SEP]; an empty or all-space
// line gives an empty line. Lines may be of any length and end in "\n" or
// "\r\n"; a missing final newline is fine.
func runTokenize(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("tokenize", stderr, "tokenize [--vocab vocab.txt] < lines")
	vocab := fs.String("vocab", "", "vocab.txt to use instead of the embedded bert-base-uncased vocabulary")
	ids := fs.Bool("ids", false, "print token ids instead of tokens")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: indexer tokenize [--vocab FILE] [--ids] < lines.txt")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (input is read from stdin)", fs.Arg(0))
	}
	tok := wordpiece.DefaultTokenizer()
	if *vocab != "" {
		var err error
		if tok, err = wordpiece.LoadTokenizer(*vocab); err != nil {
			return err
		}
	}
	in := bufio.NewReaderSize(stdin, 1<<16)
	out := bufio.NewWriterSize(stdout, 1<<16)
	var buf []int32
	var num []byte
	for lineNo := 1; ; lineNo++ {
		line, err := in.ReadString('\n') // no length limit
		if len(line) > 0 {
			// "\r\n" and a final "\r" are whitespace to the tokenizer anyway;
			// trimming keeps the output independent of line-end style.
			buf = tok.AppendIDs(buf[:0], trimEOL(line))
			for i, id := range buf {
				if i > 0 {
					out.WriteByte(' ')
				}
				if *ids {
					num = strconv.AppendInt(num[:0], int64(id), 10)
					out.Write(num)
				} else {
					out.WriteString(tok.Token(id))
				}
			}
			out.WriteByte('\n')
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading stdin line %d: %w", lineNo, err)
		}
		// Flush before blocking on input, so a caller that feeds one line
		// at a time gets its answer without closing stdin.
		if in.Buffered() == 0 {
			if err := out.Flush(); err != nil {
				return fmt.Errorf("writing stdout: %w", err)
			}
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("writing stdout: %w", err)
	}
	return nil
}

func trimEOL(s string) string {
	if len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] == '\r' {
		s = s[:len(s)-1]
	}
	return s
}
