package encoder

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/native"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/internal/testenv"
)

func writeBM25Dir(t *testing.T, texts []string) string {
	t.Helper()
	dir := t.TempDir()
	err := BuildBM25Model(dir, wordpiece.DefaultTokenizer(), native.DefaultK1, native.DefaultB, 0, func(y func(string) error) error {
		for _, s := range texts {
			if err := y(s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

var tinyCorpus = []string{
	"The cat sat on the mat.",
	"Dogs and cats are common pets; the dog barked.",
	"Protein folding in the cell membrane.",
	"Membrane proteins fold slowly, the cell said.",
}

// TestBM25TFScoreIsBM25 checks Score(q,d) = sum idf*w equals BM25 computed
// directly over WordPiece tokens.
func TestBM25TFScoreIsBM25(t *testing.T) {
	dir := writeBM25Dir(t, tinyCorpus)
	m, err := LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.Architecture != modeldir.ArchBM25TF {
		t.Fatalf("architecture %q", m.Config.Architecture)
	}
	vecs, err := m.Encoder.Encode(tinyCorpus)
	if err != nil {
		t.Fatal(err)
	}
	tok := m.Tokenizer
	// direct BM25
	n := float64(len(tinyCorpus))
	df := map[int32]int{}
	var total float64
	docs := make([][]int32, len(tinyCorpus))
	for i, s := range tinyCorpus {
		docs[i] = tok.AppendIDs(nil, s)
		total += float64(len(docs[i]))
		seen := map[int32]bool{}
		for _, id := range docs[i] {
			if !seen[id] {
				seen[id] = true
				df[id]++
			}
		}
	}
	avgdl := total / n
	query := "cell membrane protein the cat"
	q := m.IDF.Query(tok, query)
	if len(q.IDs) == 0 {
		t.Fatal("empty query vector")
	}
	for i := 1; i < len(q.IDs); i++ {
		if q.IDs[i] <= q.IDs[i-1] {
			t.Fatal("query ids not strictly ascending")
		}
	}
	for d, v := range vecs {
		var got float64
		for qi, id := range q.IDs {
			for j, did := range v.IDs {
				if did == id {
					got += float64(q.Weights[qi]) * float64(v.Weights[j])
				}
			}
		}
		var want float64
		qset := map[int32]bool{}
		for _, id := range tok.AppendIDs(nil, query) {
			qset[id] = true
		}
		for id := range qset {
			tf := 0
			for _, x := range docs[d] {
				if x == id {
					tf++
				}
			}
			if tf == 0 {
				continue
			}
			idf := math.Log(1 + (n-float64(df[id])+0.5)/(float64(df[id])+0.5))
			k1, b := native.DefaultK1, native.DefaultB
			want += idf * float64(tf) * (k1 + 1) / (float64(tf) + k1*(1-b+b*float64(len(docs[d]))/avgdl))
		}
		if math.Abs(got-want) > 1e-4*math.Max(1, want) {
			t.Errorf("doc %d: score %v, BM25 %v", d, got, want)
		}
	}
}

func TestQueryDedupAndDrop(t *testing.T) {
	tok := wordpiece.DefaultTokenizer()
	w := make([]float32, tok.VocabSize())
	cat, _ := tok.ID("cat")
	w[cat] = 2
	idf := NewIDF(w)
	q := idf.Query(tok, "cat cat CAT mat")
	if len(q.IDs) != 1 || q.IDs[0] != cat || q.Weights[0] != 2 {
		t.Fatalf("got %+v", q)
	}
	if idf.Weight(-1) != 0 || idf.Weight(1<<30) != 0 {
		t.Fatal("out-of-range weight not 0")
	}
	if q := idf.Query(tok, "mat"); q.IDs != nil || q.Weights != nil {
		t.Fatalf("no weighted token: got %+v, want the zero vector", q)
	}
}

func TestQueryCounted(t *testing.T) {
	tok := wordpiece.DefaultTokenizer()
	w := make([]float32, tok.VocabSize())
	cat, _ := tok.ID("cat")
	dog, _ := tok.ID("dog")
	w[cat], w[dog] = 2, 3
	q := NewIDF(w).QueryCounted(tok, "cat dog cat CAT mat")
	if len(q.IDs) != 2 || q.IDs[0] != min(cat, dog) {
		t.Fatalf("got %+v", q)
	}
	want := map[int32]float32{cat: 6, dog: 3}
	for i, id := range q.IDs {
		if q.Weights[i] != want[id] {
			t.Errorf("token %d: weight %v, want %v (count x idf)", id, q.Weights[i], want[id])
		}
	}
}

// TestQueryAllocs: the serving hot path allocates the token ids and the
// weights, nothing else (AllocsPerRun counts mallocs, not time). `make test`
// runs it without -race, whose sync.Pool drops pooled tokenizer buffers at random.
func TestQueryAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	tok := wordpiece.DefaultTokenizer()
	w := make([]float32, tok.VocabSize())
	cat, _ := tok.ID("cat")
	w[cat] = 2
	idf := NewIDF(w)
	idf.Query(tok, "warm the tokenizer pool")
	if n := testing.AllocsPerRun(20, func() { idf.Query(tok, "cat sat on the mat with another cat") }); n > 2 {
		t.Fatalf("Query allocates %v times, want <= 2", n)
	}
}

func TestMarshalIDFRejectsIDsPastVocab(t *testing.T) {
	tok := wordpiece.DefaultTokenizer()
	w := make([]float32, tok.VocabSize()+2)
	w[len(w)-2], w[len(w)-1] = 1, 2
	if b, err := MarshalIDF(tok, w); err == nil {
		t.Fatalf("weights past the vocabulary accepted: %.40q...", b)
	}
	w = w[:tok.VocabSize()]
	cat, _ := tok.ID("cat")
	w[cat] = 1.5
	b, err := MarshalIDF(tok, w)
	if err != nil {
		t.Fatal(err)
	}
	idf, err := ParseIDF(b, "idf.json", tok)
	if err != nil || idf.Weight(cat) != 1.5 {
		t.Fatalf("round trip: %v, weight %v", err, idf.Weight(cat))
	}
}

func TestLoadModelErrors(t *testing.T) {
	good := writeBM25Dir(t, tinyCorpus)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(good, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name  string
		files map[string]string // "" = omit
		want  string
	}{
		{"no config", map[string]string{modeldir.ConfigFile: ""}, "config.json: missing"},
		{"bad json", map[string]string{modeldir.ConfigFile: "{"}, "config.json: invalid JSON"},
		{"no arch", map[string]string{modeldir.ConfigFile: `{"vocab_size":30522}`}, "missing \"architecture\""},
		{"unknown arch", map[string]string{modeldir.ConfigFile: `{"architecture":"nope","vocab_size":30522}`}, "unknown architecture \"nope\""},
		{"vocab mismatch", map[string]string{modeldir.ConfigFile: `{"architecture":"bm25-tf","vocab_size":7,"k1":1,"avgdl":3}`}, "vocab_size 7"},
		{"no avgdl", map[string]string{modeldir.ConfigFile: `{"architecture":"bm25-tf","vocab_size":30522,"k1":1}`}, "avgdl"},
		{"bad conflate", map[string]string{modeldir.ConfigFile: `{"architecture":"bm25-tf","vocab_size":30522,"k1":1,"avgdl":3,"conflate":"snowball"}`}, `"conflate" "snowball": want "porter" or absent`},
		{"bad stopwords", map[string]string{modeldir.ConfigFile: `{"architecture":"bm25-tf","vocab_size":30522,"k1":1,"avgdl":3,"stopwords":"porter"}`}, `"stopwords" "porter": want "snowball" or absent`},
		{"conflate on onnx", map[string]string{modeldir.ConfigFile: `{"architecture":"BertForMaskedLM","vocab_size":30522,"conflate":"porter"}`}, `apply to bm25-tf and sparrow-native-v1 models only, not "BertForMaskedLM"`},
		{"no vocab", map[string]string{modeldir.VocabFile: ""}, "vocab.txt: missing"},
		{"vocab not utf-8", map[string]string{modeldir.VocabFile: "[UNK]\nx\xff\n"}, "vocab.txt:2: token is not valid UTF-8"},
		{"no idf", map[string]string{modeldir.IDFFile: ""}, "idf.json: missing"},
		{"idf unknown token", map[string]string{modeldir.IDFFile: `{"zzzzqqqq-not-a-token": 1}`}, "not in the vocabulary"},
		{"idf negative", map[string]string{modeldir.IDFFile: `{"cat": -1}`}, "non-negative"},
		{"idf not object", map[string]string{modeldir.IDFFile: `[1,2]`}, "JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range []string{modeldir.ConfigFile, modeldir.VocabFile, modeldir.IDFFile} {
				data := read(f)
				if s, ok := c.files[f]; ok {
					if s == "" {
						continue
					}
					data = []byte(s)
				}
				if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := LoadModel(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want it to contain %q", err, c.want)
			}
		})
	}
	if _, err := LoadModel(filepath.Join(good, "nope")); err == nil {
		t.Fatal("missing dir accepted")
	}
}

func TestLoadDefault(t *testing.T) {
	m, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	if m.Dir != DefaultModelDir || m.Tokenizer.VocabSize() != m.Config.VocabSize {
		t.Fatalf("dir %q vocab %d", m.Dir, m.Config.VocabSize)
	}
	v, err := m.Encoder.Encode([]string{"Protein folding in membranes"})
	if err != nil || len(v) != 1 || v[0].Len() == 0 {
		t.Fatalf("encode: %v %+v", err, v)
	}
	q := m.IDF.Query(m.Tokenizer, "protein folding")
	if q.Len() == 0 {
		t.Fatal("default idf gives an empty query")
	}
}

func FuzzParseIDF(f *testing.F) {
	for _, s := range []string{`{"cat": 1.5, "##s": 0}`, `{}`, `{"cat": "x"}`, `{"cat": 1e400}`, `[]`, `{"cat":1,"cat":2}`, `{"cat":1} {}`, `{"a":`} {
		f.Add([]byte(s))
	}
	tok := wordpiece.DefaultTokenizer()
	f.Fuzz(func(t *testing.T, data []byte) {
		idf, err := ParseIDF(data, "idf.json", tok)
		if err != nil {
			return
		}
		for _, w := range idf.Weights() {
			if w < 0 || math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
				t.Fatalf("bad weight %v accepted", w)
			}
		}
	})
}

func TestModelCloseNative(t *testing.T) {
	m, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("native model Close: %v", err)
	}
}
