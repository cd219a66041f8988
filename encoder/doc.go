// Package encoder turns text into sparse vectors over a WordPiece vocabulary
// (bert-base-uncased by default). It is the entry point the rest of Sparrow
// uses: the Encoder interface, model directories (LoadModel, LoadDefault,
// WriteModelDir), inference-free query weighting from idf.json (IDF), corpus
// statistics for BM25 idf (CorpusStats), translation-table document expansion
// (Translation), and the shared document text (DocText).
//
// The work is split by job into sub-packages, each usable on its own:
//
//	encoder/wordpiece  the tokenizer and vocabulary-level analysis (conflation, stop words)
//	encoder/modeldir   the model-directory format: file names, architectures, config.json
//	encoder/native     Go encoders: bm25-tf and the trainable sparrow-native-v1 student
//	encoder/onnx       Hugging Face masked-LM encoders run by ONNX Runtime
//
// LoadModel wires the back ends explicitly (openEncoder), so any program that
// imports encoder loads every architecture. Errors about a model directory
// start with the file they are about; the package's other errors start with
// "encoder: ".
package encoder
