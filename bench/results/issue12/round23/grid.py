import json,math,sys
N=1e6
def kf(k,T,e,tk=40):
    if k<=10: return 1
    return 1+((k/10)**e-1)*max(0,1-T/tk)
def run(d,m,k,e):
    suf='@%d'%k
    P=d[m+'/_postings'];T=d[m+'/_terms'];S=d[m+'/sparse'+suf];W=d[m+'/wmaxscore'+suf];E=d[m+'/exhaustive'+suf];PL=d[m+'/planner'+suf]
    tot=sl=best=0
    for i in range(len(P)):
        if T[i]==1 or (k<=100 and T[i]>=16 and P[i]>=2.5*N):
            t=PL[i]
        else:
            cap=min(N/8,125*math.sqrt(N))*kf(k,T[i],e)+12000
            t=S[i] if P[i]<cap else W[i]
        tot+=t; sl+=t>E[i]; best+=min(S[i],W[i])
    return tot/len(P),sl,best/len(P),sum(PL)/len(P)
for f,mixes in (('/tmp/r23/pqx.json',['heavy','long','light','uniform']),('/tmp/r23/pqxr.json',['real'])):
    d=json.load(open(f))
    for m in mixes:
        for k in (100,1000):
            line='%s@%d'%(m,k)
            for e in (0.0,0.1,0.2,0.3,0.4):
                mean,sl,best,pl=run(d,m,k,e)
                line+=' | e%.1f %.1f/%d'%(e,mean,sl)
            print(line,' | oracle %.1f planner %.1f'%(best,pl))
