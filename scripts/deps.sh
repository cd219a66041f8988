#!/usr/bin/env bash
# Installs what the test suite needs that Go modules do not bring.
# Each step is idempotent and safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
go mod download
