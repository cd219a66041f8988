package native

// Backward accumulates into g the gradient of a loss with respect to the
// parameters, given dW[j] = dLoss/dWeights[j] for the entries of the vector
// Forward returned with this tape. Hand-written reverse mode of Forward; see
// TestNativeGradientFiniteDifference (model_test.go) for the check.
func (n *Model) Backward(d *Doc, t *Tape, dW []float32, g *Params) {
	p := n.P
	D, H := p.D, p.H
	dcm := make([]float32, H)
	da := make([]float32, H)
	dm := make([]float32, D)
	var dz []float32
	if len(t.expIDs) > 0 {
		dz = make([]float32, D)
	}
	for j, src := range t.src {
		dw := dW[j]
		if dw == 0 {
			continue
		}
		if src >= 0 {
			i := int(src)
			if t.s[i] <= 0 || t.s[i] < float32(n.cfg.GateFloor) {
				continue // held at the gate floor: constant
			}
			id := int(d.IDs[i])
			ds := dw * t.bm[i] // w = bm * (1+s), active (Forward kept only 1+s > 0)
			g.Bias[id] += ds
			axpy(g.Phi, ds, t.feat[i*Features:(i+1)*Features])
			h := t.h[i*H : (i+1)*H]
			axpy(g.U, ds, h)
			e := p.Emb[id*D : (id+1)*D]
			ge := g.Emb[id*D : (id+1)*D]
			for k := 0; k < H; k++ {
				da[k] = ds * p.U[k] * (1 - h[k]*h[k])
				dcm[k] += da[k]
				axpy(g.A[k*D:(k+1)*D], da[k], e)
				axpy(ge, da[k], p.A[k*D:(k+1)*D])
			}
			continue
		}
		x := int(-1 - src)
		id := int(t.expIDs[x])
		dl := dw / (1 + t.expLog[x]) // w = log(1+l), l > 0
		g.XBias[id] += dl
		axpy(g.Emb[id*D:(id+1)*D], dl, t.z)
		axpy(dz, dl, p.Emb[id*D:(id+1)*D])
	}
	// gate context: cm = C m + b_h
	for k := 0; k < H; k++ {
		if dcm[k] == 0 {
			continue
		}
		g.Bh[k] += dcm[k]
		axpy(g.C[k*D:(k+1)*D], dcm[k], t.m)
		axpy(dm, dcm[k], p.C[k*D:(k+1)*D])
	}
	// expansion query: z = X m
	for k := range dz {
		if dz[k] == 0 {
			continue
		}
		axpy(g.X[k*D:(k+1)*D], dz[k], t.m)
		axpy(dm, dz[k], p.X[k*D:(k+1)*D])
	}
	// m = sum_v idf_v E_v / sum_v idf_v
	if t.idfSum > 0 {
		for _, id := range d.IDs {
			if w := n.idf[id]; w > 0 {
				axpy(g.Emb[int(id)*D:(int(id)+1)*D], w/t.idfSum, dm)
			}
		}
	}
}
