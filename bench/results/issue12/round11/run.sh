#!/bin/bash
# round 11 measurements: main (c469059) vs lead, alternated
cd /tmp
F="--bleve-docs 0 --reps 3 --algorithms exhaustive,planner"
for i in 1 2; do
for v in main lead; do
  echo "== $v 1M simd k10,100,1000 run $i $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  /tmp/bench-$v --docs 1000000 --queries 500 --k 10,100,1000 --check-k 100,1000 --mixes heavy,light,uniform,long $F --segment-cache /tmp/seg1m.bin --json /tmp/r11/syn1m-simd-$v-$i.json > /dev/null 2>&1
done
done
for v in main-portable lead-portable; do
  echo "== $v 1M portable k10 $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  /tmp/bench-$v --docs 1000000 --queries 500 --k 10 --check-k 100,1000 --mixes heavy,light,uniform,long $F --segment-cache /tmp/seg1m.bin --json /tmp/r11/syn1m-portable-$v.json > /dev/null 2>&1
done
for v in main lead; do
  echo "== $v 100k/20k simd $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  /tmp/bench-$v --docs 100000 --queries 500 --k 10,100,1000 --mixes light,uniform,heavy,long $F --segment-cache /tmp/seg100k.bin --json /tmp/r11/syn100k-simd-$v.json > /dev/null 2>&1
  /tmp/bench-$v --docs 20000 --queries 500 --k 10,100,1000 --mixes light,uniform,heavy,long $F --json /tmp/r11/syn20k-simd-$v.json > /dev/null 2>&1
done
for i in 1 2; do for v in main lead; do
  echo "== $v scifact simd $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  /tmp/bench-$v --beir /work/shared/data/beir/scifact --collection /tmp/lt6/data/scifact --reps 5 --k 10,100,1000 $F --json /tmp/r11/scifact-simd-$v-$i.json > /dev/null 2>&1
done; done
echo "== done $(date +%T)"
