#!/usr/bin/env bash
# Installs what the test suite needs that Go modules do not bring:
# the ONNX Runtime library (npm onnxruntime-node) for the ONNX encoder tests and
# Debian's Chromium for the search-page browser test, and the official
# OpenSearch JavaScript client (npm) for the OpenSearch-dialect test. Each step is idempotent.
# A step that cannot run (no npm, no apt) only warns: the tests that need it
# skip with a message naming the missing piece.
set -euo pipefail
cd "$(dirname "$0")/.."
go mod download
bash scripts/fetch-onnxruntime.sh || echo "deps: ONNX Runtime not fetched; ONNX golden tests will skip" >&2
bash scripts/install-chromium.sh || echo "deps: Chromium not installed; the browser test will skip" >&2
bash scripts/fetch-opensearch-js.sh || echo "deps: OpenSearch JavaScript client not fetched; the OpenSearch client test will skip" >&2
