#!/bin/bash
cd /tmp
F="--bleve-docs 0 --reps 3 --algorithms exhaustive,planner"
for i in 1 2; do
  echo "== lead 1M simd run $i $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  /tmp/bench-lead --docs 1000000 --queries 500 --k 10,100,1000 --check-k 100,1000 --mixes heavy,light,uniform,long $F --segment-cache /tmp/seg1m.bin --json /tmp/r11/final-syn1m-simd-$i.json > /dev/null 2>&1
done
echo "== lead 1M portable $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
/tmp/bench-lead-portable --docs 1000000 --queries 500 --k 10,100,1000 --check-k 100,1000 --mixes heavy,light,uniform,long $F --segment-cache /tmp/seg1m.bin --json /tmp/r11/final-syn1m-portable.json > /dev/null 2>&1
echo "== lead 100k/20k $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
/tmp/bench-lead --docs 100000 --queries 500 --k 10,100,1000 --mixes light,uniform,heavy,long $F --segment-cache /tmp/seg100k.bin --json /tmp/r11/final-syn100k-simd.json > /dev/null 2>&1
/tmp/bench-lead --docs 20000 --queries 500 --k 10,100,1000 --mixes light,uniform,heavy,long $F --json /tmp/r11/final-syn20k-simd.json > /dev/null 2>&1
for i in 1 2; do
  echo "== lead scifact $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  /tmp/bench-lead --beir /work/shared/data/beir/scifact --collection /tmp/lt6/data/scifact --reps 5 --k 10,100,1000 $F --json /tmp/r11/final-scifact-simd-$i.json > /dev/null 2>&1
done
echo "== done $(date +%T)"
