package eval

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// Comparison is a paired significance test of system B against system A on
// one metric over the same queries.
type Comparison struct {
	Metric string  `json:"metric"`
	N      int     `json:"queries"`
	MeanA  float64 `json:"mean_a"`
	MeanB  float64 `json:"mean_b"`
	Diff   float64 `json:"diff"` // MeanB - MeanA
	// CILow and CIHigh bound the 95% paired-bootstrap percentile interval
	// of Diff.
	CILow  float64 `json:"ci_low"`
	CIHigh float64 `json:"ci_high"`
	// PBootstrap is the two-sided bootstrap p-value (shifted to the null of
	// no difference); PRandom the two-sided paired randomisation
	// (sign-flip) p-value.
	PBootstrap float64 `json:"p_bootstrap"`
	PRandom    float64 `json:"p_randomisation"`
}

// SignificanceOptions configure ComparePaired. Zero values mean the defaults.
type SignificanceOptions struct {
	Resamples int    // bootstrap resamples and randomisation rounds; default 10000
	Seed      uint64 // default 42
}

// ComparePaired compares per-query values a[i] and b[i] (same query i).
func ComparePaired(a, b []float64, metric string, opts SignificanceOptions) (Comparison, error) {
	if len(a) != len(b) {
		return Comparison{}, fmt.Errorf("eval: paired test needs equal lengths, got %d and %d", len(a), len(b))
	}
	if len(a) == 0 {
		return Comparison{}, fmt.Errorf("eval: paired test over no queries")
	}
	if opts.Resamples <= 0 {
		opts.Resamples = 10000
	}
	if opts.Seed == 0 {
		opts.Seed = 42
	}
	n := len(a)
	d := make([]float64, n)
	c := Comparison{Metric: metric, N: n}
	for i := range a {
		if math.IsNaN(a[i]) || math.IsNaN(b[i]) {
			return Comparison{}, fmt.Errorf("eval: paired test: NaN at query %d", i)
		}
		d[i] = b[i] - a[i]
		c.MeanA += a[i]
		c.MeanB += b[i]
		c.Diff += d[i]
	}
	c.MeanA /= float64(n)
	c.MeanB /= float64(n)
	c.Diff /= float64(n)

	rng := rand.New(rand.NewPCG(opts.Seed, 1))
	means := make([]float64, opts.Resamples)
	var extreme int
	for r := range means {
		var s float64
		for j := 0; j < n; j++ {
			s += d[rng.IntN(n)]
		}
		means[r] = s / float64(n)
		// Null-shifted bootstrap: how often a resample deviates from the
		// observed mean at least as much as the observed mean from 0.
		if math.Abs(means[r]-c.Diff) >= math.Abs(c.Diff)-1e-15 {
			extreme++
		}
	}
	slices.Sort(means)
	c.CILow = quantile(means, 0.025)
	c.CIHigh = quantile(means, 0.975)
	c.PBootstrap = float64(extreme+1) / float64(opts.Resamples+1)

	rng = rand.New(rand.NewPCG(opts.Seed, 2))
	obs := math.Abs(c.Diff)
	extreme = 0
	for r := 0; r < opts.Resamples; r++ {
		var s float64
		for _, x := range d {
			if rng.Uint64()&1 == 0 {
				s += x
			} else {
				s -= x
			}
		}
		if math.Abs(s/float64(n)) >= obs-1e-15 {
			extreme++
		}
	}
	c.PRandom = float64(extreme+1) / float64(opts.Resamples+1)
	return c, nil
}

// quantile of sorted values with linear interpolation.
func quantile(s []float64, p float64) float64 {
	if len(s) == 1 {
		return s[0]
	}
	x := p * float64(len(s)-1)
	i := int(x)
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[i] + (x-float64(i))*(s[i+1]-s[i])
}

// CompareReports pairs two reports' per-query values of metric. Both must
// cover the same queries (same dataset and split).
func CompareReports(a, b *Report, metric string, opts SignificanceOptions) (Comparison, error) {
	if len(a.PerQuery) == 0 || len(b.PerQuery) == 0 {
		return Comparison{}, fmt.Errorf("eval: report without per-query metrics")
	}
	if len(a.PerQuery) != len(b.PerQuery) {
		return Comparison{}, fmt.Errorf("eval: reports cover %d and %d queries; compare runs on the same dataset and split", len(a.PerQuery), len(b.PerQuery))
	}
	qids := make([]string, 0, len(a.PerQuery))
	for q := range a.PerQuery {
		qids = append(qids, q)
	}
	sort.Strings(qids)
	va := make([]float64, len(qids))
	vb := make([]float64, len(qids))
	for i, q := range qids {
		ma, mb := a.PerQuery[q], b.PerQuery[q]
		if mb == nil {
			return Comparison{}, fmt.Errorf("eval: query %q is in the first report only", q)
		}
		x, ok := ma[metric]
		y, ok2 := mb[metric]
		if !ok || !ok2 {
			return Comparison{}, fmt.Errorf("eval: metric %q missing for query %q", metric, q)
		}
		va[i], vb[i] = x, y
	}
	return ComparePaired(va, vb, metric, opts)
}

// String formats the comparison as one line.
func (c Comparison) String() string {
	return fmt.Sprintf("%s: A %.4f B %.4f diff %+.4f 95%% CI [%+.4f, %+.4f] p(bootstrap) %.4f p(randomisation) %.4f (%d queries)",
		c.Metric, c.MeanA, c.MeanB, c.Diff, c.CILow, c.CIHigh, c.PBootstrap, c.PRandom, c.N)
}
