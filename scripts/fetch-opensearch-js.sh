#!/usr/bin/env bash
# Installs the official OpenSearch JavaScript client (npm
# @opensearch-project/opensearch, pinned by opensearch/testdata/client's
# package-lock.json) into .cache/opensearch-js, for the test that drives
# searchd's OpenSearch dialect with it (opensearch/client_test.go).
# Idempotent: does nothing when the same lock file is installed already.
set -euo pipefail
cd "$(dirname "$0")/.."

src=opensearch/testdata/client
dest=.cache/opensearch-js
command -v npm >/dev/null || {
	echo "fetch-opensearch-js: npm is required (apt-get install npm)" >&2
	exit 1
}
if [[ -d "$dest/node_modules/@opensearch-project/opensearch" ]] && cmp -s "$src/package-lock.json" "$dest/package-lock.json"; then
	exit 0
fi
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
(cd "$dest" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
echo "fetch-opensearch-js: $dest/node_modules/@opensearch-project/opensearch"
