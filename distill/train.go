package distill

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/modeldir"
	"github.com/sparrow-search/sparrow/encoder/native"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/internal/progress"
	"github.com/sparrow-search/sparrow/sparse"
)

// TrainOptions configure Train. Zero values mean the documented defaults.
type TrainOptions struct {
	Hidden    int     // gate hidden width (default 32)
	Expansion int     // top-M expansion terms per document (default 0 = re-weighting only)
	MaxLength int     // document tokens read (default 512)
	K1, B     float64 // BM25 prior (defaults 0.9, 0.4)
	Epochs    int     // passes over the examples (default 3)
	Batch     int     // queries per step (default 16)
	LR        float64 // Adam learning rate (default 1e-3)
	// Lambda is the FLOPS weight after warm-up (default 0: off; typical 1e-4..1e-2).
	Lambda float64
	// Warmup is the quadratic lambda warm-up in steps (default: a third of all steps).
	Warmup int
	// PlainFLOPS regularises idf*w (the ranking weights) instead of raw w (ablation).
	PlainFLOPS bool
	// KL weights the distillation loss (default 1; set Contrastive only with KL < 0 to disable KL).
	KL float64
	// Contrastive weights the listwise loss on qrels positives (default 0).
	Contrastive float64
	// Grades, when set, weights each positive by its relevance grade in the
	// listwise loss (qrels of the training queries, by query id and corpus
	// doc id); nil = every positive counts 1.
	Grades dataset.Qrels
	// FreezeEmb keeps the GloVe embeddings fixed.
	FreezeEmb bool
	// NoBias keeps the per-token gate bias at 0, so the gate is a function of
	// embeddings and features only (a per-token free parameter memorises the
	// training corpus's vocabulary and does not transfer to other collections).
	NoBias bool
	// GateFloor is the model's gate_floor (modeldir.Config; default 0 = none).
	GateFloor float64
	// Conflate is the model's conflation (modeldir.Config; default "" = none):
	// the student then reads stem-pooled term frequencies and weighs every
	// member of a document word's stem class.
	Conflate string
	// Stopwords is the model's document stop list (modeldir.Config; "" = none).
	Stopwords string
	// Seed makes initialisation and batch order reproducible (default 1).
	Seed uint64
	// Workers encoding documents in parallel (default GOMAXPROCS). Results do
	// not depend on it: gradients are reduced over a fixed number of shards.
	Workers int
	// Progress gets a progress bar (nil = quiet).
	Progress io.Writer
	// QueryCounts weighs a training query's tokens count*idf, as a
	// collection with query terms "count" does (default: idf once).
	QueryCounts bool
	// Context, when set, stops training between steps once it is done
	// (Train then returns its error).
	Context context.Context
	// AfterEpoch, when set, is called after every epoch (e.g. to evaluate on
	// held-out training queries); its string is printed with the progress.
	AfterEpoch func(epoch int, n *native.Model) string
}

func (o *TrainOptions) defaults() {
	if o.Hidden <= 0 {
		o.Hidden = 32
	}
	if o.MaxLength <= 0 {
		o.MaxLength = 512
	}
	if o.K1 <= 0 {
		o.K1 = native.DefaultK1
	}
	if o.B <= 0 {
		o.B = native.DefaultB
	}
	if o.Epochs <= 0 {
		o.Epochs = 3
	}
	if o.Batch <= 0 {
		o.Batch = 16
	}
	if o.LR <= 0 {
		o.LR = 1e-3
	}
	if o.KL == 0 {
		o.KL = 1
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
}

// TrainStats summarise a training run.
type TrainStats struct {
	Steps       int
	Seconds     float64
	FirstLoss   float64 // mean ranking loss of the first epoch
	LastLoss    float64 // mean ranking loss of the last epoch
	EpochLosses []float64
	AvgNNZ      float64 // mean non-zeros per document in the last epoch's batches
}

// gradShards is fixed so that results do not depend on the number of workers.
const gradShards = 8

// Train fits a sparrow-native-v1 student on examples (from BuildExamples over
// corpus). idf is the training corpus's BM25 IDF (by token id): the query
// weights at serving time, used here in score(q,d) = sum_t idf_t*w_dt. emb is
// the V×dim initial embedding table (LoadGloVe). avgdl is the corpus's mean
// token length (after MaxLength truncation).
func Train(corpus []dataset.Doc, examples []Example, tok *wordpiece.Tokenizer, idf []float32, avgdl float64, emb []float32, dim int, opts TrainOptions) (*native.Model, TrainStats, error) {
	opts.defaults()
	var stats TrainStats
	V := tok.VocabSize()
	if len(emb) != V*dim || dim <= 0 {
		return nil, stats, fmt.Errorf("distill: embedding table is %d floats, want %d×%d", len(emb), V, dim)
	}
	if len(idf) != V {
		return nil, stats, fmt.Errorf("distill: idf has %d weights, want %d", len(idf), V)
	}
	if len(examples) == 0 {
		return nil, stats, fmt.Errorf("distill: no training examples")
	}
	for _, ex := range examples {
		if len(ex.Cands) != len(ex.Targets) {
			return nil, stats, fmt.Errorf("distill: query %s: %d candidates but %d targets", ex.QueryID, len(ex.Cands), len(ex.Targets))
		}
		for _, c := range ex.Cands {
			if c < 0 || c >= len(corpus) {
				return nil, stats, fmt.Errorf("distill: query %s: candidate %d outside the corpus (%d docs)", ex.QueryID, c, len(corpus))
			}
		}
	}
	cfg := modeldir.Config{Architecture: modeldir.ArchNative, VocabSize: V, MaxLength: opts.MaxLength,
		K1: opts.K1, B: opts.B, AvgDL: avgdl, Dim: dim, Hidden: opts.Hidden, Expansion: opts.Expansion, GateFloor: opts.GateFloor, Conflate: opts.Conflate, Stopwords: opts.Stopwords}
	p := InitNativeParams(V, dim, opts.Hidden, emb, opts.Expansion > 0, opts.Seed)
	n, err := native.New(cfg, tok, p, idf)
	if err != nil {
		return nil, stats, err
	}
	prepared := prepareDocs(n, corpus, examples, opts.Workers)
	if opts.Expansion > 0 {
		scaleExpansion(p, idf, prepared)
	}
	queries := make([]sparse.Vector, len(examples))
	qidf := encoder.NewIDF(idf)
	for i, ex := range examples {
		queries[i] = qidf.Query(tok, ex.Query)
		if opts.QueryCounts {
			queries[i] = qidf.QueryCounted(tok, ex.Query)
		}
	}

	adam := newAdam(p, opts.LR)
	shards := make([]*native.Params, gradShards)
	for s := range shards {
		shards[s] = native.NewParams(V, dim, opts.Hidden)
	}
	total := native.NewParams(V, dim, opts.Hidden)
	stepsPerEpoch := (len(examples) + opts.Batch - 1) / opts.Batch
	allSteps := stepsPerEpoch * opts.Epochs
	warm := opts.Warmup
	if warm <= 0 {
		warm = allSteps / 3
	}
	bar := progress.New(opts.Progress, allSteps, "train", "steps")
	defer bar.Close()
	rng := rand.New(rand.NewPCG(opts.Seed, 42))
	start := time.Now()
	step := 0
	for epoch := 0; epoch < opts.Epochs; epoch++ {
		order := rng.Perm(len(examples))
		var epochLoss float64
		var nnzSum, nnzDocs float64
		for b0 := 0; b0 < len(order); b0 += opts.Batch {
			if opts.Context != nil && opts.Context.Err() != nil {
				return nil, stats, opts.Context.Err()
			}
			batch := order[b0:min(b0+opts.Batch, len(order))]
			lam := LambdaAt(opts.Lambda, step, warm)
			loss, nnz, ndocs := trainStep(n, corpus, examples, queries, prepared, batch, shards, total, lam, opts)
			if opts.FreezeEmb {
				clear(total.Emb)
			}
			if opts.NoBias {
				clear(total.Bias)
			}
			adam.step(p, total)
			epochLoss += loss
			nnzSum += nnz
			nnzDocs += float64(ndocs)
			step++
			bar.Describe(fmt.Sprintf("train epoch %d loss %.4f", epoch+1, epochLoss/float64(b0/opts.Batch+1)))
			bar.Add(1)
		}
		epochLoss /= float64(stepsPerEpoch)
		stats.EpochLosses = append(stats.EpochLosses, epochLoss)
		stats.AvgNNZ = nnzSum / math.Max(nnzDocs, 1)
		var msg string
		if opts.AfterEpoch != nil {
			msg = opts.AfterEpoch(epoch+1, n)
		}
		if opts.Progress != nil {
			nl := "" // a terminal bar is mid-line
			if progress.Bars(opts.Progress) {
				nl = "\n"
			}
			fmt.Fprintf(opts.Progress, "%sepoch %d: loss %.4f nnz/doc %.1f%s\n", nl, epoch+1, epochLoss, stats.AvgNNZ, strings.TrimRight(" "+msg, " "))
		}
	}
	bar.Finish()
	stats.Steps = step
	stats.Seconds = time.Since(start).Seconds()
	stats.FirstLoss = stats.EpochLosses[0]
	stats.LastLoss = stats.EpochLosses[len(stats.EpochLosses)-1]
	n.Freeze()
	return n, stats, nil
}

// prepareDocs tokenizes every candidate document of the examples once.
func prepareDocs(n *native.Model, corpus []dataset.Doc, examples []Example, workers int) map[int]*native.Doc {
	used := map[int]bool{}
	for _, ex := range examples {
		for _, c := range ex.Cands {
			used[c] = true
		}
	}
	prepared := make(map[int]*native.Doc, len(used))
	ids := make([]int, 0, len(used))
	for c := range used {
		ids = append(ids, c)
	}
	docs := make([]native.Doc, len(ids))
	parallel(len(ids), workers, func(i int) {
		d := corpus[ids[i]]
		docs[i] = n.PrepareDoc(encoder.DocText(d.Title, d.Text))
	})
	for i, c := range ids {
		prepared[c] = &docs[i]
	}
	return prepared
}

// InitNativeParams initialises a student: embeddings from emb, small random
// gate weights (so the gate starts near 1 and the model near BM25), identity
// expansion map with a bias that keeps only strongly related terms.
func InitNativeParams(V, dim, hidden int, emb []float32, expansion bool, seed uint64) *native.Params {
	r := rand.New(rand.NewPCG(seed, 7))
	p := native.NewParams(V, dim, hidden)
	copy(p.Emb, emb)
	sd := 1 / math.Sqrt(float64(dim))
	for i := range p.A {
		p.A[i] = float32(r.NormFloat64() * sd)
		p.C[i] = float32(r.NormFloat64() * sd)
	}
	for i := range p.U {
		p.U[i] = float32(r.NormFloat64() * 0.01)
	}
	for k := 0; k < dim; k++ {
		p.X[k*dim+k] = 1
	}
	xb := float32(-1e3) // no expansion unless enabled
	if expansion {
		xb = -0.6 // cosine with the doc mean must exceed 0.6
	}
	for i := range p.XBias {
		p.XBias[i] = xb
	}
	return p
}

// scaleExpansion sets the expansion map to I/r, r the mean length of the
// documents' context vectors m (idf-weighted means of unit embeddings, so
// |m| < 1, typically 0.3-0.5): with X = I the logits E_v·m - 0.6 were never
// positive, no expansion term was ever chosen and the branch got no gradient
// (expansion 8 and 32 trained bit-identical models). With X = I/r a typical
// document's expansion query has unit length and the bias admits the terms
// whose cosine with it exceeds 0.6. Documents are visited in id order so the
// float sum, and the model, are reproducible.
func scaleExpansion(p *native.Params, idf []float32, docs map[int]*native.Doc) {
	keys := make([]int, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	D := p.D
	m := make([]float64, D)
	var sum float64
	var n int
	for _, k := range keys {
		clear(m)
		var w float64
		for _, id := range docs[k].IDs {
			x := float64(idf[id])
			if x == 0 {
				continue
			}
			for j, e := range p.Emb[int(id)*D : (int(id)+1)*D] {
				m[j] += x * float64(e)
			}
			w += x
		}
		if w == 0 {
			continue
		}
		var sq float64
		for _, v := range m {
			sq += v * v
		}
		sum += math.Sqrt(sq) / w
		n++
	}
	if n == 0 || sum == 0 {
		return
	}
	r := sum / float64(n)
	for k := 0; k < D; k++ {
		p.X[k*D+k] = float32(1 / r)
	}
}

// trainStep runs forward/backward for one batch of queries, leaving the
// summed gradient in total. Returns the mean ranking loss, total non-zeros
// and documents encoded.
func trainStep(n *native.Model, corpus []dataset.Doc, examples []Example, queries []sparse.Vector, prepared map[int]*native.Doc,
	batch []int, shards []*native.Params, total *native.Params, lambda float64, opts TrainOptions) (float64, float64, int) {
	// unique docs of the batch, ascending (deterministic)
	seen := map[int]int{}
	var docs []int
	for _, qi := range batch {
		for _, c := range examples[qi].Cands {
			if _, ok := seen[c]; !ok {
				seen[c] = 0
				docs = append(docs, c)
			}
		}
	}
	sort.Ints(docs)
	for i, c := range docs {
		seen[c] = i
	}
	vecs := make([]sparse.Vector, len(docs))
	tapes := make([]native.Tape, len(docs))
	parallel(len(docs), opts.Workers, func(i int) {
		vecs[i] = n.Forward(prepared[docs[i]], &tapes[i])
	})
	dW := make([][]float32, len(docs))
	ids := make([][]int32, len(docs))
	ws := make([][]float32, len(docs))
	var nnz float64
	for i := range vecs {
		dW[i] = make([]float32, len(vecs[i].IDs))
		ids[i], ws[i] = vecs[i].IDs, vecs[i].Weights
		nnz += float64(len(vecs[i].IDs))
	}
	var loss float64
	inv := float32(1 / float64(len(batch)))
	for _, qi := range batch {
		ex := &examples[qi]
		q := queries[qi]
		s := make([]float32, len(ex.Cands))
		for i, c := range ex.Cands {
			s[i] = sparseDot(q, vecs[seen[c]])
			if ex.Base != nil {
				s[i] += ex.Base[i]
			}
		}
		g := make([]float32, len(s))
		if opts.KL > 0 {
			loss += opts.KL * KLLoss(ex.Targets, s, g)
			if opts.KL != 1 {
				for i := range g {
					g[i] *= float32(opts.KL)
				}
			}
		}
		if opts.Contrastive > 0 && len(ex.Positives) > 0 {
			pos := make([]float32, len(ex.Cands))
			for i, c := range ex.Cands {
				if containsSorted(ex.Positives, c) {
					pos[i] = 1
					if opts.Grades != nil {
						if g := opts.Grades[ex.QueryID][corpus[c].ID]; g > 0 {
							pos[i] = float32(g)
						}
					}
				}
			}
			gc := make([]float32, len(s))
			loss += opts.Contrastive * ContrastiveLoss(s, pos, gc)
			for i := range g {
				g[i] += float32(opts.Contrastive) * gc[i]
			}
		}
		// ds_i -> dW of doc c_i at the query's tokens (times idf_t)
		for i, c := range ex.Cands {
			if g[i] == 0 {
				continue
			}
			addQueryGrad(q, vecs[seen[c]], dW[seen[c]], g[i]*inv)
		}
	}
	if lambda > 0 {
		FLOPS(ids, ws, n.IDF(), opts.PlainFLOPS, float32(lambda), dW)
	}
	// backward into fixed shards, then reduce in shard order
	touched := make([][]int32, gradShards)
	parallel(gradShards, opts.Workers, func(s int) {
		g := shards[s]
		rows := map[int32]bool{}
		for i := s; i < len(docs); i += gradShards {
			n.Backward(prepared[docs[i]], &tapes[i], dW[i], g)
			for _, id := range prepared[docs[i]].IDs {
				rows[id] = true
			}
			for _, id := range vecs[i].IDs {
				rows[id] = true
			}
		}
		for id := range rows {
			touched[s] = append(touched[s], id)
		}
		sort.Slice(touched[s], func(a, b int) bool { return touched[s][a] < touched[s][b] })
	})
	reduceShards(shards, touched, total)
	return loss / float64(len(batch)), nnz, len(docs)
}

// reduceShards sums shard gradients into total (in shard order) and zeroes the shards.
func reduceShards(shards []*native.Params, touched [][]int32, total *native.Params) {
	clearRows(total)
	tt := total.Tensors()
	for s, g := range shards {
		for ti, t := range g.Tensors() {
			switch t.Name {
			case "emb", "gate.bias", "exp.bias":
				w := len(t.Data) / total.V
				for _, id := range touched[s] {
					dst := tt[ti].Data[int(id)*w : (int(id)+1)*w]
					src := t.Data[int(id)*w : (int(id)+1)*w]
					for k := range dst {
						dst[k] += src[k]
						src[k] = 0
					}
				}
			default:
				for k := range t.Data {
					tt[ti].Data[k] += t.Data[k]
					t.Data[k] = 0
				}
			}
		}
	}
}

func clearRows(p *native.Params) {
	for _, t := range p.Tensors() {
		clear(t.Data)
	}
}

func containsSorted(a []int, x int) bool {
	i := sort.SearchInts(a, x)
	return i < len(a) && a[i] == x
}

// sparseDot is sum over shared ids of q.Weights*d.Weights (both ascending).
func sparseDot(q, d sparse.Vector) float32 {
	var s float32
	i, j := 0, 0
	for i < len(q.IDs) && j < len(d.IDs) {
		switch {
		case q.IDs[i] < d.IDs[j]:
			i++
		case q.IDs[i] > d.IDs[j]:
			j++
		default:
			s += q.Weights[i] * d.Weights[j]
			i++
			j++
		}
	}
	return s
}

// addQueryGrad adds g*q_t to dW at d's entries for the query's tokens.
func addQueryGrad(q, d sparse.Vector, dW []float32, g float32) {
	i, j := 0, 0
	for i < len(q.IDs) && j < len(d.IDs) {
		switch {
		case q.IDs[i] < d.IDs[j]:
			i++
		case q.IDs[i] > d.IDs[j]:
			j++
		default:
			dW[j] += g * q.Weights[i]
			i++
			j++
		}
	}
}

// parallel runs f(0..n-1) on workers goroutines.
func parallel(n, workers int, f func(i int)) {
	if workers <= 1 || n <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// adam is Adam over all parameter tensors (dense; the vocabulary-sized
// tensors are small enough).
type adam struct {
	lr, b1, b2, eps float64
	t               int
	m, v            *native.Params
}

func newAdam(p *native.Params, lr float64) *adam {
	return &adam{lr: lr, b1: 0.9, b2: 0.999, eps: 1e-8,
		m: native.NewParams(p.V, p.D, p.H), v: native.NewParams(p.V, p.D, p.H)}
}

func (a *adam) step(p, g *native.Params) {
	a.t++
	c1 := 1 - math.Pow(a.b1, float64(a.t))
	c2 := 1 - math.Pow(a.b2, float64(a.t))
	lr := float32(a.lr * math.Sqrt(c2) / c1)
	b1, b2, eps := float32(a.b1), float32(a.b2), float32(a.eps)
	pt, gt, mt, vt := p.Tensors(), g.Tensors(), a.m.Tensors(), a.v.Tensors()
	for ti := range pt {
		pd, gd, md, vd := pt[ti].Data, gt[ti].Data, mt[ti].Data, vt[ti].Data
		for i := range pd {
			gi := gd[i]
			if gi == 0 && md[i] == 0 {
				continue // untouched row: nothing to do (lazy, like sparse Adam)
			}
			md[i] = b1*md[i] + (1-b1)*gi
			vd[i] = b2*vd[i] + (1-b2)*gi*gi
			pd[i] -= lr * md[i] / (float32(math.Sqrt(float64(vd[i]))) + eps)
		}
	}
}
