#!/usr/bin/env bash
# Load test of POST /v1/indexes/scifact/search with wrk (Debian package wrk,
# scripts/install-chromium.sh installs it). Builds the SciFact index with the
# default model, starts searchd, replays the SciFact queries round-robin, and
# reports wrk's numbers plus the CPU that searchd, wrk and everything else on
# the machine used during the measured run (the machine may be shared).
#   server/testdata/loadtest.sh [DURATION=20s] [CONNECTIONS=32] [THREADS=1] [MODE=sparse]
# Environment: SCIFACT (dataset dir), WORK (build/index dir, reused when
# set), PORT, PIN="SEARCHD_CPUS:WRK_CPUS" (taskset lists, e.g. PIN=1:0),
# ENDPOINT=healthz (GET /healthz instead of search: the HTTP layer alone),
# SEARCHD_FLAGS (more searchd flags, e.g. "--result-cache 0": every query
# through analysis and the engine; by default the replayed queries are
# answered from the result cache after the warm-up).
# searchd is built with GOEXPERIMENT=simd (the engine's AVX-512 kernels,
# with portable fallbacks at run time) when the toolchain supports it.
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${1:-20s}; CONNS=${2:-32}; THREADS=${3:-1}; MODE=${4:-sparse}
DATA=${SCIFACT:-../shared/data/beir/scifact}
WORK=${WORK:-$(mktemp -d)}
ADDR=127.0.0.1:${PORT:-18181}
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install -y wrk)"; exit 1; }
[ -f "$DATA/corpus.jsonl" ] || { echo "SciFact not found at $DATA"; exit 1; }
SIMD=simd
GOEXPERIMENT=simd go build -o "$WORK/searchd" ./cmd/searchd 2>/dev/null || { SIMD=portable; go build -o "$WORK/searchd" ./cmd/searchd; }
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
SPIN=(); WPIN=()
if [ -n "${PIN:-}" ]; then SPIN=(taskset -c "${PIN%%:*}"); WPIN=(taskset -c "${PIN##*:}"); fi
SCRIPT=(-s "$WORK/search.lua"); URL="http://$ADDR"
if [ "${ENDPOINT:-search}" = healthz ]; then SCRIPT=(); URL="http://$ADDR/healthz"; fi
# shellcheck disable=SC2086 # SEARCHD_FLAGS is a list of flags
"${SPIN[@]}" "$WORK/searchd" --data "$WORK/data" --addr "$ADDR" ${SEARCHD_FLAGS:-} 2> "$WORK/searchd.log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://$ADDR/healthz" >/dev/null && break; sleep 0.1; done
echo "queries: $(wc -l < "$WORK/bodies.ndjson") SciFact queries, mode=$MODE, k=10; searchd build: $SIMD; flags: ${SEARCHD_FLAGS:-none}; pin: ${PIN:-none}; $(nproc) cores"
"${WPIN[@]}" wrk -t"$THREADS" -c"$CONNS" -d5s "${SCRIPT[@]}" "$URL" > /dev/null  # warm-up
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }     # jiffies, all cores
proc() { local a; read -r -a a < "/proc/$1/stat" && echo $((a[13] + a[14])); }  # jiffies of one process
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
b0=$(busy); s0=$(proc $PID)
"${WPIN[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$DUR" --latency "${SCRIPT[@]}" "$URL" > "$WORK/wrk.out" &
WRK=$!
w=0
while kill -0 $WRK 2>/dev/null; do w=$(proc $WRK 2>/dev/null || echo $w); sleep 0.2; done
wait $WRK
b1=$(busy); s1=$(proc $PID)
cat "$WORK/wrk.out"
reqs=$(grep -oP '^\s+\K\d+(?= requests in)' "$WORK/wrk.out")
hz=$(getconf CLK_TCK)
python3 - "$reqs" "$((s1 - s0))" "$w" "$((b1 - b0))" "$hz" "${DUR%s}" <<'PY'
import sys
reqs, sd, wrk, busy, hz, secs = (float(x) for x in sys.argv[1:])
others = max(busy - sd - wrk, 0)
print(f"CPU during the run: searchd {sd/hz/secs*100:.0f}%, wrk {wrk/hz/secs*100:.0f}%, "
      f"other processes {others/hz/secs*100:.0f}% (of {int(100*__import__('os').cpu_count())}%)")
print(f"searchd CPU-µs per request: {sd/hz/reqs*1e6:.1f}; wrk CPU-µs per request: {wrk/hz/reqs*1e6:.1f}")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
curl -s "http://$ADDR/metrics" | grep -E '^sparrow_(http_requests_total\{.*search|result_cache)' || true
