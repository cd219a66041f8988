// Package wordpiece is Sparrow's text analysis over a WordPiece vocabulary:
// the exact bert-base-uncased tokenizer (Tokenizer, over an embedded or a
// model's vocab.txt) shared by documents and queries, and the vocabulary-level
// document analysis that model directories name in config.json — Porter
// conflation of whole-word tokens ("conflate") and the Snowball stop list
// ("stopwords") — with CountTerms, which applies them to one document.
//
// It depends on no other Sparrow package. Errors start with "wordpiece: ".
package wordpiece
