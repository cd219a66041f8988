package encoder

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"sync"

	"github.com/sparrow-search/sparrow/models"
)

// Model is a loaded model directory: config, tokenizer (vocab.txt), query
// weights (idf.json) and the document encoder chosen by config.json's
// "architecture".
type Model struct {
	Dir       string
	Config    Config
	Tokenizer *Tokenizer
	IDF       *IDF
	Encoder   Encoder
}

// Close releases what the encoder holds outside the Go heap (an ONNX Runtime
// session); native encoders hold nothing and Close is a no-op for them. The
// model must not be used after Close.
func (m *Model) Close() error {
	if c, ok := m.Encoder.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Model directory file names (DESIGN.md).
const (
	ConfigFile      = "config.json"
	VocabFile       = "vocab.txt"
	IDFFile         = "idf.json"
	SafetensorsFile = "model.safetensors"
)

// DefaultModelDir is the Model.Dir of the embedded default model.
const DefaultModelDir = "embedded:models/default"

// backendFS opens a backend from any file system, so embedded models work too.
// idf is the model's parsed idf.json (LoadModel has read it already).
type backendFS func(fsys fs.FS, dir string, cfg Config, tok *Tokenizer, idf *IDF) (Encoder, error)

var (
	backendsMu sync.RWMutex
	backends   = map[string]backendFS{}
)

// RegisterBackend makes an architecture loadable by LoadModel. open receives
// the model directory on disk. Registering a name twice panics (init-time bug).
func RegisterBackend(arch string, open func(dir string, cfg Config, tok *Tokenizer) (Encoder, error)) {
	registerBackendFS(arch, func(fsys fs.FS, dir string, cfg Config, tok *Tokenizer, _ *IDF) (Encoder, error) {
		if _, onDisk := fsys.(diskFS); !onDisk {
			return nil, fmt.Errorf("architecture %q can only be loaded from a directory on disk", arch)
		}
		return open(dir, cfg, tok)
	})
}

func registerBackendFS(arch string, open backendFS) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	if _, dup := backends[arch]; dup {
		panic("encoder: duplicate backend " + arch)
	}
	backends[arch] = open
}

// Architectures lists the registered architecture names.
func Architectures() []string {
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	out := make([]string, 0, len(backends))
	for k := range backends {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// diskFS marks an os.DirFS rooted at a model directory.
type diskFS struct{ fs.FS }

func (d diskFS) ReadFile(name string) ([]byte, error) { return fs.ReadFile(d.FS, name) }

// LoadModel loads the model directory dir. Missing or invalid files are
// reported with the file's path.
func LoadModel(dir string) (*Model, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("model directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("model directory %s is not a directory", dir)
	}
	return loadModelFS(diskFS{os.DirFS(dir)}, dir, dir)
}

// LoadDefault loads the bundled default model (embedded in the binary, so it
// works from any working directory).
func LoadDefault() (*Model, error) {
	sub, err := fs.Sub(models.Default, "default")
	if err != nil {
		return nil, err
	}
	return loadModelFS(sub, DefaultModelDir, DefaultModelDir)
}

// readModelFile reads name from fsys, naming display/name in errors.
func readModelFile(fsys fs.FS, display, name string) ([]byte, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: missing (a model directory needs %s, %s and %s)", path.Join(display, name), ConfigFile, VocabFile, IDFFile)
		}
		return nil, fmt.Errorf("%s: %w", path.Join(display, name), err)
	}
	return b, nil
}

func loadModelFS(fsys fs.FS, dir, display string) (*Model, error) {
	cb, err := readModelFile(fsys, display, ConfigFile)
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(cb, path.Join(display, ConfigFile))
	if err != nil {
		return nil, err
	}
	vb, err := readModelFile(fsys, display, VocabFile)
	if err != nil {
		return nil, err
	}
	tok, err := tokenizerFromVocabBytes(vb, path.Join(display, VocabFile))
	if err != nil {
		return nil, err
	}
	if tok.VocabSize() != cfg.VocabSize {
		return nil, fmt.Errorf("%s: vocab_size %d but %s has %d tokens", path.Join(display, ConfigFile), cfg.VocabSize, VocabFile, tok.VocabSize())
	}
	ib, err := readModelFile(fsys, display, IDFFile)
	if err != nil {
		return nil, err
	}
	idf, err := ParseIDF(ib, path.Join(display, IDFFile), tok)
	if err != nil {
		return nil, err
	}
	backendsMu.RLock()
	open, ok := backends[cfg.Architecture]
	backendsMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%s: unknown architecture %q (known: %v)", path.Join(display, ConfigFile), cfg.Architecture, Architectures())
	}
	enc, err := open(fsys, dir, cfg, tok, idf)
	if err != nil {
		return nil, fmt.Errorf("model %s (%s): %w", display, cfg.Architecture, err)
	}
	if cfg.Translation != nil {
		tenc, err := openTranslation(fsys, display, enc, cfg, tok, idf)
		if err != nil {
			if c, ok := enc.(io.Closer); ok {
				c.Close()
			}
			return nil, fmt.Errorf("model %s: %w", display, err)
		}
		enc = tenc
	}
	return &Model{Dir: dir, Config: cfg, Tokenizer: tok, IDF: idf, Encoder: enc}, nil
}

// tokenizerFromVocabBytes builds a tokenizer from vocab.txt contents, reusing
// the default tokenizer when the vocabulary is identical.
func tokenizerFromVocabBytes(b []byte, name string) (*Tokenizer, error) {
	lines, err := vocabLines(b, name)
	if err != nil {
		return nil, err
	}
	if def := DefaultTokenizer(); slices.Equal(lines, def.vocab) {
		return def, nil
	}
	tok, err := NewTokenizer(lines)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return tok, nil
}

// vocabBytes writes tok's vocabulary as vocab.txt contents.
func vocabBytes(tok *Tokenizer) []byte {
	var b []byte
	for i := 0; i < tok.VocabSize(); i++ {
		b = append(b, tok.Token(int32(i))...)
		b = append(b, '\n')
	}
	return b
}
