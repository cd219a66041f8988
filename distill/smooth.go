package distill

import (
	"fmt"

	"github.com/sparrow-search/sparrow/encoder/native"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
)

// SmoothGate returns a copy of a trained student whose document weights are
// smoothed toward BM25: w_v = bm25tf_v * (c + ReLU(1+s_v)) instead of
// bm25tf_v * ReLU(1+s_v). It is exact and costs nothing at inference: the
// constant feature's weight grows by c and the model's gate_floor becomes c,
// since max(c, 1+s+c) = c + max(0, 1+s). c bounds how far a gate learned on
// one collection can push another collection's words below BM25 (a token is
// never zeroed), at the price of part of the in-domain gain; chosen on
// leave-one-collection-out validation (docs/RESULTS.md "Default model:
// generalisation"). c must be in (0, 1].
func SmoothGate(n *native.Model, tok *wordpiece.Tokenizer, c float64) (*native.Model, error) {
	if !(c > 0 && c <= 1) {
		return nil, fmt.Errorf("gate smoothing %v: want 0 < c <= 1", c)
	}
	cfg := n.Config()
	if cfg.GateFloor != 0 {
		return nil, fmt.Errorf("gate smoothing: model already has gate_floor %v", cfg.GateFloor)
	}
	cfg.GateFloor = c
	p := n.P.Clone()
	p.Phi[native.Features-1] += float32(c) // feature 6 is the constant 1
	m, err := native.New(cfg, tok, p, n.IDF())
	if err != nil {
		return nil, err
	}
	m.Freeze()
	return m, nil
}
