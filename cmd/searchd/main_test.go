package main

import (
	"bytes"
	"strings"
	"testing"
)

// --help exits 0 with the usage and every flag's default shown once.
func TestHelp(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := run([]string{"--help"}, &out); code != 0 {
		t.Fatalf("--help exited %d:\n%s", code, out.String())
	}
	help := out.String()
	for _, want := range []string{"usage: searchd --data DIR", "-hybrid-norm", "-rescan"} {
		if !strings.Contains(help, want) {
			t.Errorf("--help lacks %q:\n%s", want, help)
		}
	}
	for _, line := range strings.Split(help, "\n") {
		if strings.Count(line, "default") > 1 {
			t.Errorf("a default is repeated: %q", line)
		}
	}
	if strings.Contains(help, "flag: help requested") || strings.Contains(strings.ToLower(help), "testing only") {
		t.Errorf("--help shows noise:\n%s", help)
	}
}

func TestFlagErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "--data DIR is required"},
		{[]string{"--data", "x", "--hybrid-norm", "softmax"}, "normalization"},
		{[]string{"--data", "x", "--algorithm", "nope"}, "unknown scoring algorithm"},
		{[]string{"--data", "x", "extra"}, "unexpected arguments"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			if code := run(c.args, &out); code != 2 || !strings.Contains(out.String(), c.want) {
				t.Errorf("exit %d, output %q; want 2 mentioning %q", code, out.String(), c.want)
			}
		})
	}
}
