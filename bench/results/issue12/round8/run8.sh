#!/bin/bash
# Round 8 final measurements: base (72c0fbc, main) vs final (d8d90a9), both builds, back to back.
cd /work/wt-engine
O=/tmp/eng8/r8
B=/tmp/eng
for build in simd port; do
  for v in base final; do
    bin=/tmp/eng8/b0-$build; [ $v = final ] && bin=/tmp/eng8/b2-$build
    echo "== 1M $build $v $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    nice -n 10 $bin --docs 1000000 --queries 500 --bleve-docs 0 --reps 3 --k 10 --check-k 100,1000 \
      --mixes heavy,light,uniform,long --algorithms exhaustive,planner --segment-cache $B/seg1m.bin \
      --json $O/syn1m-$build-$v.json 2>&1 | grep "planner"
  done
done
for build in simd port; do
  for v in base final; do
    bin=/tmp/eng8/b0-$build; [ $v = final ] && bin=/tmp/eng8/b2-$build
    echo "== 20k $build $v $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    nice -n 10 $bin --docs 20000 --queries 500 --bleve-docs 0 --reps 3 --k 10 --check-k 100,1000 \
      --mixes light,uniform,heavy,long --algorithms exhaustive,planner --segment-cache /tmp/eng6/seg20k.bin --json $O/syn20k-$build-$v.json 2>&1 | grep "planner"
    echo "== 100k $build $v $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    nice -n 10 $bin --docs 100000 --queries 500 --bleve-docs 0 --reps 3 --k 10 --check-k 100,1000 \
      --mixes light,uniform,heavy,long --algorithms exhaustive,planner --segment-cache $B/seg100k.bin --json $O/syn100k-$build-$v-r3.json 2>&1 | grep "planner"
  done
done
for r in 1 2; do
for build in port simd; do
  for v in base final; do
    bin=/tmp/eng8/b0-$build; [ $v = final ] && bin=/tmp/eng8/b2-$build
    echo "== scifact r$r $build $v $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    nice -n 10 $bin --beir ../shared/data/beir/scifact --collection /tmp/eng/lt-eng/data/scifact --queries 1109 \
      --bleve-docs 0 --reps 5 --k 10 --check-k 100,1000 --algorithms exhaustive,planner --json $O/scifact-$build-$v-r$r.json 2>&1 | grep "planner"
  done
done
done
for v in base final; do
  bin=/tmp/eng8/b0-simd; [ $v = final ] && bin=/tmp/eng8/b2-simd
  echo "== topical simd $v $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  nice -n 10 $bin --docs 1000000 --topics 1000 --reorder bp --queries 300 --bleve-docs 0 --reps 3 \
    --k 10 --check-k 100,1000 --mixes topical,light,heavy --algorithms exhaustive,planner \
    --segment-cache $B/segt1m.bin --json $O/topical-simd-$v.json 2>&1 | grep "planner"
done
echo "== done $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
