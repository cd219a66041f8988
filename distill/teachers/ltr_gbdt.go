package teachers

import (
	"math"
	"slices"
)

// GBDTOptions configure LambdaMART gradient-boosted regression trees.
type GBDTOptions struct {
	Trees        int     // boosting rounds; default 300
	Depth        int     // maximum tree depth; default 8 (SciFact train out-of-fold NDCG@10: depth 4 0.7406, 6 0.7653, 8 0.7706)
	LearningRate float64 // shrinkage; default 0.1
	MinLeaf      int     // minimum rows per leaf; default 20
	Bins         int     // histogram bins per feature (<= 256); default 64
	L2           float64 // leaf value regularisation; default 1
	Sigma        float64 // LambdaRank sigmoid steepness; default 1
}

func (o *GBDTOptions) defaults() {
	if o.Trees <= 0 {
		o.Trees = 300
	}
	if o.Depth <= 0 {
		o.Depth = 8
	}
	if o.LearningRate <= 0 {
		o.LearningRate = 0.1
	}
	if o.MinLeaf <= 0 {
		o.MinLeaf = 20
	}
	if o.Bins <= 1 || o.Bins > 256 {
		o.Bins = 64
	}
	if o.L2 <= 0 {
		o.L2 = 1
	}
	if o.Sigma <= 0 {
		o.Sigma = 1
	}
}

// GBDT is a trained ensemble of regression trees.
type GBDT struct {
	Trees []Tree
	Rate  float64
}

// Tree nodes: internal nodes test x[Feature] <= Threshold (go Left, else
// Right); leaves have Feature -1 and a Value.
type Tree struct{ Nodes []TreeNode }

// TreeNode is one tree node.
type TreeNode struct {
	Feature     int
	Threshold   float64
	Left, Right int
	Value       float64
	bin         int // split bin during training: x <= Threshold iff bin index <= bin
}

// Predict scores one feature vector.
func (g *GBDT) Predict(x []float64) float64 {
	var s float64
	for i := range g.Trees {
		s += g.Rate * g.Trees[i].predict(x)
	}
	return s
}

func (t *Tree) predictBinned(bins [][]uint8, row int) float64 {
	n := 0
	for {
		nd := &t.Nodes[n]
		if nd.Feature < 0 {
			return nd.Value
		}
		if int(bins[nd.Feature][row]) <= nd.bin {
			n = nd.Left
		} else {
			n = nd.Right
		}
	}
}

func (t *Tree) predict(x []float64) float64 {
	n := 0
	for {
		nd := &t.Nodes[n]
		if nd.Feature < 0 {
			return nd.Value
		}
		if x[nd.Feature] <= nd.Threshold {
			n = nd.Left
		} else {
			n = nd.Right
		}
	}
}

// RankData is a learning-to-rank training set: rows grouped by query.
type RankData struct {
	X      [][]float64 // rows
	Labels []float64   // graded relevance, >= 0
	Groups []int       // group boundaries: rows Groups[q]..Groups[q+1]-1 belong to query q
}

// TrainLambdaMART fits trees to maximise NDCG with LambdaMART gradients.
// Deterministic.
func TrainLambdaMART(d *RankData, opts GBDTOptions) *GBDT { return trainLambdaMART(d, opts, nil) }

// trainLambdaMART is TrainLambdaMART calling tree (when set) after each tree.
func trainLambdaMART(d *RankData, opts GBDTOptions, tree func()) *GBDT {
	opts.defaults()
	n := len(d.X)
	g := &GBDT{Rate: opts.LearningRate}
	if n == 0 {
		return g
	}
	nf := len(d.X[0])
	cuts, bins := binFeatures(d.X, nf, opts.Bins)
	score := make([]float64, n)
	lambda := make([]float64, n)
	hess := make([]float64, n)
	// Ideal DCG per group.
	idcg := make([]float64, len(d.Groups)-1)
	for q := range idcg {
		ls := slices.Clone(d.Labels[d.Groups[q]:d.Groups[q+1]])
		slices.Sort(ls)
		slices.Reverse(ls)
		for r, l := range ls {
			idcg[q] += (math.Pow(2, l) - 1) / math.Log2(float64(r)+2)
		}
	}
	maxGroup := 0
	for q := 0; q+1 < len(d.Groups); q++ {
		maxGroup = max(maxGroup, d.Groups[q+1]-d.Groups[q])
	}
	disc := make([]float64, maxGroup)
	for r := range disc {
		disc[r] = 1 / math.Log2(float64(r)+2)
	}
	gain := make([]float64, n)
	for i, l := range d.Labels {
		gain[i] = math.Pow(2, l) - 1
	}
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	rank := make([]int, n)
	for it := 0; it < opts.Trees; it++ {
		clear(lambda)
		clear(hess)
		for q := range idcg {
			if idcg[q] == 0 {
				continue
			}
			lo, hi := d.Groups[q], d.Groups[q+1]
			idx := make([]int, hi-lo)
			for i := range idx {
				idx[i] = lo + i
			}
			slices.SortStableFunc(idx, func(a, b int) int {
				switch {
				case score[a] > score[b]:
					return -1
				case score[a] < score[b]:
					return 1
				}
				return a - b
			})
			for r, i := range idx {
				rank[i] = r
			}
			for i := lo; i < hi; i++ {
				if d.Labels[i] <= 0 {
					continue // only pairs (i better than j); labels are mostly 0
				}
				for j := lo; j < hi; j++ {
					if d.Labels[i] <= d.Labels[j] {
						continue
					}
					delta := math.Abs((gain[i]-gain[j])*(disc[rank[i]]-disc[rank[j]])) / idcg[q]
					rho := 1 / (1 + math.Exp(opts.Sigma*(score[i]-score[j])))
					l := opts.Sigma * rho * delta
					w := opts.Sigma * opts.Sigma * rho * (1 - rho) * delta
					lambda[i] += l
					lambda[j] -= l
					hess[i] += w
					hess[j] += w
				}
			}
		}
		t := buildTree(rows, bins, cuts, lambda, hess, opts)
		for i := range score {
			score[i] += g.Rate * t.predictBinned(bins, i)
		}
		g.Trees = append(g.Trees, t)
		if tree != nil {
			tree()
		}
	}
	return g
}

// binFeatures returns per-feature cut points (bin b holds x <= cuts[f][b])
// and column-major bin indices.
func binFeatures(x [][]float64, nf, maxBins int) ([][]float64, [][]uint8) {
	cuts := make([][]float64, nf)
	bins := make([][]uint8, nf)
	vals := make([]float64, len(x))
	for f := 0; f < nf; f++ {
		for i, r := range x {
			vals[i] = r[f]
		}
		s := slices.Clone(vals)
		slices.Sort(s)
		s = slices.Compact(s)
		var c []float64
		if len(s) <= maxBins {
			c = s[:len(s)-1]
			c = slices.Clone(c)
		} else {
			// Quantiles of the distinct values weighted by occurrence.
			sorted := slices.Clone(vals)
			slices.Sort(sorted)
			for b := 1; b < maxBins; b++ {
				v := sorted[b*len(sorted)/maxBins]
				if len(c) == 0 || v > c[len(c)-1] {
					c = append(c, v)
				}
			}
			if len(c) > 0 && c[len(c)-1] >= sorted[len(sorted)-1] {
				c = c[:len(c)-1]
			}
		}
		cuts[f] = c
		bins[f] = make([]uint8, len(x))
		for i, v := range vals {
			b, _ := slices.BinarySearch(c, v) // first cut >= v
			bins[f][i] = uint8(b)
		}
	}
	return cuts, bins
}

type nodeWork struct {
	node  int
	rows  []int
	depth int
}

func buildTree(rows []int, bins [][]uint8, cuts [][]float64, grad, hess []float64, o GBDTOptions) Tree {
	t := Tree{}
	leafValue := func(rs []int) float64 {
		var gs, hs float64
		for _, i := range rs {
			gs += grad[i]
			hs += hess[i]
		}
		return gs / (hs + o.L2)
	}
	t.Nodes = append(t.Nodes, TreeNode{Feature: -1, Value: leafValue(rows)})
	queue := []nodeWork{{0, rows, 0}}
	nb := o.Bins
	hg := make([]float64, nb)
	hh := make([]float64, nb)
	hc := make([]int, nb)
	for len(queue) > 0 {
		w := queue[0]
		queue = queue[1:]
		if w.depth >= o.Depth || len(w.rows) < 2*o.MinLeaf {
			continue
		}
		var G, H float64
		for _, i := range w.rows {
			G += grad[i]
			H += hess[i]
		}
		parent := G * G / (H + o.L2)
		bestGain, bestF, bestB := 1e-12, -1, 0
		for f := range bins {
			nc := len(cuts[f]) + 1
			if nc < 2 {
				continue
			}
			clear(hg[:nc])
			clear(hh[:nc])
			clear(hc[:nc])
			bf := bins[f]
			for _, i := range w.rows {
				b := bf[i]
				hg[b] += grad[i]
				hh[b] += hess[i]
				hc[b]++
			}
			var gl, hl float64
			cl := 0
			for b := 0; b < nc-1; b++ {
				gl += hg[b]
				hl += hh[b]
				cl += hc[b]
				if cl < o.MinLeaf {
					continue
				}
				if len(w.rows)-cl < o.MinLeaf {
					break
				}
				gr, hr := G-gl, H-hl
				gain := gl*gl/(hl+o.L2) + gr*gr/(hr+o.L2) - parent
				if gain > bestGain {
					bestGain, bestF, bestB = gain, f, b
				}
			}
		}
		if bestF < 0 {
			continue
		}
		var left, right []int
		for _, i := range w.rows {
			if int(bins[bestF][i]) <= bestB {
				left = append(left, i)
			} else {
				right = append(right, i)
			}
		}
		li, ri := len(t.Nodes), len(t.Nodes)+1
		t.Nodes = append(t.Nodes, TreeNode{Feature: -1, Value: leafValue(left)}, TreeNode{Feature: -1, Value: leafValue(right)})
		t.Nodes[w.node] = TreeNode{Feature: bestF, Threshold: cuts[bestF][bestB], Left: li, Right: ri, bin: bestB}
		queue = append(queue, nodeWork{li, left, w.depth + 1}, nodeWork{ri, right, w.depth + 1})
	}
	return t
}
