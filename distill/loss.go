package distill

import "math"

// KLLoss is KL(softmax(target) || softmax(student)) for one query's
// candidates. It adds dKL/dstudent to grad (same length) and returns the loss.
func KLLoss(target, student []float32, grad []float32) float64 {
	pt := softmax64(target)
	ps := softmax64(student)
	lse := logSumExp(student)
	var loss float64
	for i := range pt {
		if pt[i] > 0 {
			loss += pt[i] * (math.Log(pt[i]) - (float64(student[i]) - lse))
		}
		grad[i] += float32(ps[i] - pt[i])
	}
	return loss
}

// ContrastiveLoss is the listwise cross-entropy -sum_i t_i log softmax(student)_i
// with target t proportional to pos (0 = negative; e.g. 1 for every judged
// positive, or its relevance grade so that highly relevant documents count
// more). Adds its gradient to grad; returns 0 (and no gradient) when no
// candidate is positive.
func ContrastiveLoss(student []float32, pos []float32, grad []float32) float64 {
	var tot float64
	for _, p := range pos {
		if p > 0 {
			tot += float64(p)
		}
	}
	if tot == 0 {
		return 0
	}
	ps := softmax64(student)
	lse := logSumExp(student)
	var loss float64
	for i := range student {
		g := ps[i]
		if pos[i] > 0 {
			t := float64(pos[i]) / tot
			loss -= t * (float64(student[i]) - lse)
			g -= t
		}
		grad[i] += float32(g)
	}
	return loss
}

// FLOPS is the FLOPS regulariser sum_j (mean_i a_ij)^2 over a batch of
// document vectors, where a_ij = w_ij (IDF-aware: raw document weights, whose
// ranking effect is multiplied by idf at query time, so high-idf terms are
// cheap to keep) or a_ij = idf_j*w_ij (plain, on the ranking weights). It adds
// scale * dFLOPS/dw to grads (aligned with docs' Weights) and returns FLOPS.
func FLOPS(docIDs [][]int32, docW [][]float32, idf []float32, plain bool, scale float32, grads [][]float32) float64 {
	n := float32(len(docIDs))
	if n == 0 {
		return 0
	}
	mean := map[int32]float32{}
	for d, ids := range docIDs {
		for j, id := range ids {
			a := docW[d][j]
			if plain {
				a *= idf[id]
			}
			mean[id] += a / n
		}
	}
	var f float64
	for _, m := range mean {
		f += float64(m) * float64(m)
	}
	if grads != nil && scale != 0 {
		for d, ids := range docIDs {
			for j, id := range ids {
				g := 2 * mean[id] / n
				if plain {
					g *= idf[id]
				}
				grads[d][j] += scale * g
			}
		}
	}
	return f
}

// LambdaAt is the FLOPS weight at step: quadratic warm-up from 0 to lambda
// over warmup steps (as in SPLADE), then constant.
func LambdaAt(lambda float64, step, warmup int) float64 {
	if warmup <= 0 || step >= warmup {
		return lambda
	}
	r := float64(step) / float64(warmup)
	return lambda * r * r
}

func logSumExp(x []float32) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

func softmax64(x []float32) []float64 {
	lse := logSumExp(x)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = math.Exp(float64(v) - lse)
	}
	return out
}
