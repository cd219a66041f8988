package encoder

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/native"
	"github.com/sparrow-search/sparrow/encoder/onnx"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/models"
)

// Model is a loaded model directory: config, tokenizer (vocab.txt), query
// weights (idf.json), the document encoder chosen by config.json's
// "architecture" and, when config.json has "associations", the training
// queries added to the documents they were judged relevant to.
type Model struct {
	Dir          string
	Config       modeldir.Config
	Tokenizer    *wordpiece.Tokenizer
	IDF          *IDF
	Encoder      Encoder
	Associations *Associations // nil: none
}

// DocText is the text the model encodes a document from: DocText(title,
// text), followed by its associated queries' text when the model has any
// for this document. Everything that indexes with a model (vectors and word
// terms alike) uses it.
func (m *Model) DocText(title, text string) string {
	t := DocText(title, text)
	if m.Associations != nil {
		t = m.Associations.Text(t)
	}
	return t
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

// DefaultModelDir is the Model.Dir of the embedded default model.
const DefaultModelDir = "embedded:models/default"

// Architectures lists the architectures LoadModel opens (config.json
// "architecture"; openEncoder wires each to its package).
func Architectures() []string {
	return []string{modeldir.ArchBertMLM, modeldir.ArchDistilBertMLM, modeldir.ArchBM25TF, modeldir.ArchNative}
}

// openEncoder opens the document encoder of cfg.Architecture. Back ends are
// wired here explicitly (not registered at init), so every binary that loads
// models can load every architecture.
func openEncoder(fsys fs.FS, dir, display string, cfg modeldir.Config, tok *wordpiece.Tokenizer, idf *IDF) (Encoder, error) {
	switch cfg.Architecture {
	case modeldir.ArchBM25TF:
		return native.NewBM25TF(tok, cfg)
	case modeldir.ArchNative:
		wb, err := fs.ReadFile(fsys, modeldir.SafetensorsFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w (a %s model needs its weights)", path.Join(display, modeldir.SafetensorsFile), err, modeldir.ArchNative)
		}
		n, err := native.Open(wb, cfg, tok, idf.Weights())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path.Join(display, modeldir.SafetensorsFile), err)
		}
		return n, nil
	case modeldir.ArchBertMLM, modeldir.ArchDistilBertMLM:
		if _, onDisk := fsys.(diskFS); !onDisk {
			return nil, fmt.Errorf("architecture %q can only be loaded from a directory on disk", cfg.Architecture)
		}
		opts, err := onnx.OptionsFromConfig(cfg)
		if err != nil {
			return nil, err
		}
		e, err := onnx.Open(dir, cfg, tok, opts)
		if err != nil {
			return nil, err // not a nil *onnx.Encoder inside a non-nil Encoder
		}
		return e, nil
	}
	return nil, fmt.Errorf("%s: unknown architecture %q (known: %v)", path.Join(display, modeldir.ConfigFile), cfg.Architecture, Architectures())
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
			return nil, fmt.Errorf("%s: missing (a model directory needs %s, %s and %s)", path.Join(display, name), modeldir.ConfigFile, modeldir.VocabFile, modeldir.IDFFile)
		}
		return nil, fmt.Errorf("%s: %w", path.Join(display, name), err)
	}
	return b, nil
}

func loadModelFS(fsys fs.FS, dir, display string) (*Model, error) {
	cb, err := readModelFile(fsys, display, modeldir.ConfigFile)
	if err != nil {
		return nil, err
	}
	cfg, err := modeldir.ParseConfig(cb, path.Join(display, modeldir.ConfigFile))
	if err != nil {
		return nil, err
	}
	vb, err := readModelFile(fsys, display, modeldir.VocabFile)
	if err != nil {
		return nil, err
	}
	tok, err := wordpiece.ParseVocab(vb, path.Join(display, modeldir.VocabFile))
	if err != nil {
		return nil, err
	}
	if tok.VocabSize() != cfg.VocabSize {
		return nil, fmt.Errorf("%s: vocab_size %d but %s has %d tokens", path.Join(display, modeldir.ConfigFile), cfg.VocabSize, modeldir.VocabFile, tok.VocabSize())
	}
	ib, err := readModelFile(fsys, display, modeldir.IDFFile)
	if err != nil {
		return nil, err
	}
	idf, err := ParseIDF(ib, path.Join(display, modeldir.IDFFile), tok)
	if err != nil {
		return nil, err
	}
	enc, err := openEncoder(fsys, dir, display, cfg, tok, idf)
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
	m := &Model{Dir: dir, Config: cfg, Tokenizer: tok, IDF: idf, Encoder: enc}
	if cfg.Associations != nil {
		if m.Associations, err = openAssociations(fsys, display, cfg.Associations); err != nil {
			m.Close()
			return nil, fmt.Errorf("model %s: %w", display, err)
		}
	}
	return m, nil
}
