package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/distill"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// writeTinyDataset writes a BEIR-layout directory whose test split is
// poisoned: qrels/test.tsv is a directory, so any attempt to read it fails,
// and queries.jsonl holds test-only queries the training must not need.
func writeTinyDataset(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	words := []string{"protein", "membrane", "vitamin", "bone", "tumor", "therapy", "virus", "vaccine", "neuron", "cortex", "blood", "heart"}
	var corpus, queries, train strings.Builder
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 40; i++ {
		var text []string
		for j := 0; j < 20; j++ {
			text = append(text, words[(i+r.IntN(3))%len(words)])
		}
		fmt.Fprintf(&corpus, `{"_id": "d%d", "title": "%s study", "text": "%s"}`+"\n", i, words[i%len(words)], strings.Join(text, " "))
	}
	train.WriteString("query-id\tcorpus-id\tscore\n")
	for q := 0; q < 12; q++ {
		fmt.Fprintf(&queries, `{"_id": "q%d", "text": "%s %s"}`+"\n", q, words[q], words[(q+1)%len(words)])
		fmt.Fprintf(&train, "q%d\td%d\t1\n", q, q)
	}
	queries.WriteString(`{"_id": "t1", "text": "poison test query"}` + "\n")
	for name, s := range map[string]string{"corpus.jsonl": corpus.String(), "queries.jsonl": queries.String(), "qrels/train.tsv": train.String()} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "qrels", "test.tsv"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func tinyEmbeddings(t *testing.T) string {
	tok := wordpiece.DefaultTokenizer()
	emb := make([]float32, tok.VocabSize()*4)
	r := rand.New(rand.NewPCG(3, 3))
	for i := range emb {
		emb[i] = float32(r.NormFloat64() * 0.3)
	}
	p := filepath.Join(t.TempDir(), "emb.safetensors")
	if err := distill.WriteEmbeddings(p, emb, tok.VocabSize(), 4); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTrainNeverReadsTestSplit(t *testing.T) {
	data := writeTinyDataset(t)
	emb := tinyEmbeddings(t)
	for _, mode := range [][]string{{"--train-split", "train", "--eval-split", ""}, {"--pseudo", "30"}} {
		out := filepath.Join(t.TempDir(), "model")
		args := append([]string{"train", "--corpus", data, "--out", out, "--glove", emb, "--teachers", "bm25wp",
			"--epochs", "2", "--hidden", "4", "--quiet", "--contrastive", "1", "--holdout", "0.25"}, mode...)
		var stdout, stderr bytes.Buffer
		if rc := dispatch(args, nil, &stdout, &stderr); rc != 0 {
			t.Fatalf("%v: rc %d: %s", mode, rc, stderr.String())
		}
		for _, f := range []string{"config.json", "vocab.txt", "idf.json", "model.safetensors"} {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Fatalf("%v: model directory lacks %s", mode, f)
			}
		}
		m, err := encoder.LoadModel(out)
		if err != nil {
			t.Fatal(err)
		}
		if m.Config.Architecture != modeldir.ArchNative {
			t.Fatalf("architecture %q", m.Config.Architecture)
		}
		// each preset's validated document analysis is its default: Porter
		// conflation, and the Snowball stop list corpus only
		want := [2]string{wordpiece.ConflatePorter, ""}
		if mode[0] == "--pseudo" {
			want = [2]string{wordpiece.ConflatePorter, wordpiece.StopwordsSnowball}
		}
		if got := [2]string{m.Config.Conflate, m.Config.Stopwords}; got != want {
			t.Fatalf("%v: conflate/stopwords %q, want %q", mode, got, want)
		}
		v, err := m.Encoder.Encode([]string{"protein membrane study"})
		if err != nil || v[0].Len() == 0 {
			t.Fatalf("encode: %v %v", v, err)
		}
		// idf.json comes from the training corpus: "poison" (only in a test query) has no weight
		if id, ok := m.Tokenizer.ID("poison"); !ok || m.IDF.Weight(id) != 0 {
			t.Fatal("idf.json has a weight for a word that is not in the corpus")
		}
	}
	// asking for the test split (in any spelling) is refused before reading anything
	for _, split := range []string{"test", "TEST", "test.tsv"} {
		var stdout, stderr bytes.Buffer
		args := []string{"train", "--corpus", data, "--out", filepath.Join(t.TempDir(), "m"), "--train-split", split, "--quiet"}
		if rc := dispatch(args, nil, &stdout, &stderr); rc == 0 || !strings.Contains(stderr.String(), "test split") {
			t.Fatalf("--train-split %s: rc %d, stderr %q", split, rc, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if rc := dispatch([]string{"train", "--corpus", data, "--out", filepath.Join(t.TempDir(), "m"), "--train-split", "train", "--eval-split", "test"}, nil, &stdout, &stderr); rc == 0 {
		t.Fatal("--eval-split test accepted")
	}
	// --holdout would silently drop its queries from training when --eval-split picks the evaluation queries
	stderr.Reset()
	args := []string{"train", "--corpus", data, "--out", filepath.Join(t.TempDir(), "m"), "--pseudo", "30", "--glove", emb,
		"--teachers", "bm25wp", "--epochs", "1", "--hidden", "4", "--quiet", "--eval-split", "train", "--holdout", "0.25"}
	if rc := dispatch(args, nil, &stdout, &stderr); rc == 0 || !strings.Contains(stderr.String(), "--holdout") {
		t.Fatalf("--holdout with --eval-split: rc %d, stderr %q", rc, stderr.String())
	}
}

func TestTrainBM25Arch(t *testing.T) {
	data := writeTinyDataset(t)
	out := filepath.Join(t.TempDir(), "bm25")
	var stdout, stderr bytes.Buffer
	if rc := dispatch([]string{"train", "--corpus", data, "--out", out, "--arch", "bm25-tf"}, nil, &stdout, &stderr); rc != 0 {
		t.Fatalf("rc %d: %s", rc, stderr.String())
	}
	m, err := encoder.LoadModel(out)
	if err != nil || m.Config.Architecture != modeldir.ArchBM25TF || m.Config.AvgDL <= 0 {
		t.Fatalf("%v %+v", err, m)
	}
	stderr.Reset()
	if rc := dispatch([]string{"train", "--corpus", data, "--out", filepath.Join(t.TempDir(), "m0"), "--arch", "bm25-tf", "--max-length", "0"}, nil, &stdout, &stderr); rc == 0 || !strings.Contains(stderr.String(), "--max-length") {
		t.Fatalf("--max-length 0: rc %d, stderr %q", rc, stderr.String())
	}
}

func TestTrainTeacherWeights(t *testing.T) {
	data := writeTinyDataset(t)
	for _, c := range []struct {
		name, weights, teachers string
		err                     string // "" = accepted
	}{
		{"three", "1,2, 0.5", "bm25wp,bm25porter,bm25word", ""},
		{"too few", "1,2", "bm25wp,bm25porter,bm25word", "2 weights for 3 teachers"},
		{"not a number", "1,x,2", "bm25wp,bm25porter,bm25word", "weight 2"},
		{"negative", "1,-1", "bm25wp,bm25porter", "weight 1 is -1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, _, _, err := trainRecipe([]string{"--corpus", data, "--out", "m", "--train-split", "train", "--teachers", c.teachers, "--teacher-weights", c.weights}, io.Discard)
			if err == nil {
				err = r.Validate()
			}
			if c.err == "" {
				if err != nil || len(r.TeacherWeights) != 3 || r.TeacherWeights[2] != 0.5 {
					t.Fatalf("weights %v, err %v", r.TeacherWeights, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("err %v, want %q", err, c.err)
			}
		})
	}
	// a negative weight is refused before any training
	var stdout, stderr bytes.Buffer
	args := []string{"train", "--corpus", data, "--out", filepath.Join(t.TempDir(), "m"), "--train-split", "train", "--glove", tinyEmbeddings(t),
		"--teachers", "bm25wp,bm25porter", "--teacher-weights", "1,-1", "--quiet"}
	if rc := dispatch(args, nil, &stdout, &stderr); rc == 0 || !strings.Contains(stderr.String(), "weight") {
		t.Fatalf("negative weight: rc %d, stderr %q", rc, stderr.String())
	}
}

// --recipe auto picks the preset from the data: corpus-only without a
// split, many-judgments when the split's queries have many relevant
// documents, supervised otherwise; flags typed override the preset.
func TestTrainRecipeChoice(t *testing.T) {
	few := writeTinyDataset(t) // one relevant document per query
	many := writeTinyDataset(t)
	var qrels strings.Builder
	qrels.WriteString("query-id\tcorpus-id\tscore\n")
	for q := range 12 {
		for d := range distill.ManyJudgmentsMedian {
			fmt.Fprintf(&qrels, "q%d\td%d\t1\n", q, (q+d)%40)
		}
		fmt.Fprintf(&qrels, "q%d\td%d\t0\n", q, (q+20)%40) // judged irrelevant: not counted
	}
	if err := os.WriteFile(filepath.Join(many, "qrels", "train.tsv"), []byte(qrels.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		args   []string
		preset string
		check  func(distill.Recipe) bool
	}{
		{"few judgments", []string{"--corpus", few, "--train-split", "train"}, distill.PresetSupervised,
			func(r distill.Recipe) bool {
				return r.Epochs == distill.Supervised().Epochs && !r.StudentAlone && !r.Associate
			}},
		{"many judgments", []string{"--corpus", many, "--train-split", "train"}, distill.PresetManyJudgments,
			func(r distill.Recipe) bool {
				return r.StudentAlone && r.NoPositives && r.Translation.Terms == 30 && r.Associate && r.Analysis.Resolve().PieceWeight == 2
			}},
		{"many judgments, a flag overrides", []string{"--corpus", many, "--train-split", "train", "--epochs", "3", "--piece-weight", "1"}, distill.PresetManyJudgments,
			func(r distill.Recipe) bool {
				return r.StudentAlone && r.Epochs == 3 && r.Analysis.Resolve().PieceWeight == 1
			}},
		{"corpus only", []string{"--corpus", many}, distill.PresetCorpusOnly,
			func(r distill.Recipe) bool { return r.TrainSplit == "" && r.Epochs == distill.CorpusOnly().Epochs }},
		{"many judgments, flags valid for it alone", []string{"--corpus", many, "--train-split", "train", "--teacher-weights", "1,2,1"}, distill.PresetManyJudgments,
			func(r distill.Recipe) bool { return len(r.TeacherWeights) == 3 && r.TeacherWeights[1] == 2 }},
		{"named", []string{"--corpus", many, "--train-split", "train", "--recipe", "supervised"}, distill.PresetSupervised,
			func(r distill.Recipe) bool { return !r.StudentAlone && r.Epochs == 8 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, preset, _, err := trainRecipe(append(c.args, "--out", "m"), io.Discard)
			if err == nil {
				err = r.Validate()
			}
			if err != nil || preset != c.preset || !c.check(r) {
				t.Fatalf("preset %q (want %q), err %v, recipe %+v", preset, c.preset, err, r)
			}
		})
	}
	// the preset is the flag set that docs/RESULTS.md measured for NFCorpus-pp
	// (README's command before presets were chosen from the data)
	auto, _, _, err := trainRecipe([]string{"--corpus", many, "--out", "m", "--train-split", "train"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	flags, _, _, err := trainRecipe([]string{"--corpus", many, "--out", "m", "--train-split", "train", "--recipe", "supervised",
		"--teachers", "bm25wp,rm3,bm25porter", "--contrastive", "1", "--no-positives", "--expansion", "8", "--epochs", "1", "--lambda", "0.01",
		"--no-bias=false", "--stopwords", "snowball", "--translation-terms", "30", "--student-alone", "--associate", "--piece-weight", "2"}, io.Discard)
	if err != nil || !reflect.DeepEqual(auto, flags) {
		t.Fatalf("many-judgments preset differs from the measured flags (err %v):\n%+v\n%+v", err, auto, flags)
	}
	if _, _, _, err := trainRecipe([]string{"--corpus", few, "--out", "m", "--recipe", "fancy"}, io.Discard); err == nil || !strings.Contains(err.Error(), "--recipe") {
		t.Fatalf("unknown recipe: err %v", err)
	}
}

// trainTiny trains on writeTinyDataset's train split (one epoch, a
// quarter held out) with the extra flags and returns the dataset, the
// embeddings, the model directory and train's stdout.
func trainTiny(t *testing.T, extra ...string) (data, emb, out string, stdout *bytes.Buffer) {
	t.Helper()
	data, emb = writeTinyDataset(t), tinyEmbeddings(t)
	out = filepath.Join(t.TempDir(), "model")
	args := append([]string{"train", "--corpus", data, "--out", out, "--glove", emb, "--teachers", "bm25wp", "--train-split", "train",
		"--epochs", "1", "--hidden", "4", "--quiet", "--holdout", "0.25"}, extra...)
	stdout = new(bytes.Buffer)
	var stderr bytes.Buffer
	if rc := dispatch(args, nil, stdout, &stderr); rc != 0 {
		t.Fatalf("rc %d: %s", rc, stderr.String())
	}
	return data, emb, out, stdout
}

func TestTrainTranslation(t *testing.T) {
	data, emb, out, stdout := trainTiny(t, "--translation-terms", "4", "--translation-min-count", "1")
	var stderr bytes.Buffer
	m, err := encoder.LoadModel(out)
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Config.Translation; c == nil || c.Terms != 4 || c.SourceTerms != 40 || c.Weight != 1 {
		t.Fatalf("config translation %+v", c)
	}
	b, err := os.ReadFile(filepath.Join(out, modeldir.TranslationFile))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := encoder.DecodeTranslation(b, m.Tokenizer.VocabSize())
	if err != nil || len(tab.To) == 0 {
		t.Fatalf("table: %d entries, %v", len(tab.To), err)
	}
	// corpus only there are no qrels to fit it on
	stderr.Reset()
	args := []string{"train", "--corpus", data, "--out", filepath.Join(t.TempDir(), "m"), "--glove", emb, "--pseudo", "10", "--quiet", "--translation-terms", "4"}
	if rc := dispatch(args, nil, stdout, &stderr); rc == 0 || !strings.Contains(stderr.String(), "--translation-terms: a translation table needs a train split") {
		t.Fatalf("--translation-terms without --train-split: rc %d, stderr %q", rc, stderr.String())
	}
	stderr.Reset()
	args = []string{"train", "--corpus", data, "--out", filepath.Join(t.TempDir(), "m"), "--arch", "bm25-tf", "--train-split", "train", "--translation-terms", "4"}
	if rc := dispatch(args, nil, stdout, &stderr); rc == 0 || !strings.Contains(stderr.String(), "bm25-tf") {
		t.Fatalf("--translation-terms with --arch bm25-tf: rc %d, stderr %q", rc, stderr.String())
	}
}

// TestTrainAssociate: --associate writes the training queries beside the
// documents judged relevant to them (config.json "associations" and
// associations.json), the model loads with them and train.json reports the
// held-out score with them; without a train split, or with bm25-tf, it is a
// flag error.
func TestTrainAssociate(t *testing.T) {
	data, emb, out, stdout := trainTiny(t, "--associate")
	m, err := encoder.LoadModel(out)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Associations == nil || m.Config.Associations == nil || m.Config.Associations.Documents != len(m.Associations.Docs) || len(m.Associations.Docs) == 0 {
		t.Fatalf("associations %+v, config %+v", m.Associations, m.Config.Associations)
	}
	var sum distill.Summary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.AssociatedDocs != len(m.Associations.Docs) || !(sum.HeldOutAssociations > 0) || !sum.Recipe.Associate {
		t.Fatalf("summary: %d associated docs, held-out %v, recipe associate %v", sum.AssociatedDocs, sum.HeldOutAssociations, sum.Recipe.Associate)
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"without a train split", []string{"--glove", emb, "--pseudo", "10"}},
		{"with bm25-tf", []string{"--arch", "bm25-tf", "--train-split", "train"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"train", "--corpus", data, "--out", filepath.Join(t.TempDir(), "m"), "--quiet", "--associate"}, c.args...)
			if rc := dispatch(args, nil, &stdout, &stderr); rc == 0 || !strings.Contains(stderr.String(), "--associate: query association") {
				t.Fatalf("rc %d, stderr %q", rc, stderr.String())
			}
		})
	}
}
