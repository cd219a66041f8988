#!/bin/bash
# Round 9: term impact decomposition (split) vs main (62beecc), alternated, same session.
cd /work/wt-engine
O=/tmp/eng9/r9
one() { # build variant tag
  local build=$1 v=$2 tag=$3 bin seg
  bin=/tmp/eng9/b0-$build; seg=/tmp/eng/seg1m.bin
  if [ $v = split ]; then bin=/tmp/eng9/b1-$build; seg=/tmp/eng9/seg1m-t64-8.bin; fi
  echo "== 1M $build $v $tag $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  nice -n 10 $bin --docs 1000000 --queries 500 --bleve-docs 0 --reps 3 --k 10 --check-k 100,1000 \
    --mixes heavy,light,uniform,long --algorithms exhaustive,planner --segment-cache $seg \
    --json $O/syn1m-$build-$v-$tag.json 2>&1 | grep "k=10\|bytes/posting"
}
one simd base r1; one simd split r1; one simd base r2; one simd split r2
one port base r1; one port split r1
for r in r1 r2; do
for v in base split; do
  bin=/tmp/eng9/b0-simd; [ $v = split ] && bin=/tmp/eng9/b1-simd
  echo "== real1m simd $v $r $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  nice -n 10 $bin --beir ../shared/data/beir --real-cache /tmp/eng/real.gob --replicate-to 1000000 --queries 500 \
    --bleve-docs 0 --reps 3 --k 10 --check-k 100,1000 --algorithms exhaustive,planner --json $O/real1m-simd-$v-$r.json 2>&1 | grep "k=10\|bytes/posting"
done
done
echo "== done $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
