#!/usr/bin/env bash
# Served-index memory: RSS of searchd under search load against the index's
# bytes on disk, and the build's peak RSS (issue 12: "served 8.8M index RSS
# <= 1.5x its bytes on disk").
#
#   server/testdata/served.sh N WORK
#
# Generates N synthetic pre-encoded documents (bench/cmd/synvec: ~150
# WordPiece tokens each, Zipf 1.1), builds them with `indexer build
# --vectors`, starts searchd, drives search load with wrk (two runs of DUR,
# CONNS connections, bodies of 8 random vocabulary words, k 10) and prints
# disk bytes, the build's wall time and peak RSS, and searchd's RSS, VmHWM,
# anonymous and file-backed memory and Go heap after each run, then one
# summary line ("served: ...") to paste.
#
# Needs bash, wrk, curl and GNU coreutils; no Go toolchain when BIN is given.
# Environment:
#   BIN      directory holding static indexer, searchd and synvec binaries
#            (default: built into WORK/bin with CGO_ENABLED=0 go build)
#   VOCAB    vocabulary of the generator (default models/default/vocab.txt)
#   DUR      each of the two load runs (default 30s); CONNS (4), THREADS (1)
#   PORT     searchd's port (default 18390); its pprof listens on PORT+1
#   NICE     niceness of the generator and the build (default 10)
#   BUILD_FLAGS  more flags for indexer build, e.g. "--max-segment-docs 262144"
#   KEEP     1 keeps WORK/syn.jsonl (N=8.8M: ~20 GB) and WORK/data; default:
#            the JSONL is deleted after the build, the index at the end
#   GOGC, GOMEMLIMIT pass through to the build and searchd as usual.
# An existing WORK/data/syn built from N documents is reused (REBUILD=1 to
# build it again); WORK/syn.jsonl of N documents too. For a long run (8.8M:
# the build alone takes tens of minutes) start it with nohup and poll.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -eq 2 ] || { echo "usage: $0 N WORK" >&2; exit 2; }
N=$1; WORK=$(mkdir -p "$2" && cd "$2" && pwd)
VOCAB=${VOCAB:-models/default/vocab.txt}
DUR=${DUR:-30s}; CONNS=${CONNS:-4}; THREADS=${THREADS:-1}
PORT=${PORT:-18390}; NICE=${NICE:-10}
ADDR=127.0.0.1:$PORT; PPROF=127.0.0.1:$((PORT + 1))
for c in wrk curl; do command -v $c >/dev/null || { echo "$c not installed" >&2; exit 1; }; done
if [ -z "${BIN:-}" ]; then
  BIN=$WORK/bin
  CGO_ENABLED=0 go build -o "$BIN/" ./cmd/indexer ./cmd/searchd ./bench/cmd/synvec
fi
gb() { awk -v b="$1" 'BEGIN{printf "%.3f", b / 1e9}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }

# peak_of OUT CMD...: runs CMD; writes "PEAK_RSS PEAK_ANON" in bytes to OUT.
# The peak RSS is GNU time's when installed, else VmHWM polled (it only
# grows); the anonymous peak is polled from smaps_rollup every 0.5 s (RSS
# also counts the page cache Badger maps, which the kernel can reclaim).
peak_of() {
  local out=$1; shift
  local pid hwm=0 anon=0 v a p
  if [ -x /usr/bin/time ]; then /usr/bin/time -f %M -o "$out.kb" "$@" & else "$@" & fi
  pid=$!
  while kill -0 $pid 2>/dev/null; do
    for p in $pid $(pgrep -P $pid 2>/dev/null); do # the command under time and nice
      v=$(awk '/^VmHWM/{print $2}' /proc/$p/status 2>/dev/null || true)
      a=$(awk '/^Anonymous/{print $2}' /proc/$p/smaps_rollup 2>/dev/null || true)
      [ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
      [ -n "$a" ] && [ "$a" -gt "$anon" ] && anon=$a
    done
    sleep 0.5
  done
  local rc=0
  wait $pid || rc=$?
  if [ -s "$out.kb" ]; then hwm=$(tail -1 "$out.kb"); fi
  echo "$((hwm * 1024)) $((anon * 1024))" > "$out"
  return $rc
}

if [ "${REBUILD:-0}" = 1 ] || [ "$(cat "$WORK/built" 2>/dev/null)" != "$N" ]; then
  if [ ! -s "$WORK/syn.jsonl" ] || [ "$(cat "$WORK/syn.n" 2>/dev/null)" != "$N" ]; then
    echo "generating $N documents..."
    rm -rf "$WORK/data" # built from another corpus
    nice -n "$NICE" "$BIN/synvec" -n "$N" -vocab "$VOCAB" > "$WORK/syn.jsonl"
    echo "$N" > "$WORK/syn.n"
  fi
  # An interrupted build (a time limit, a kill) resumes where it stopped
  # (indexer build's own resume); its peak and wall time then cover only
  # the last run, which the output says.
  [ "${REBUILD:-0}" = 1 ] && rm -rf "$WORK/data"
  rm -f "$WORK/built"
  echo "building (indexer build --vectors)..."
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086 # BUILD_FLAGS is a list of flags
  peak_of "$WORK/build.peak" nice -n "$NICE" "$BIN/indexer" build --vectors "$WORK/syn.jsonl" --index "$WORK/data/syn" --quiet ${BUILD_FLAGS:-} \
    2> "$WORK/build.log" || { tail -20 "$WORK/build.log" >&2; exit 1; }
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.0f", b - a}' > "$WORK/build.wall"
  echo "$N" > "$WORK/built"
  [ "${KEEP:-0}" = 1 ] || rm -f "$WORK/syn.jsonl" "$WORK/syn.n"
fi
DISK=$(du -sb "$WORK/data" | cut -f1)
read -r BUILD_PEAK BUILD_ANON < "$WORK/build.peak"; BUILD_WALL=$(cat "$WORK/build.wall")
grep -h "resumed" "$WORK/build.log" 2>/dev/null || true
echo "index: $(gb "$DISK") GB on disk (du -sb); build: ${BUILD_WALL} s wall, peak RSS $(gb "$BUILD_PEAK") GB ($(ratio "$BUILD_PEAK" "$DISK")x disk), peak anonymous $(gb "$BUILD_ANON") GB"

"$BIN/synvec" -queries 2000 -vocab "$VOCAB" > "$WORK/bodies.ndjson"
cat > "$WORK/search.lua" <<LUA
local bodies = {}
for line in io.lines("$WORK/bodies.ndjson") do bodies[#bodies + 1] = line end
local i = math.random(#bodies)
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/v1/indexes/syn/search", {["Content-Type"] = "application/json"}, bodies[i])
end
LUA
t0=$(date +%s.%N)
"$BIN/searchd" --data "$WORK/data" --addr "$ADDR" --pprof "$PPROF" 2> "$WORK/searchd.log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK/data" "$WORK/built"' EXIT
until curl -sf "http://$ADDR/healthz" >/dev/null; do
  kill -0 $PID 2>/dev/null || { cat "$WORK/searchd.log" >&2; exit 1; }
  sleep 0.1
done
OPEN=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')

# mem: RSS HWM ANON FILE HEAPINUSE in bytes
mem() {
  local rss hwm anon file heap
  rss=$(awk '/^VmRSS/{print $2 * 1024}' /proc/$PID/status)
  hwm=$(awk '/^VmHWM/{print $2 * 1024}' /proc/$PID/status)
  anon=$(awk '/^Anonymous/{print $2 * 1024}' /proc/$PID/smaps_rollup)
  file=$(awk '/^Rss/{r = $2} /^Anonymous/{a = $2} END{print (r - a) * 1024}' /proc/$PID/smaps_rollup)
  heap=$(curl -s "http://$PPROF/debug/pprof/heap?debug=1" | awk '/^# HeapInuse/{print $4}')
  echo "$rss $hwm $anon $file ${heap:-0}"
}
show() { # LABEL RSS HWM ANON FILE HEAP
  echo "$1: RSS $(gb "$2") GB = $(ratio "$2" "$DISK")x disk, VmHWM $(gb "$3") GB = $(ratio "$3" "$DISK")x; anonymous $(gb "$4"), file-backed $(gb "$5"), Go heap in use $(gb "$6")"
}
read -r -a M0 <<< "$(mem)"
show "searchd open (${OPEN} s)" "${M0[@]}"
QPS=(); P99=()
for run in 1 2; do
  wrk -t"$THREADS" -c"$CONNS" -d"$DUR" --latency -s "$WORK/search.lua" "http://$ADDR" > "$WORK/wrk$run.out"
  QPS+=("$(awk '/^Requests\/sec/{printf "%.0f", $2}' "$WORK/wrk$run.out")")
  P99+=("$(awk '$1 == "99%"{print $2}' "$WORK/wrk$run.out")")
  grep -q "Non-2xx" "$WORK/wrk$run.out" && { echo "errors in load run $run:" >&2; cat "$WORK/wrk$run.out" >&2; exit 1; }
  read -r -a M <<< "$(mem)"
  show "after load run $run ($DUR, $CONNS connections: ${QPS[-1]} QPS, p99 ${P99[-1]})" "${M[@]}"
done
echo "served: N=$N disk=$(gb "$DISK")GB build=${BUILD_WALL}s build_peak_rss=$(gb "$BUILD_PEAK")GB build_peak_anon=$(gb "$BUILD_ANON")GB" \
  "open_rss=$(gb "${M0[0]}")GB rss=$(gb "${M[0]}")GB ($(ratio "${M[0]}" "$DISK")x) hwm=$(gb "${M[1]}")GB ($(ratio "${M[1]}" "$DISK")x)" \
  "anon=$(gb "${M[2]}")GB file=$(gb "${M[3]}")GB heap_inuse=$(gb "${M[4]}")GB qps=${QPS[0]},${QPS[1]} p99=${P99[0]},${P99[1]}" \
  "cores=$(nproc) mem=$(awk '/^MemTotal/{printf "%.0fGiB", $2 / 1048576}' /proc/meminfo)"
