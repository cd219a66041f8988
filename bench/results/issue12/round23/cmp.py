import json,sys
# usage: cmp.py A1 A2 -- B1 B2   (alternated runs of main and new)
args=sys.argv[1:]; i=args.index('--'); A=args[:i]; B=args[i+1:]
def load(f):
    d=json.load(open(f)); r={}
    for m,v in d['mixes'].items():
        for kk in ['10']+sorted(v.get('slower_by_k',{}),key=int):
            if kk=='10':
                al=v['algorithms']; p=v['queries_slower_than_exhaustive_paired'].get('planner'); p10=v['queries_slower_than_exhaustive_paired_by_10pct'].get('planner')
            else:
                al=v['algorithms_k'+kk]; sb=v['slower_by_k'][kk].get('planner',{}); p=sb.get('paired'); p10=sb.get('paired_by_10pct')
            r[(m,int(kk))]=(al['exhaustive']['mean_us'],al['planner']['mean_us'],p,p10)
    return r
a=[load(f) for f in A]; b=[load(f) for f in B]
print('| mix | k | exhaustive, main -> this | planner, main -> this | paired slower (by > 10%), main -> this |')
print('|---|---|---|---|---|')
for key in a[0]:
    f=lambda rs,j: ' / '.join('%.1f'%r[key][j] for r in rs)
    g=lambda rs: ' / '.join('%s (%s)'%(r[key][2],r[key][3]) for r in rs)
    print('| %s | %d | %s -> %s | %s -> **%s** | %s -> %s |'%(key[0],key[1],f(a,0),f(b,0),f(a,1),f(b,1),g(a),g(b)))
