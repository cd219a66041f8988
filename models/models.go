// Package models holds the bundled default model directory, embedded so that
// binaries work from any working directory. Rebuild it with `make model`
// (scripts/train-default-model.sh), which trains on visible data only.
package models

import "embed"

// Default is the default model directory (config.json, vocab.txt, idf.json and,
// for native models, model.safetensors) under "default/".
//
//go:embed default
var Default embed.FS
