package distill

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/internal/testenv"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
)

func TestRecipePresetsValidate(t *testing.T) {
	for name, r := range map[string]Recipe{"supervised": Supervised(), "many-judgments": ManyJudgments(), "corpus-only": CorpusOnly()} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r.Corpus, r.Out = "c", "o"
			if err := r.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Validate names every problem at once, each with its field.
func TestRecipeValidate(t *testing.T) {
	mod := func(f func(r *Recipe)) Recipe {
		r := Supervised()
		r.Corpus, r.Out = "c", "o"
		f(&r)
		return r
	}
	cases := []struct {
		name   string
		r      Recipe
		fields []string
	}{
		{"zero", Recipe{}, []string{"corpus", "out", "max_length", "idf_prior", "k1", "architecture"}},
		{"test split", mod(func(r *Recipe) { r.TrainSplit = "Test" }), []string{"train_split"}},
		{"eval split is test", mod(func(r *Recipe) { r.EvalSplit = "test.tsv" }), []string{"eval_split"}},
		{"holdout and eval split", mod(func(r *Recipe) { r.HoldOut, r.EvalSplit = 0.2, "dev" }), []string{"holdout"}},
		{"unknown teacher", mod(func(r *Recipe) { r.Teachers = []string{"bm25wp", "oracle"} }), []string{"teachers"}},
		{"weights", mod(func(r *Recipe) { r.TeacherWeights = []float64{1, 2} }), []string{"teacher_weights"}},
		{"translation without split", mod(func(r *Recipe) { r.TrainSplit, r.Translation.Terms = "", 4 }), []string{"translation.terms"}},
		{"translation with bm25-tf", mod(func(r *Recipe) { r.Arch, r.Translation.Terms = modeldir.ArchBM25TF, 4 }), []string{"translation.terms"}},
		{"bad numbers", mod(func(r *Recipe) { r.Epochs, r.Batch, r.LR, r.B = 0, -1, 0, 2 }), []string{"epochs", "batch", "lr", "b"}},
		{"extra sets", mod(func(r *Recipe) {
			r.Extra = []TrainingSet{{Dir: "c", Split: "test"}, {Dir: "x", Split: ""}, {Dir: "y", Split: "test", MaxQueries: -1}}
		}), []string{"extra[0]", "extra[1]", "extra[2]"}},
		{"extra with bm25-tf", mod(func(r *Recipe) { r.Arch, r.Extra = modeldir.ArchBM25TF, []TrainingSet{{Dir: "x", Split: "test"}} }), []string{"extra"}},
		{"bad analysis", mod(func(r *Recipe) { r.Analysis = &modeldir.Analysis{Words: "klingon"} }), []string{"analysis"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := c.r.Validate()
			joined, ok := err.(interface{ Unwrap() []error })
			if !ok {
				t.Fatalf("Validate() = %v, want errors for %v", err, c.fields)
			}
			got := map[string]bool{}
			for _, e := range joined.Unwrap() {
				var fe *FieldError
				if !errors.As(e, &fe) {
					t.Fatalf("%v is not a FieldError", e)
				}
				got[fe.Field] = true
			}
			for _, f := range c.fields {
				if !got[f] {
					t.Errorf("no error for %s in %v", f, err)
				}
			}
			if len(got) != len(c.fields) {
				t.Errorf("fields %v, want %v", got, c.fields)
			}
		})
	}
}

// Run checks the recipe before reading anything.
func TestRecipeRunValidatesFirst(t *testing.T) {
	r := CorpusOnly()
	r.Corpus, r.Out, r.TrainSplit = "/nonexistent", t.TempDir(), "test"
	if _, err := r.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "test split") {
		t.Fatalf("Run: %v", err)
	}
}

func TestMedianRelevant(t *testing.T) {
	q := dataset.Qrels{
		"a": {"d1": 1, "d2": 2, "d3": 0},
		"b": {"d1": 1},
		"c": {"d1": 1, "d2": 1, "d3": 1, "d4": 1},
		"z": {"d1": 0}, // no relevant document: not counted
	}
	if got := MedianRelevant(q); got != 2 {
		t.Fatalf("median %d, want 2 (of 1, 2, 4)", got)
	}
	if got := MedianRelevant(nil); got != 0 {
		t.Fatalf("empty qrels: %d", got)
	}
}

// The visible collections with train splits get the preset validated on
// them: SciFact (1 relevant document per query) supervised, NFCorpus-pp
// (median 18) many-judgments.
func TestPresetForVisibleCollections(t *testing.T) {
	data := testenv.SharedData(t)
	for ds, want := range map[string]string{"scifact": PresetSupervised, "nfcorpus-pp": PresetManyJudgments} {
		_, got, err := PresetFor(filepath.Join(data, "beir", ds), "train")
		if err != nil || got != want {
			t.Errorf("%s: preset %q, err %v; want %q", ds, got, err, want)
		}
	}
	if _, got, err := PresetFor("anywhere", ""); err != nil || got != PresetCorpusOnly {
		t.Errorf("no split: %q %v", got, err)
	}
	if _, _, err := PresetFor(filepath.Join(data, "beir", "scifact"), "test"); err == nil {
		t.Error("PresetFor read a test split")
	}
}
