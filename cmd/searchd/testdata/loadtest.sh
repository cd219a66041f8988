#!/usr/bin/env bash
# Load test of POST /v1/indexes/scifact/search with wrk (Debian package wrk,
# scripts/install-chromium.sh installs it). Builds the SciFact index with the
# default model, starts searchd, replays the SciFact queries round-robin.
#   cmd/searchd/testdata/loadtest.sh [DURATION=20s] [CONNECTIONS=32] [THREADS=2] [MODE=sparse]
set -euo pipefail
cd "$(dirname "$0")/../../.."
DUR=${1:-20s}; CONNS=${2:-32}; THREADS=${3:-2}; MODE=${4:-sparse}
DATA=${SCIFACT:-../shared/data/beir/scifact}
WORK=${WORK:-$(mktemp -d)}
ADDR=127.0.0.1:${PORT:-18181}
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install -y wrk)"; exit 1; }
[ -f "$DATA/corpus.jsonl" ] || { echo "SciFact not found at $DATA"; exit 1; }
go build -o "$WORK/searchd" ./cmd/searchd
go build -o "$WORK/indexer" ./cmd/indexer
[ -d "$WORK/data/scifact" ] || "$WORK/indexer" build --corpus "$DATA" --index "$WORK/data/scifact" --quiet
python3 - "$DATA/queries.jsonl" "$MODE" > "$WORK/bodies.ndjson" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    q = json.loads(line)
    print(json.dumps({"query": q["text"], "k": 10, "mode": sys.argv[2]}))
PY
cat > "$WORK/search.lua" <<LUA
local bodies = {}
for line in io.lines("$WORK/bodies.ndjson") do bodies[#bodies + 1] = line end
local i = math.random(#bodies)
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/v1/indexes/scifact/search", {["Content-Type"] = "application/json"}, bodies[i])
end
LUA
"$WORK/searchd" --data "$WORK/data" --addr "$ADDR" 2> "$WORK/searchd.log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://$ADDR/healthz" >/dev/null && break; sleep 0.1; done
echo "queries: $(wc -l < "$WORK/bodies.ndjson") SciFact queries, mode=$MODE, k=10"
wrk -t"$THREADS" -c"$CONNS" -d5s -s "$WORK/search.lua" "http://$ADDR" > /dev/null  # warm-up
wrk -t"$THREADS" -c"$CONNS" -d"$DUR" --latency -s "$WORK/search.lua" "http://$ADDR"
curl -s "http://$ADDR/metrics" | grep -E '^sparrow_http_requests_total.*search.*"200"' || true
