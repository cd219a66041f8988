import json,math
A=json.load(open('perquery-top1000-1m-simd.json')); B=json.load(open('perquery-sparse-windowed-1m-simd.json'))
N=1e6
def kf(k,T,e,tk):
    if k<=10: return 1
    return 1+((k/10)**e-1)*max(0,1-T/tk)
def run(r,k,mixes,e,tk):
    suf='@%d'%k; res={}
    for m in mixes:
        pass
        P=r[m+'/_postings'];T=r[m+'/_terms'];S=r[m+'/sparse'+suf];W=r[m+'/wmaxscore'+suf];E=r[m+'/exhaustive'+suf]
        tot=sl=0
        for i in range(len(P)):
            cap=min(N/8,125*math.sqrt(N))*kf(k,T[i],e,tk)+12000
            t=S[i] if P[i]<cap else W[i]; tot+=t; sl+=t>E[i]
        res[m]=(tot/len(P),sl)
    return res
for tk in (40,60,100):
  for e in (0.2,0.25,0.3,0.35,0.4):
    a=run(A,1000,['heavy','long'],e,tk); b=run(B,100,['heavy','light','uniform','long'],e,tk)
    print('tk %3d e %.2f | k1000 '%(tk,e)+' '.join('%s %.0f/%d'%(m,*v) for m,v in a.items())+' | k100 '+' '.join('%s %.1f/%d'%(m,*v) for m,v in b.items()))
