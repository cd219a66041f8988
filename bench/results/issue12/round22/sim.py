import json,sys,math
pq=json.load(open(sys.argv[1])); k=sys.argv[2]; suf='' if k=='10' else '@'+k
c=float(sys.argv[3]); y=float(sys.argv[4]) if len(sys.argv)>4 else 0.0
N=1e6
def kfac(k,T):
    k=int(k)
    if k<=10: return 1
    return 1+((k/10)**0.2-1)*max(0,1-T/40)
tot={}
for m in ('heavy','light','uniform','long'):
    F=json.load(open(f'features-top10-1m-{m}.json'))
    S=pq[m+'/sparse'+suf];W=pq[m+'/wmaxscore'+suf];T=pq[m+'/_terms']
    cur=new=best=0; cs=ns=0
    for f,s,w,t in zip(F,S,W,T):
        P=f['P'];Pn=f['PnonPrimed'];Pe=P-Pn
        kf=kfac(k,t)
        cap=min(N/8,125*math.sqrt(N))*kf+12000
        a = s if P<cap else w
        b = s if (P<cap and Pn - y*Pe < c*N*kf) else w
        cur+=a; new+=b; best+=min(s,w); cs+= (P<cap); ns+=(P<cap and Pn - y*Pe < c*N*kf)
    n=len(S)
    print(f'{m} k={k}: current {cur/n:.1f} (sparse {cs}) new {new/n:.1f} (sparse {ns}) oracle {best/n:.1f}')
