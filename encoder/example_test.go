package encoder_test

import (
	"fmt"
	"log"
	"os"

	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/native"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// A model is loaded once; documents are encoded by its Encoder and queries
// weighted by its idf.json, with no model run at query time.
func ExampleLoadDefault() {
	m, err := encoder.LoadDefault()
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	docs, err := m.Encoder.Encode([]string{encoder.DocText("Vitamin D", "Vitamin D deficiency is common in older adults.")})
	if err != nil {
		log.Fatal(err)
	}
	q := m.IDF.Query(m.Tokenizer, "vitamin d deficiency")
	fmt.Println(m.Config.Architecture, docs[0].Len() > 0, len(q.IDs))
	// Output: sparrow-native-v1 true 3
}

// LoadModel opens a model directory on disk (config.json, vocab.txt,
// idf.json and the architecture's weights); errors name the file at fault.
// Here the directory is a bm25-tf model counted over a three-document corpus.
func ExampleLoadModel() {
	dir, err := os.MkdirTemp("", "model")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	corpus := []string{"The cat sat on the mat.", "Dogs chase cats.", "Proteins fold."}
	err = encoder.BuildBM25Model(dir, wordpiece.DefaultTokenizer(), native.DefaultK1, native.DefaultB, 0, func(yield func(string) error) error {
		for _, text := range corpus {
			if err := yield(text); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	m, err := encoder.LoadModel(dir)
	if err != nil {
		log.Fatal(err)
	}
	v, err := m.Encoder.Encode([]string{"a cat on a mat"})
	if err != nil {
		log.Fatal(err)
	}
	for i, id := range v[0].IDs {
		fmt.Printf("%s %.3f\n", m.Tokenizer.Token(id), v[0].Weights[i])
	}
	q := m.IDF.Query(m.Tokenizer, "cat mat")
	fmt.Println(m.Config.Architecture, len(q.IDs))
	// Output:
	// a 1.299
	// on 0.987
	// cat 0.987
	// mat 0.987
	// bm25-tf 2
}

// Query association keeps training queries beside the documents judged
// relevant to them; Model.DocText adds them when exactly that document is
// indexed, and leaves every other text alone.
func ExampleAssociations() {
	doc := encoder.DocText("Vitamin D", "Vitamin D deficiency is common in winter.")
	a := &encoder.Associations{
		Queries: []string{"sunshine hormone"},
		Docs:    map[uint64][]int32{encoder.DocKey(doc): {0, 0}}, // a grade-2 judgment: listed twice
	}
	fmt.Println(a.Text(doc))
	fmt.Println(a.Text("Bird migration in winter."))
	// Output:
	// Vitamin D Vitamin D deficiency is common in winter. sunshine hormone sunshine hormone
	// Bird migration in winter.
}
