import json,sys
pq=json.load(open(sys.argv[1])); k=sys.argv[2] if len(sys.argv)>2 else '10'; suf='' if k=='10' else '@'+k
rows=[]
for m in ('heavy','light','uniform','long'):
    F=json.load(open(f'features-top10-1m-{m}.json'))
    S=pq[m+'/sparse'+suf];W=pq[m+'/wmaxscore'+suf]
    for f,s,w in zip(F,S,W):
        rows.append((m,f['P']/1e6,(f['P']-f['PnonPrimed'])/1e6,f['Pmax']/1e6,s,w))
edges=[0,0.005,0.01,0.02,0.03,0.04,0.06,0.08,0.10,0.12,0.14,0.17,0.2,0.3]
for elo,ehi in ((0,0.15),(0.15,0.3),(0.3,0.5),(0.5,1.01)):
    out=[]
    for lo,hi in zip(edges,edges[1:]):
        v=[r for r in rows if lo<=r[1]<hi and elo<=r[2]/r[1]<ehi]
        if len(v)>=3: out.append('%.3f:%d:%.2f'%(lo,len(v),sum(r[4] for r in v)/sum(r[5] for r in v)))
    print('ess %.2f-%.2f'%(elo,ehi),' '.join(out))
