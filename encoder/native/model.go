package native

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/internal/topk"
	"github.com/sparrow-search/sparrow/sparse"
)

// Model is Sparrow's native Go student (modeldir.ArchNative,
// "sparrow-native-v1"), an inference-free SPLADE-style document encoder small
// enough to train on a CPU in minutes.
//
// For a document with unique tokens U (term frequency tf_v, first position
// p_v, length dl), token embeddings E (GloVe-initialised) and the
// idf-weighted mean embedding m of U (context mixing):
//
//	h_v = tanh(A E_v + C m + b_h)                       (per unique token)
//	s_v = u·h_v + bias_v + phi·feat_v                   (feat: log tf, position buckets, log dl/avgdl, idf, 1)
//	w_v = bm25tf_v * max(floor, 1 + s_v)                 (v in U: term re-weighting; floor = gate_floor, default 0)
//	w_v = log(1 + ReLU(E_v·(X m) + xbias_v))             (v not in U: top-M expansion terms)
//
// bm25tf_v = tf(k1+1)/(tf+k1(1-b+b dl/avgdl)) keeps term frequency and length
// normalisation, which SPLADE's max-pooling loses and BM25-quality ranking
// needs; at initialisation (u≈0, bias=phi=0) the model is BM25 over WordPiece.
// Cost control: logits are computed only for the document's own tokens (one
// H-vector add per token at inference, A·E precomputed) plus one
// vocabulary-wide dot product with X m to pick the top-M expansion terms, over
// tokens with non-zero idf only.
//
// Safe for concurrent Encode calls; Forward and Backward with distinct tapes
// may run concurrently too (training shards do).
type Model struct {
	cfg   modeldir.Config
	tok   *wordpiece.Tokenizer
	P     *Params
	idf   []float32
	terms wordpiece.Analysis // which tokens a document vector carries, and conflation
	ae    []float32          // V×H precomputed A·E_v (inference only; nil while training)
	expOK []int32            // token ids eligible for expansion (idf > 0, not control)
}

// Features is the number of hand features of the gate.
const Features = 7

// Params are the student's weights (row-major float32).
type Params struct {
	V, D, H int
	Emb     []float32 // V×D token embeddings
	A       []float32 // H×D token -> gate hidden
	C       []float32 // H×D doc context -> gate hidden
	Bh      []float32 // H
	U       []float32 // H gate output
	Bias    []float32 // V per-token gate bias
	Phi     []float32 // Features
	X       []float32 // D×D doc context -> expansion query
	XBias   []float32 // V expansion bias
}

// NewParams allocates zero parameters.
func NewParams(v, d, h int) *Params {
	return &Params{V: v, D: d, H: h,
		Emb: make([]float32, v*d), A: make([]float32, h*d), C: make([]float32, h*d),
		Bh: make([]float32, h), U: make([]float32, h), Bias: make([]float32, v),
		Phi: make([]float32, Features), X: make([]float32, d*d), XBias: make([]float32, v)}
}

// Tensor names one parameter tensor.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Tensors lists the parameters in a fixed order (safetensors names).
func (p *Params) Tensors() []Tensor {
	return []Tensor{
		{"emb", []int{p.V, p.D}, p.Emb},
		{"gate.a", []int{p.H, p.D}, p.A},
		{"gate.c", []int{p.H, p.D}, p.C},
		{"gate.b", []int{p.H}, p.Bh},
		{"gate.u", []int{p.H}, p.U},
		{"gate.bias", []int{p.V}, p.Bias},
		{"gate.phi", []int{Features}, p.Phi},
		{"exp.x", []int{p.D, p.D}, p.X},
		{"exp.bias", []int{p.V}, p.XBias},
	}
}

// Clone deep-copies p.
func (p *Params) Clone() *Params {
	q := NewParams(p.V, p.D, p.H)
	qt := q.Tensors()
	for i, t := range p.Tensors() {
		copy(qt[i].Data, t.Data)
	}
	return q
}

// New wraps parameters. idf (by token id) weights the context mean, is a
// gate feature and restricts expansion to tokens queries can match. Call
// Freeze before encoding for inference.
func New(cfg modeldir.Config, tok *wordpiece.Tokenizer, p *Params, idf []float32) (*Model, error) {
	if cfg.Dim != p.D || cfg.Hidden != p.H || cfg.VocabSize != p.V || tok.VocabSize() != p.V || len(idf) != p.V {
		return nil, fmt.Errorf("native: shape mismatch (config dim %d hidden %d vocab %d; weights %dx%d hidden %d; tokenizer %d; idf %d)",
			cfg.Dim, cfg.Hidden, cfg.VocabSize, p.V, p.D, p.H, tok.VocabSize(), len(idf))
	}
	if cfg.AvgDL <= 0 || cfg.K1 <= 0 {
		return nil, fmt.Errorf("native: config needs k1 > 0 and avgdl > 0")
	}
	terms, err := wordpiece.NewAnalysis(tok, cfg.Conflate, cfg.Stopwords)
	if err != nil {
		return nil, err // already "wordpiece: ..."
	}
	n := &Model{cfg: cfg, tok: tok, P: p, idf: idf, terms: terms}
	for id, w := range idf {
		if w > 0 && !terms.Skip[id] {
			n.expOK = append(n.expOK, int32(id))
		}
	}
	return n, nil
}

// Freeze precomputes A·E for fast inference. Call again after changing P.
func (n *Model) Freeze() {
	p := n.P
	n.ae = make([]float32, p.V*p.H)
	for v := 0; v < p.V; v++ {
		e := p.Emb[v*p.D : (v+1)*p.D]
		row := n.ae[v*p.H : (v+1)*p.H]
		for k := 0; k < p.H; k++ {
			row[k] = dot(p.A[k*p.D:(k+1)*p.D], e)
		}
	}
}

// Config returns the model config.
func (n *Model) Config() modeldir.Config { return n.cfg }

// Doc is a tokenized document: unique token ids (ascending) with term
// frequency and first position, and its length in tokens.
type Doc struct {
	IDs   []int32
	TF    []float32
	First []int32
	DL    int
}

// PrepareDoc tokenizes text (truncated to max_length).
func (n *Model) PrepareDoc(text string) Doc {
	ids := n.tok.AppendIDs(nil, text)
	if n.cfg.MaxLength > 0 && len(ids) > n.cfg.MaxLength {
		ids = ids[:n.cfg.MaxLength]
	}
	return n.prepareIDs(ids)
}

func (n *Model) prepareIDs(ids []int32) Doc {
	tc := n.terms.Count(ids)
	return Doc{IDs: tc.IDs, TF: tc.TF, First: tc.First, DL: len(ids)}
}

// Tape holds a forward pass's intermediate values for Backward.
type Tape struct {
	m      []float32 // D context mean
	idfSum float32
	cm     []float32 // H
	h      []float32 // |U|×H
	bm     []float32 // |U| bm25tf
	s      []float32 // |U| gate pre-activation (1+s)
	feat   []float32 // |U|×F
	z      []float32 // D expansion query
	expIDs []int32
	expLog []float32 // logits of chosen expansion terms (> 0)
	src    []int32   // per output entry: >=0 index into U, <0 -(1+expansion index)
}

func (n *Model) features(d *Doc, i int, f []float32) {
	first := d.First[i]
	f[0] = float32(math.Log1p(float64(d.TF[i])))
	f[1], f[2], f[3] = 0, 0, 0
	if first < 8 {
		f[1] = 1
	}
	if first < 32 {
		f[2] = 1
	}
	if first < 128 {
		f[3] = 1
	}
	f[4] = float32(math.Log(math.Max(float64(d.DL), 1) / n.cfg.AvgDL))
	f[5] = n.idf[d.IDs[i]] / 10
	f[6] = 1
}

// Forward encodes one prepared document. With a non-nil tape (training) it
// records what Backward needs and computes A·E on the fly.
func (n *Model) Forward(d *Doc, tape *Tape) sparse.Vector {
	p := n.P
	D, H := p.D, p.H
	nu := len(d.IDs)
	var t Tape
	if tape != nil {
		t = *tape
	}
	t.m = resize(t.m, D)
	clear(t.m)
	var isum float32
	for _, id := range d.IDs {
		w := n.idf[id]
		if w == 0 {
			continue
		}
		axpy(t.m, w, p.Emb[int(id)*D:(int(id)+1)*D])
		isum += w
	}
	if isum > 0 {
		scale(t.m, 1/isum)
	}
	t.idfSum = isum
	t.cm = resize(t.cm, H)
	for k := 0; k < H; k++ {
		t.cm[k] = dot(p.C[k*D:(k+1)*D], t.m) + p.Bh[k]
	}
	t.h = resize(t.h, nu*H)
	t.bm = resize(t.bm, nu)
	t.s = resize(t.s, nu)
	t.feat = resize(t.feat, nu*Features)
	k1, b := n.cfg.K1, n.cfg.B
	norm := k1 * (1 - b + b*float64(d.DL)/n.cfg.AvgDL)
	var out sparse.Vector
	type entry struct {
		id  int32
		w   float32
		src int32
	}
	ents := make([]entry, 0, nu+n.cfg.Expansion)
	for i, id := range d.IDs {
		h := t.h[i*H : (i+1)*H]
		e := p.Emb[int(id)*D : (int(id)+1)*D]
		if n.ae != nil && tape == nil {
			ae := n.ae[int(id)*H : (int(id)+1)*H]
			for k := 0; k < H; k++ {
				h[k] = ae[k] + t.cm[k]
			}
		} else {
			for k := 0; k < H; k++ {
				h[k] = dot(p.A[k*D:(k+1)*D], e) + t.cm[k]
			}
		}
		for k := range h {
			h[k] = float32(math.Tanh(float64(h[k])))
		}
		f := t.feat[i*Features : (i+1)*Features]
		n.features(d, i, f)
		s := 1 + dot(p.U, h) + p.Bias[id] + dot(p.Phi, f)
		tf := float64(d.TF[i])
		bm := float32(tf * (k1 + 1) / (tf + norm))
		t.bm[i], t.s[i] = bm, s
		if fl := float32(n.cfg.GateFloor); s < fl {
			s = fl // floored: no gradient (Backward skips it)
		}
		if s > 0 {
			ents = append(ents, entry{id, bm * s, int32(i)})
		}
	}
	t.expIDs, t.expLog = t.expIDs[:0], t.expLog[:0]
	if M := n.cfg.Expansion; M > 0 {
		t.z = resize(t.z, D)
		for k := 0; k < D; k++ {
			t.z[k] = dot(p.X[k*D:(k+1)*D], t.m)
		}
		t.expIDs, t.expLog = n.topExpansion(d, t.z, M, t.expIDs, t.expLog)
		for j, id := range t.expIDs {
			ents = append(ents, entry{id, float32(math.Log1p(float64(t.expLog[j]))), int32(-1 - j)})
		}
	}
	sort.Slice(ents, func(a, b int) bool { return ents[a].id < ents[b].id })
	out.IDs = make([]int32, len(ents))
	out.Weights = make([]float32, len(ents))
	t.src = t.src[:0]
	for i, e := range ents {
		out.IDs[i], out.Weights[i] = e.id, e.w
		t.src = append(t.src, e.src)
	}
	if tape != nil {
		*tape = t
	}
	return out
}

// topExpansion picks up to M tokens not in the document with the largest
// positive expansion logits (ties by id).
func (n *Model) topExpansion(d *Doc, z []float32, M int, ids []int32, logs []float32) ([]int32, []float32) {
	p := n.P
	D := p.D
	type cand struct {
		id int32
		l  float32
	}
	// worse: a smaller logit, ties to the larger id (a total order, so the
	// top M do not depend on the scan order)
	h := topk.New(M, func(a, b cand) bool { return a.l < b.l || (a.l == b.l && a.id > b.id) })
	j := 0
	for _, id := range n.expOK {
		for j < len(d.IDs) && d.IDs[j] < id {
			j++
		}
		if j < len(d.IDs) && d.IDs[j] == id {
			continue
		}
		if l := dot(p.Emb[int(id)*D:(int(id)+1)*D], z) + p.XBias[id]; l > 0 {
			h.Push(cand{id, l})
		}
	}
	kept := h.Sorted()
	slices.SortFunc(kept, func(a, b cand) int { return cmp.Compare(a.id, b.id) })
	for _, c := range kept {
		ids = append(ids, c.id)
		logs = append(logs, c.l)
	}
	return ids, logs
}

// Encode implements Encoder.
func (n *Model) Encode(texts []string) ([]sparse.Vector, error) {
	out := make([]sparse.Vector, len(texts))
	for i, t := range texts {
		d := n.PrepareDoc(t)
		out[i] = n.Forward(&d, nil)
	}
	return out, nil
}

func resize(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

func axpy(y []float32, a float32, x []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += a * x[i]
	}
}

func scale(y []float32, a float32) {
	for i := range y {
		y[i] *= a
	}
}

// IDF returns the idf table the model was built with (by token id; shared).
func (n *Model) IDF() []float32 { return n.idf }
