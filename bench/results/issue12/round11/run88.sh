#!/bin/bash
cd /tmp
echo "== 8.8M $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
/usr/bin/time -v /tmp/bench-lead --docs 8800000 --queries 300 --bleve-docs 0 --reps 3 --k 10 --mixes heavy \
  --algorithms exhaustive,planner,sparse,wmaxscore --per-query /tmp/r11/pq88.json --json /tmp/r11/syn88m-simd-algs.json 2>&1 | grep "^built\|k=10\|Maximum resident\|Elapsed"
echo "== done $(date +%T)"
