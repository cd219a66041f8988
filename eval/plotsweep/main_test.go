package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSweep(t *testing.T) {
	got, err := readSweep(strings.NewReader("# c\nnone,0,0.75,150,4.8\nidf,0.1,0.74,120,1.0\nidf,1,0.72,88,0.6\n"), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(got["none"]) != 1 || len(got["idf"]) != 2 || got["idf"][1] != (point{lambda: 1, flops: 0.6, ndcg: 0.72}) {
		t.Fatalf("parsed %v", got)
	}
	for _, bad := range []string{"", "idf,x,0.7,1,1\n", "l2,0,0.7,1,1\n", "idf,0,0.7\n"} {
		if _, err := readSweep(strings.NewReader(bad), "bad.csv"); err == nil || !strings.Contains(err.Error(), "bad.csv") {
			t.Errorf("%q: error %v does not name the file", bad, err)
		}
	}
}

func TestHelpIsNotAnError(t *testing.T) {
	if err := run([]string{"-h"}); err != nil {
		t.Errorf("-h: %v", err)
	}
	if err := run([]string{"--no-such-flag"}); err == nil {
		t.Error("unknown flag accepted")
	}
}

func TestRunWritesPNG(t *testing.T) {
	out := filepath.Join(t.TempDir(), "p.png")
	if err := run([]string{"--csv", "../../docs/student-flops-sweep.csv", "--baseline", "0.68", "--out", out}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 8 || string(b[1:4]) != "PNG" {
		t.Fatalf("not a PNG (%d bytes)", len(b))
	}
}

// readSweep parses user files: any input is a clean error or points, never a
// panic, and every error names the file.
func FuzzReadSweep(f *testing.F) {
	for _, s := range []string{"# c\nnone,0,0.75,150,4.8\nidf,0.1,0.74,120,1.0\n", "", "idf,x,0.7,1,1\n", "plain,1,2,3\n", "\"idf\",1,2,3,4\n", "none,NaN,Inf,-0,1e400\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := readSweep(strings.NewReader(s), "f.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		for v := range got {
			if v != "none" && v != "idf" && v != "plain" {
				t.Fatalf("variant %q accepted", v)
			}
		}
	})
}
