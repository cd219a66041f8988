package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runTok(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := dispatch(append([]string{"tokenize"}, args...), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestTokenizeCommand(t *testing.T) {
	long := strings.Repeat("unaffable ", 200000) // 2 MB on one line
	cases := []struct{ name, in, want string }{
		{"empty input", "", ""},
		{"one empty line", "\n", "\n"},
		{"lines", "Hello, World!\nnaïve café\n", "hello , world !\nnaive cafe\n"},
		{"crlf", "Hello\r\nWorld\r\n", "hello\nworld\n"},
		{"missing final newline", "a b\nc", "a b\nc\n"},
		{"final cr without lf", "a b\r", "a b\n"},
		{"blank lines kept", "x\n\n  \n\ty\n", "x\n\n\ny\n"},
		{"cjk emoji control", "北京\x00😀 [SEP]\n", "北 京 [UNK] [SEP]\n"},
		{"invalid utf-8", "a\xffb\n", "ab\n"},
		{"long line", long + "\n", strings.Repeat("una ##ffa ##ble ", 199999) + "una ##ffa ##ble\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, stderr, code := runTok(t, c.in)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if got != c.want {
				if len(got) > 200 {
					got, c.want = got[:200], c.want[:min(200, len(c.want))]
				}
				t.Errorf("stdout %q, want %q", got, c.want)
			}
		})
	}
}

func TestTokenizeCommandOptions(t *testing.T) {
	got, stderr, code := runTok(t, "the cat\n", "--ids")
	if code != 0 || got != "1996 4937\n" {
		t.Errorf("--ids: exit %d stdout %q stderr %q", code, got, stderr)
	}
	vocab := filepath.Join(t.TempDir(), "vocab.txt")
	if err := os.WriteFile(vocab, []byte("[UNK]\nun\n##able\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, stderr, code := runTok(t, "Unable x\n", "--vocab", vocab); code != 0 || got != "un ##able [UNK]\n" {
		t.Errorf("--vocab: exit %d stdout %q stderr %q", code, got, stderr)
	}
	if _, stderr, code := runTok(t, "", "--vocab", filepath.Join(t.TempDir(), "nope.txt")); code == 0 || !strings.Contains(stderr, "nope.txt") {
		t.Errorf("missing vocab: exit %d stderr %q", code, stderr)
	}
	if _, stderr, code := runTok(t, "", "extra"); code == 0 || !strings.Contains(stderr, "extra") {
		t.Errorf("extra argument: exit %d stderr %q", code, stderr)
	}
	if _, _, code := runTok(t, "", "-h"); code != 0 {
		t.Errorf("-h: exit %d", code)
	}
}

// lineReader hands out its input one line per Read and fails the test if
// the command reads ahead before answering the previous line.
type lineReader struct {
	lines []string
	out   *bytes.Buffer
	t     *testing.T
	n     int
}

func (r *lineReader) Read(p []byte) (int, error) {
	if r.n > 0 && strings.Count(r.out.String(), "\n") < r.n {
		r.t.Errorf("line %d not answered before reading on", r.n)
	}
	if r.n == len(r.lines) {
		return 0, io.EOF
	}
	r.n++
	return copy(p, r.lines[r.n-1]), nil
}

func TestTokenizeCommandInteractive(t *testing.T) {
	var out, errb bytes.Buffer
	in := &lineReader{lines: []string{"one\n", "two three\n", "four\n"}, out: &out, t: t}
	if code := dispatch([]string{"tokenize"}, in, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if out.String() != "one\ntwo three\nfour\n" {
		t.Errorf("stdout %q", out.String())
	}
}
