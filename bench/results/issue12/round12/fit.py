#!/usr/bin/env python3
"""Round 12's fit of the planner's k-aware sparse crossover (issue 12).

Reads the per-query thread CPU times of the 1M synthetic mixes (seed 1,
`bench --per-query`, algorithms exhaustive, sparse, wmaxscore) at k = 10,
100 and 1000 in both builds, and for each candidate rule counts the queries
whose chosen plan (sparse below the crossover, else windowed) is slower than
exhaustive, and the plans' mean relative to exhaustive's. The rule:

    sparse when P < N/8 * (1 + ((k/10)^e - 1) * max(0, 1 - T/T0)) + 12,000

(N = 1M, so the sqrt(N) cap is N/8; T the query's terms). The grid's best
is e = 0.4, T0 = 40; the default is e = 0.2 because e = 0.4 cost the real 1M
mix, which is not in this fit (docs/BENCHMARKS.md, round 12). Run from this
directory: python3 fit.py
"""
import json

SETS = [
    ("portable", "perquery-fit-portable-k10.json", 10),
    ("simd", "perquery-fit-simd-k10.json", 10),
    ("portable", "perquery-fit-portable-k100.json", 100),
    ("simd", "perquery-fit-simd-k100-k1000.json", 100),
    ("portable", "perquery-fit-portable-k1000.json", 1000),
    ("simd", "perquery-fit-simd-k100-k1000.json", 1000),
]
N = 1e6


def load():
    data = []
    for build, path, k in SETS:
        pq = json.load(open(path))
        suf = "" if k == 10 else f"@{k}"
        for mix in ("heavy", "long", "light", "uniform"):
            key = f"{mix}/exhaustive{suf}"
            if key in pq:
                data.append((build, mix, k, pq[key], pq[f"{mix}/sparse{suf}"],
                             pq[f"{mix}/wmaxscore{suf}"], pq[f"{mix}/_postings"], pq[f"{mix}/_terms"]))
    return data


def evaluate(data, e, t0):
    slower, rel = 0, 0.0
    for _, _, k, ex, sp, wm, P, T in data:
        ch = []
        for i in range(len(ex)):
            g = 1.0 if k <= 10 else 1 + ((k / 10) ** e - 1) * max(0.0, 1 - T[i] / t0)
            ch.append(sp[i] if P[i] < N / 8 * g + 12000 else wm[i])
        slower += sum(c > x for c, x in zip(ch, ex))
        rel += (sum(ch) / len(ch)) / (sum(ex) / len(ex))
    return slower, rel


def main():
    data = load()
    rows = []
    for e in (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6):
        for t0 in (1e9, 60, 40, 30, 25, 20, 15):
            s, r = evaluate(data, e, t0)
            rows.append((s, r, e, t0))
    rows.sort()
    print("slower  sum(mean/exhaustive)  e  T0")
    for s, r, e, t0 in rows[:10]:
        print(f"{s:6d}  {r:8.3f}  {e:4.2f}  {t0:g}")
    for e, t0 in ((0.0, 1e9), (0.3, 1e9), (0.4, 40), (0.2, 40)):
        s, r = evaluate(data, e, t0)
        print(f"e={e} T0={t0:g}: {s} slower, {r:.3f}")


if __name__ == "__main__":
    main()
