package modeldir

// Model directory file names (docs/DESIGN.md).
const (
	ConfigFile       = "config.json"
	VocabFile        = "vocab.txt"
	IDFFile          = "idf.json"
	SafetensorsFile  = "model.safetensors"       // weights of a native model
	ONNXFile         = "model.onnx"              // default graph of an ONNX model
	TranslationFile  = "translation.safetensors" // config "translation"
	AssociationsFile = "associations.json"       // config "associations"
)

// Architectures (config.json "architecture").
const (
	// ArchBM25TF is BM25's saturated term frequency over WordPiece tokens
	// (native.BM25TF): no weights, idf.json holds BM25 IDFs.
	ArchBM25TF = "bm25-tf"
	// ArchNative is Sparrow's native Go student (native.Model), weights in
	// model.safetensors.
	ArchNative = "sparrow-native-v1"
	// ArchBertMLM and ArchDistilBertMLM are Hugging Face masked-LM sparse doc
	// encoders exported to ONNX (package onnx); the names are Hugging Face's
	// config.json "architectures" entries.
	ArchBertMLM       = "BertForMaskedLM"
	ArchDistilBertMLM = "DistilBertForMaskedLM"
)
