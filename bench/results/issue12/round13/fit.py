import json,itertools
N=1e6
# Replays round 13's per-query times (planner before the large-view dense
# rule, DenseMaxScore, exhaustive; fastest of 3) under rules "dense when
# P >= x N and T >= t": mean us and queries > 10% slower than exhaustive.
res={}
for b,name in [('g64-simd','simd'),('g64-port','portable')]:
  for src,mixes in [('real1m',['real']),('syn1m',['long','heavy'])]:
    d=json.load(open(f'perquery-{src}-{name}.json'))
    for mix in mixes:
      res[(b,mix)]=d
def ev(d,mix,k,x,tmin):
  suf='' if k==10 else f'@{k}'
  P=d[f'{mix}/_postings']; T=d[f'{mix}/_terms']
  pl=d[f'{mix}/planner{suf}']; dm=d[f'{mix}/densemaxscore{suf}']; ex=d[f'{mix}/exhaustive{suf}']
  n=len(P)
  t=[dm[i] if (P[i]>=x*N and T[i]>=tmin) else pl[i] for i in range(n)]
  sl=sum(t[i]>1.1*ex[i] for i in range(n))
  return sum(t)/n, sl, sorted(t)[int(0.99*n)]
rules=[(99,0)]+[(x,t) for x in [1.5,2.0,2.5,3.0] for t in [0,12,16,20]]
for k in [10,100,1000]:
  print('k=',k)
  for x,t in rules:
    row=[]
    for (b,mix),d in res.items():
      m,sl,p99=ev(d,mix,k,x,t)
      row.append('%s/%s %.0f(%d)'%(b[4:],mix,m,sl))
    print('  x=%.1f T>=%2d '%(x,t)+' '.join(row))
