#!/usr/bin/env bash
# Train the bundled default model (models/default, embedded by package models)
# on visible data only: the SciFact corpus and its *train* split queries/qrels
# (never a test split). Settings were chosen on held-out train queries
# (docs/RESULTS.md "## Student encoder"). About 3-4 minutes on 2 cores.
#   SPARROW_DATA  data root (default ../shared/data relative to the repo)
#   OUT           output model directory (default models/default)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${SPARROW_DATA:-../shared/data}
out=${OUT:-models/default}
glove=$(bash scripts/fetch-glove.sh)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go run ./cmd/indexer train --corpus "$data/beir/scifact" --train-split train \
  --teachers bm25wp --contrastive 1 --epochs 4 --hidden 32 --lambda 0.01 --flops idf --seed 1 \
  --glove "$glove" --out "$tmp/model"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
cp -r "$tmp/model" "$out"
echo "wrote $out"
