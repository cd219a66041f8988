// Package modeldir defines the model-directory format that the encoder
// packages share: file names, architecture names and config.json (Config).
// It sits below encoder (which loads directories) and its back ends (which read
// Config), so that encoder can wire the back ends explicitly.
//
// Errors name the file they are about (usually config.json's path).
package modeldir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// Config is a model directory's config.json. Architecture selects the backend
// (encoder.LoadModel); the remaining fields are read by the backends that use
// them and left zero by the others.
type Config struct {
	// Architecture names the backend, e.g. "bm25-tf" or "sparrow-native-v1".
	Architecture string `json:"architecture"`
	// VocabSize must equal the number of lines of vocab.txt (30522 for
	// bert-base-uncased).
	VocabSize int `json:"vocab_size"`
	// MaxLength is the number of WordPiece tokens of a document the model
	// reads; the rest is ignored. 0 means no limit.
	MaxLength int `json:"max_length"`

	// BM25 term-frequency saturation (bm25-tf and the native model's prior).
	K1    float64 `json:"k1,omitempty"`
	B     float64 `json:"b,omitempty"`
	AvgDL float64 `json:"avgdl,omitempty"`
	// Conflate pools a document's morphological variants
	// (wordpiece.ConflatePorter) so that a query word matches them; ""
	// (default) scores tokens alone.
	Conflate string `json:"conflate,omitempty"`
	// Stopwords names a stop list whose tokens document vectors never carry
	// (wordpiece.StopwordsSnowball); "" (default) keeps every token.
	Stopwords string `json:"stopwords,omitempty"`

	// Native student dimensions (sparrow-native-v1).
	Dim       int `json:"dim,omitempty"`       // token embedding width
	Hidden    int `json:"hidden,omitempty"`    // gate hidden width
	Expansion int `json:"expansion,omitempty"` // top-M expansion terms per document (0 = none)
	// GateFloor is the least multiplier of a document token's BM25 weight
	// (w_v = bm25tf_v * max(floor, 1+s_v)); 0 (default) lets the gate zero a
	// token. A floor keeps words the training queries never needed matchable
	// on other collections.
	GateFloor float64 `json:"gate_floor,omitempty"`

	// Translation, when present, expands every document vector by the
	// model's translation table (TranslationFile; any architecture).
	Translation *TranslationConfig `json:"translation,omitempty"`

	// Associations, when present, adds to the documents it names the text of
	// the training queries judged relevant to them (AssociationsFile; any
	// architecture): query association, fitted on a train split's qrels.
	Associations *AssociationsConfig `json:"associations,omitempty"`

	// Analysis is how a collection indexes and queries text beside the
	// encoder's WordPiece weights (word terms, query term counts, whose idf);
	// nil means the defaults (Analysis).
	Analysis *Analysis `json:"analysis,omitempty"`

	// Extra holds keys this version does not know, so they survive a rewrite.
	Extra map[string]json.RawMessage `json:"-"`
}

// ParseConfig decodes and validates config.json contents. name is used in
// error messages (usually the file path).
func ParseConfig(data []byte, name string) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("%s: invalid JSON: %w", name, err)
	}
	if dec.More() {
		return Config{}, fmt.Errorf("%s: trailing data after the JSON object", name)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err == nil {
		for _, k := range configKeys {
			delete(raw, k)
		}
		if len(raw) > 0 {
			c.Extra = raw
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// configKeys are the JSON names of Config's fields; other keys go to Extra.
var configKeys = func() []string {
	var keys []string
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}()

// Validate checks the fields every backend relies on.
func (c Config) Validate() error {
	if c.Architecture == "" {
		return fmt.Errorf("missing \"architecture\"")
	}
	if c.VocabSize <= 0 || c.VocabSize > 1<<24 {
		return fmt.Errorf("\"vocab_size\" %d out of range (1..%d)", c.VocabSize, 1<<24)
	}
	if c.MaxLength < 0 {
		return fmt.Errorf("\"max_length\" %d is negative", c.MaxLength)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"k1", c.K1}, {"b", c.B}, {"avgdl", c.AvgDL}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return fmt.Errorf("%q %v must be a finite non-negative number", f.name, f.v)
		}
	}
	if c.Conflate != wordpiece.ConflateNone && c.Conflate != wordpiece.ConflatePorter {
		return fmt.Errorf("\"conflate\" %q: want %q or absent", c.Conflate, wordpiece.ConflatePorter)
	}
	if c.Stopwords != wordpiece.StopwordsNone && c.Stopwords != wordpiece.StopwordsSnowball {
		return fmt.Errorf("\"stopwords\" %q: want %q or absent", c.Stopwords, wordpiece.StopwordsSnowball)
	}
	if (c.Conflate != wordpiece.ConflateNone || c.Stopwords != wordpiece.StopwordsNone) && c.Architecture != ArchBM25TF && c.Architecture != ArchNative {
		// a transformer's document side is its own: silently ignoring the keys would mislead
		return fmt.Errorf("\"conflate\"/\"stopwords\" apply to %s and %s models only, not %q", ArchBM25TF, ArchNative, c.Architecture)
	}
	if c.B > 1 {
		return fmt.Errorf("\"b\" %v must be in [0,1]", c.B)
	}
	if math.IsNaN(c.GateFloor) || c.GateFloor < 0 || c.GateFloor > 1 {
		return fmt.Errorf("\"gate_floor\" %v must be in [0,1]", c.GateFloor)
	}
	if c.Translation != nil {
		if err := c.Translation.Validate(); err != nil {
			return err
		}
	}
	if c.Associations != nil {
		if err := c.Associations.Validate(); err != nil {
			return err
		}
	}
	if err := c.Analysis.Validate(); err != nil {
		return err
	}
	if c.Dim < 0 || c.Dim > 4096 || c.Hidden < 0 || c.Hidden > 4096 || c.Expansion < 0 || c.Expansion > c.VocabSize {
		return fmt.Errorf("native dimensions out of range (dim %d, hidden %d, expansion %d)", c.Dim, c.Hidden, c.Expansion)
	}
	return nil
}

// MarshalJSON writes the known fields followed by Extra.
func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config
	b, err := json.Marshal(plain(c))
	if err != nil || len(c.Extra) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range c.Extra {
		if _, known := m[k]; !known {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// TranslationConfig is config.json's "translation": document expansion by a
// term translation table fitted on training qrels (encoder.Translation).
type TranslationConfig struct {
	// SourceTerms: the document's tokens that expand are its SourceTerms
	// largest by idf * weight.
	SourceTerms int `json:"source_terms"`
	// Terms: at most this many expansion tokens per document.
	Terms int `json:"terms"`
	// Weight scales an expansion token's weight, Weight * log(1 + summed lift).
	Weight float64 `json:"weight"`
}

// Validate checks the ranges of the translation keys.
func (c *TranslationConfig) Validate() error {
	if c.SourceTerms < 1 || c.SourceTerms > 4096 || c.Terms < 1 || c.Terms > 4096 {
		return fmt.Errorf("\"translation\": source_terms %d and terms %d must be in 1..4096", c.SourceTerms, c.Terms)
	}
	if math.IsNaN(c.Weight) || math.IsInf(c.Weight, 0) || c.Weight <= 0 {
		return fmt.Errorf("\"translation\": weight %v must be a finite number > 0", c.Weight)
	}
	return nil
}

// AssociationsConfig is config.json's "associations": how many documents and
// distinct queries AssociationsFile holds (checked when it loads, so a
// truncated or swapped file is an error, not a silently weaker model).
type AssociationsConfig struct {
	Documents int `json:"documents"`
	Queries   int `json:"queries"`
}

// Validate checks the counts.
func (c *AssociationsConfig) Validate() error {
	if c.Documents < 1 || c.Queries < 1 {
		return fmt.Errorf("\"associations\": documents %d and queries %d must be >= 1", c.Documents, c.Queries)
	}
	return nil
}
