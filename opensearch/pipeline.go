package opensearch

import (
	"fmt"
	"math"
	"sync"

	"github.com/sparrow-search/sparrow/fusion"
)

// pipeline is a search pipeline: what Sparrow acts on is its
// normalization-processor (how hybrid sub-query scores are normalised and
// weighted).
type pipeline struct {
	raw  map[string]any // as given, for GET
	norm string         // fusion.MinMax or fusion.ZScore
	w    []float64      // per sub-query weights; nil: equal
}

// normalization is the pipeline's normalisation; without a pipeline,
// OpenSearch's default, min_max.
func (p *pipeline) normalization() string {
	if p == nil || p.norm == "" {
		return fusion.MinMax
	}
	return p.norm
}

// weights are the combination weights for n sub-queries (arithmetic mean:
// weights sum to 1, equal when not given).
func (p *pipeline) weights(n int) ([]float64, error) {
	if p == nil || p.w == nil {
		w := make([]float64, n)
		for i := range w {
			w[i] = 1 / float64(n)
		}
		return w, nil
	}
	if len(p.w) != n {
		return nil, illegalArgument("number of weights [%d] must match number of sub-queries [%d] in hybrid query", len(p.w), n)
	}
	return p.w, nil
}

// pipelines are the search pipelines PUT on this server. They live in
// memory: define them again after a restart (docs/OPENSEARCH.md).
type pipelines struct {
	mu sync.RWMutex
	m  map[string]*pipeline
}

func newPipelines() *pipelines { return &pipelines{m: map[string]*pipeline{}} }

// resolve picks a search's pipeline: the search_pipeline parameter ("_none"
// for none), else the index's default, else none.
func (ps *pipelines) resolve(param, indexDefault string) (*pipeline, *Error) {
	name := param
	if name == "" {
		name = indexDefault
	}
	if name == "" || name == "_none" {
		return nil, nil
	}
	ps.mu.RLock()
	p := ps.m[name]
	ps.mu.RUnlock()
	if p == nil {
		return nil, illegalArgument("Pipeline %s is not defined", name)
	}
	return p, nil
}

// parsePipeline reads a pipeline definition. Only the normalization
// processor (min_max or z_score, arithmetic_mean) is supported; other
// processors are refused rather than silently skipped.
func parsePipeline(v any) (*pipeline, *Error) {
	o, ok := v.(map[string]any)
	if !ok {
		return nil, parsingError("a search pipeline must be an object")
	}
	p := &pipeline{raw: o}
	for k, x := range o {
		switch k {
		case "description", "version":
		case "request_processors", "response_processors":
			if list, ok := x.([]any); !ok || len(list) > 0 {
				return nil, illegalArgument("[%s] are not supported by Sparrow: only the normalization-processor of phase_results_processors is", k)
			}
		case "phase_results_processors":
			list, ok := x.([]any)
			if !ok {
				return nil, parsingError("[phase_results_processors] must be an array")
			}
			for _, proc := range list {
				if e := p.addProcessor(proc); e != nil {
					return nil, e
				}
			}
		default:
			return nil, parsingError("search pipeline does not support [%s]", k)
		}
	}
	return p, nil
}

func (p *pipeline) addProcessor(proc any) *Error {
	po, ok := proc.(map[string]any)
	if !ok || len(po) != 1 {
		return parsingError("a processor must be an object with one processor type")
	}
	cfg, ok := po["normalization-processor"].(map[string]any)
	if !ok {
		for name := range po {
			return illegalArgument("processor [%s] is not supported by Sparrow: only normalization-processor is", name)
		}
	}
	if p.norm != "" {
		return illegalArgument("a pipeline may hold one normalization-processor")
	}
	p.norm = fusion.MinMax
	for k, x := range cfg {
		switch k {
		case "tag", "description", "ignore_failure":
		case "normalization":
			n, e := params("normalization", x, "technique")
			if e != nil {
				return illegalArgument("normalization: only [technique] is supported (not lower or upper bounds): %s", e.Reason)
			}
			switch n["technique"] {
			case nil, "min_max":
			case "z_score":
				p.norm = fusion.ZScore
			default:
				return illegalArgument("normalization technique [%v] is not supported by Sparrow: use min_max or z_score", n["technique"])
			}
		case "combination":
			c, e := params("combination", x, "technique", "parameters")
			if e != nil {
				return e
			}
			if t := c["technique"]; t != nil && t != "arithmetic_mean" {
				return illegalArgument("combination technique [%v] is not supported by Sparrow: use arithmetic_mean", t)
			}
			if c["parameters"] != nil {
				params, e := params("combination.parameters", c["parameters"], "weights")
				if e != nil {
					return e
				}
				w, e := weightList(params["weights"])
				if e != nil {
					return e
				}
				p.w = w
			}
		default:
			return parsingError("normalization-processor does not support [%s]", k)
		}
	}
	return nil
}

// weightList reads combination weights: each in [0, 1], summing to 1, as
// OpenSearch requires.
func weightList(v any) ([]float64, *Error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, illegalArgument("[weights] must be a non-empty array of numbers")
	}
	out := make([]float64, len(list))
	sum := 0.0
	for i, x := range list {
		f, e := number(x, "weights")
		if e != nil {
			return nil, e
		}
		if f < 0 || f > 1 {
			return nil, illegalArgument("all weights must be in range [0.0 ... 1.0], got %v", f)
		}
		out[i] = f
		sum += f
	}
	if math.Abs(sum-1) > 1e-4 {
		return nil, illegalArgument("sum of weights for combination must be equal to 1.0, got %s", fmt.Sprint(sum))
	}
	return out, nil
}

// putPipeline answers PUT /_search/pipeline/{id}.
func (r *request) putPipeline() {
	body, e := r.shapedBody()
	if e != nil {
		r.fail(e)
		return
	}
	v, err := decodeValue(body)
	if err != nil {
		r.failErr(err)
		return
	}
	p, e := parsePipeline(v)
	if e != nil {
		r.fail(e)
		return
	}
	r.s.pipelines.mu.Lock()
	r.s.pipelines.m[r.id] = p
	r.s.pipelines.mu.Unlock()
	r.writeJSON(200, map[string]any{"acknowledged": true})
}

// getPipeline answers GET /_search/pipeline[/{id}].
func (r *request) getPipeline() {
	ps := r.s.pipelines
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	out := map[string]any{}
	for name, p := range ps.m {
		if r.id == "" || r.id == name {
			out[name] = p.raw
		}
	}
	if r.id != "" && len(out) == 0 {
		r.fail(errorf(404, "resource_not_found_exception", "search pipeline [%s] is missing", r.id))
		return
	}
	r.writeJSON(200, out)
}

// deletePipeline answers DELETE /_search/pipeline/{id}.
func (r *request) deletePipeline() {
	ps := r.s.pipelines
	ps.mu.Lock()
	_, ok := ps.m[r.id]
	delete(ps.m, r.id)
	ps.mu.Unlock()
	if !ok {
		r.fail(errorf(404, "resource_not_found_exception", "search pipeline [%s] is missing", r.id))
		return
	}
	r.writeJSON(200, map[string]any{"acknowledged": true})
}
