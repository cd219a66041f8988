import json,sys,collections
pre,mix=sys.argv[1],sys.argv[2]; vs=sys.argv[3:]
def L(v):
  out=[]
  for r in (1,2,3,4):
    try: out.append((json.load(open(f'{pre}-{v}-{r}-pq.json')),json.load(open(f'{pre}-{v}-{r}.json'))))
    except FileNotFoundError: pass
  return out
D={v:L(v) for v in vs}
n=len(D[vs[0]][0][0][mix+'/planner'])
ex=[min(r[0][mix+'/exhaustive'][i] for v in vs for r in D[v]) for i in range(n)]
base=[min(r[0][mix+'/planner'][i] for r in D[vs[0]]) for i in range(n)]
plan=[([k.split('/')[-1] for k in D[vs[0]][0][0] if k.startswith(mix+'/_plan/') and D[vs[0]][0][0][k][i]>0] or ['none'])[0] for i in range(n)]
for v in vs:
  R=D[v]
  pl=[min(r[0][mix+'/planner'][i] for r in R) for i in range(n)]
  m=[r[1]['mixes'][mix] for r in R]
  agg=collections.defaultdict(float)
  for i in range(n): agg[plan[i]]+=pl[i]
  print(f"{v:6s} mean {sum(pl)/n:7.1f} (ex {sum(ex)/n:7.1f}) slow-vs-minex {sum(p>e for p,e in zip(pl,ex)):3d} paired {[x['queries_slower_than_exhaustive_paired']['planner'] for x in m]} p10 {[x['queries_slower_than_exhaustive_paired_by_10pct']['planner'] for x in m]} by plan(base's) {dict((k,round(x)) for k,x in agg.items())}")
