// Package native holds Sparrow's document encoders written in Go: the
// trainable student Model ("sparrow-native-v1": parameters, Forward and a
// hand-written Backward, the safetensors/float16 weight codec) and BM25TF
// ("bm25-tf", BM25's term-frequency weight, the student at initialisation).
//
// It reads modeldir.Config and tokenizes with package wordpiece; loading a
// whole model directory is encoder.LoadModel's job. Errors start with
// "native: ".
package native
