#!/usr/bin/env bash
# Train the bundled default model (models/default, embedded by package models)
# on visible data only: the SciFact corpus and its *train* split queries/qrels
# (never a test split). In-domain settings were chosen on held-out train
# queries (docs/RESULTS.md "## Student encoder"); the generalisation settings
# on leave-one-collection-out validation (SciFact-trained -> NFCorpus-pp dev,
# NFCorpus-trained -> SciFact train; docs/RESULTS.md "## Default model:
# generalisation"):
#   --no-bias         no per-token gate bias (it memorises SciFact's vocabulary)
#   --idf-corpora     idf.json from the *documents* (corpus.jsonl only) of every
#                     visible collection, with max idf for tokens in none of
#                     them, so query words SciFact lacks are not dropped
#   --gate-shift 0.3  w = bm25tf*(0.3 + ReLU(1+s)): no document token is zeroed
#                     on a collection the gate was not trained for
#   --conflate porter a document word's Porter-stem siblings in the vocabulary
#                     (flow/flows/flowing) share its pooled weight, so a query
#                     word matches its variants (docs/RESULTS.md, "Conflation")
# About 4-8 minutes on 2 shared cores.
#   SPARROW_DATA  data root (default ../shared/data relative to the repo)
#   OUT           output model directory (default models/default)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${SPARROW_DATA:-../shared/data}
out=${OUT:-models/default}
glove=$(bash scripts/fetch-glove.sh)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
b="$data/beir"
go run ./cmd/indexer train --corpus "$b/scifact" --train-split train \
  --teachers bm25wp --contrastive 1 --epochs 4 --hidden 32 --lambda 0.01 --flops idf --seed 1 \
  --no-bias --idf-corpora "$b/nfcorpus-pp,$b/cranfield,$b/cacm,$b/adi" --idf-prior max --gate-shift 0.3 --conflate porter \
  --glove "$glove" --out "$tmp/model"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
cp -r "$tmp/model" "$out"
echo "wrote $out"
