#!/bin/bash
O=/tmp/bp/r88
for v in staged base; do
  bin=/tmp/bp/bench-old-simd; [ $v = staged ] && bin=/tmp/bp/bench-new-simd
  echo "== 8.8M simd $v $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) free $(free -g | awk '/Mem/{print $7}') GB"
  /usr/bin/time -v nice -n 10 $bin --docs 8800000 --queries 300 --bleve-docs 0 --reps 3 --k 10 --mixes heavy \
    --algorithms exhaustive,planner --json $O/syn88m-simd-$v.json 2>&1 | grep "^built\|k=10\|bytes/posting\|Maximum resident\|Elapsed"
done
echo "== done $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
