package collection_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/sparrow-search/sparrow/collection"
)

// A collection in memory: upsert documents (here with their own sparse
// vectors, as OpenSearch's rank_features; without Tokens the model encodes
// Title and Text) and search them in each mode.
func ExampleCreate() {
	ctx := context.Background()
	c, err := collection.Create("", collection.Options{InMemory: true})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	err = c.Upsert(ctx, []collection.Document{
		{ID: "sparrow", Title: "Sparrows", Text: "Small birds that live in flocks.", Tokens: map[string]float64{"sparrow": 1.4, "birds": 0.9, "flock": 0.6}},
		{ID: "ocean", Title: "Ocean currents", Text: "Currents move warm water.", Tokens: map[string]float64{"ocean": 1.5, "water": 1.1, "warm": 0.4}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, mode := range []string{collection.ModeSparse, collection.ModeBM25, collection.ModeHybrid} {
		res, err := c.Search(ctx, collection.Query{Text: "warm ocean water", Mode: mode, K: 1})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(mode, res.Hits[0].ID, res.Hits[0].Title)
	}
	// Output:
	// sparse ocean Ocean currents
	// bm25 ocean Ocean currents
	// hybrid ocean Ocean currents
}

// Build makes a collection directory from a corpus file (`indexer build`);
// run again with the same source, it has nothing to do.
func ExampleBuild() {
	tmp, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	corpus := filepath.Join(tmp, "corpus.jsonl")
	os.WriteFile(corpus, []byte(`{"_id": "1", "title": "Vitamin D", "text": "Vitamin D deficiency is common in winter."}
{"_id": "2", "title": "Sparrows", "text": "Sparrows are small birds."}
`), 0o644)
	src, err := collection.FileSource(corpus, false)
	if err != nil {
		log.Fatal(err)
	}
	dir := filepath.Join(tmp, "data", "papers")
	for range 2 {
		res, err := collection.Build(context.Background(), dir, src, collection.BuildOptions{})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("loaded:", res.Loaded, "up to date:", res.UpToDate)
	}
	// Output:
	// loaded: 2 up to date: false
	// loaded: 0 up to date: true
}

// A catalog serves every collection under a data directory by name, as
// searchd does; a collection built there later is found by Get.
func ExampleOpenCatalog() {
	data, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(data)
	cat, err := collection.OpenCatalog(data, collection.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer cat.Close()
	c, err := cat.Create("notes", collection.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Upsert(context.Background(), []collection.Document{{ID: "n1", Text: "remember the milk"}}); err != nil {
		log.Fatal(err)
	}
	st, _ := c.Stats()
	fmt.Println(cat.Names(), st.Documents)
	// Output:
	// [notes] 1
}
