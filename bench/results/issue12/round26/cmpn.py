import json,sys
# cmpn.py prefix mix A B rep : per-plan times normalised by exhaustive, paired counts
pre,mixes,a,b=sys.argv[1],sys.argv[2].split(','),sys.argv[3],sys.argv[4]
reps=sys.argv[5].split(',') if len(sys.argv)>5 else ['1']
for mix in mixes:
  for rep in reps:
    A=json.load(open(f'{pre}-{a}-{rep}-pq.json')); B=json.load(open(f'{pre}-{b}-{rep}-pq.json'))
    JA=json.load(open(f'{pre}-{a}-{rep}.json'))['mixes'][mix]; JB=json.load(open(f'{pre}-{b}-{rep}.json'))['mixes'][mix]
    out=[]
    n=len(A[mix+'/planner'])
    for p in ('sparse','windowed','dense','single'):
      k=f'{mix}/_plan/{p}'
      if k not in A: continue
      idx=[i for i in range(n) if A[k][i]>0]
      sa=sum(A[mix+'/planner'][i] for i in idx); sb=sum(B[mix+'/planner'][i] for i in idx)
      ea=sum(A[mix+'/exhaustive'][i] for i in idx); eb=sum(B[mix+'/exhaustive'][i] for i in idx)
      out.append(f'{p}({len(idx)}) {sb/sa/(eb/ea):.3f}')
    ta=sum(A[mix+'/planner'])/sum(A[mix+'/exhaustive']); tb=sum(B[mix+'/planner'])/sum(B[mix+'/exhaustive'])
    print(f"{mix:10s} rep{rep} all {tb/ta:.3f} | "+' | '.join(out)+f" | paired {JA['queries_slower_than_exhaustive_paired']['planner']}->{JB['queries_slower_than_exhaustive_paired']['planner']} p10 {JA['queries_slower_than_exhaustive_paired_by_10pct']['planner']}->{JB['queries_slower_than_exhaustive_paired_by_10pct']['planner']}")
