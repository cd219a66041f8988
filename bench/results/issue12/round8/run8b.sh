#!/bin/bash
# Round 8 reruns: 20k long and 100k light/uniform (both builds), topical light (SIMD); base vs final alternated.
cd /work/wt-engine
O=/tmp/eng8/r8
for build in simd port; do
  for v in base final; do
    bin=/tmp/eng8/b0-$build; [ $v = final ] && bin=/tmp/eng8/b2-$build
    echo "== 20k long $build $v $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    nice -n 10 $bin --docs 20000 --queries 500 --bleve-docs 0 --reps 3 --k 10 --check-k 100,1000 \
      --mixes long --algorithms exhaustive,planner --segment-cache /tmp/eng6/seg20k.bin --json $O/syn20k-long-$build-$v-r2.json 2>&1 | grep "planner"
    echo "== 100k light,uniform $build $v $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    nice -n 10 $bin --docs 100000 --queries 500 --bleve-docs 0 --reps 3 --k 10 --check-k 100,1000 \
      --mixes light,uniform --algorithms exhaustive,planner --segment-cache /tmp/eng/seg100k.bin --json $O/syn100k-lu-$build-$v-r4.json 2>&1 | grep "planner"
  done
done
for v in final base; do
  bin=/tmp/eng8/b0-simd; [ $v = final ] && bin=/tmp/eng8/b2-simd
  echo "== topical light simd $v $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  nice -n 10 $bin --docs 1000000 --topics 1000 --reorder bp --queries 300 --bleve-docs 0 --reps 3 \
    --k 10 --check-k 100,1000 --mixes light --algorithms exhaustive,planner \
    --segment-cache /tmp/eng/segt1m.bin --json $O/topical-light-simd-$v-r2.json 2>&1 | grep "planner"
done
echo "== done $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
