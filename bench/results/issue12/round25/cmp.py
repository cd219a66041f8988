#!/usr/bin/env python3
"""Round 25's validation tables from the JSON here: per mix, main (m) and the
SparseEssential rule (e), SIMD, two runs each; queries 0-499 chose the share
(in), 500-999 did not (held). Each query's time is its fastest over both runs;
'slow' counts queries above exhaustive's fastest."""
import json, os
here = os.path.dirname(os.path.abspath(__file__))
def load(kind, b, rep):
    pq = json.load(open(os.path.join(here, f'val-{kind}-{b}-{rep}-perquery.json')))
    summ = json.load(open(os.path.join(here, f'val-{kind}-{b}-{rep}.json')))
    return pq, summ
for kind in ['vr', 'vs']:
    runs = {b: [load(kind, b, r) for r in (1, 2)] for b in ('m', 'e')}
    for mix in sorted(set(k.split('/')[0] for k in runs['m'][0][0])):
        print(mix)
        for b, R in runs.items():
            cells = []
            for half, (lo, hi) in [('in', (0, 500)), ('held', (500, 1000))]:
                pl = [min(r[0][mix + '/planner'][i] for r in R) for i in range(lo, hi)]
                ex = [min(r[0][mix + '/exhaustive'][i] for r in R) for i in range(lo, hi)]
                cells.append(f'{half}: mean {sum(pl)/len(pl):7.1f} slow {sum(p > e for p, e in zip(pl, ex)):3d}')
            m = [r[1]['mixes'][mix] for r in R]
            paired = [x['queries_slower_than_exhaustive_paired']['planner'] for x in m]
            print(f'  {b}', ' | '.join(cells), '| paired', paired, '| plans', m[0]['plans'])
