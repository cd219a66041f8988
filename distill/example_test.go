package distill_test

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/sparrow-search/sparrow/distill"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// A recipe starts from a preset; fields change what differs. Here the
// corpus-only preset (contract 3 without a train split) trains a small
// student on a 30-document corpus from pseudo-queries.
func ExampleRecipe_Run() {
	dir, err := os.MkdirTemp("", "recipe")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	corpus, emb := writeTinyCorpus(dir)

	r := distill.CorpusOnly()
	r.Corpus, r.Out = corpus, filepath.Join(dir, "model")
	r.GloVe = emb // a small random table instead of the GloVe vectors
	r.Teachers = []string{"bm25wp", "bm25porter"}
	r.Pseudo, r.Epochs, r.Hidden = 20, 1, 4
	sum, err := r.Run(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	m, err := encoder.LoadModel(r.Out)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum.Docs, sum.Queries, m.Config.Architecture, m.Config.Conflate, m.Config.Stopwords)
	// Output: 30 20 sparrow-native-v1 porter snowball
}

// writeTinyCorpus writes a BEIR corpus.jsonl and a 4-dimensional random
// embedding table under dir.
func writeTinyCorpus(dir string) (corpus, emb string) {
	words := strings.Fields("protein membrane vitamin bone tumor therapy virus vaccine neuron cortex blood heart")
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for i := range 30 {
		var text []string
		for range 20 {
			text = append(text, words[(i+r.IntN(3))%len(words)])
		}
		fmt.Fprintf(&b, `{"_id": "d%d", "title": "%s study", "text": "%s"}`+"\n", i, words[i%len(words)], strings.Join(text, " "))
	}
	corpus = filepath.Join(dir, "beir")
	if err := os.MkdirAll(corpus, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(corpus, "corpus.jsonl"), []byte(b.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	v := wordpiece.DefaultTokenizer().VocabSize()
	table := make([]float32, v*4)
	for i := range table {
		table[i] = float32(r.NormFloat64() * 0.3)
	}
	emb = filepath.Join(dir, "emb.safetensors")
	if err := distill.WriteEmbeddings(emb, table, v, 4); err != nil {
		log.Fatal(err)
	}
	return corpus, emb
}
