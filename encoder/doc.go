// Package encoder turns text into sparse vectors over the bert-base-uncased
// WordPiece vocabulary. It owns the WordPiece tokenizer shared by documents and
// queries, the Encoder interface, the model-directory format (config.json,
// vocab.txt, idf.json, model.safetensors, model.onnx), the native Go student
// model, the ONNX Runtime transformer backend, and inference-free query
// weighting from idf.json.
package encoder
