package server

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sparrow-search/sparrow/collection"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"
)

// metrics holds searchd's Prometheus collectors on a private registry (so
// tests can run several servers in one process).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	ingest   *prometheus.CounterVec
	handler  fasthttp.RequestHandler

	mu    sync.Mutex
	cache map[reqKey]reqChildren // avoids label hashing on the hot path
}

type reqKey struct {
	method, route string
	code          int
}

type reqChildren struct {
	count prometheus.Counter
	lat   prometheus.Observer
}

func newMetrics(cat *collection.Catalog) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sparrow_http_requests_total",
			Help: "HTTP requests by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sparrow_http_request_duration_seconds",
			Help:    "HTTP request latency by method, route pattern and status code.",
			Buckets: []float64{50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 1, 5},
		}, []string{"method", "route", "code"}),
		ingest: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sparrow_ingested_documents_total",
			Help: "Documents upserted per index (rate() of it is the ingest rate).",
		}, []string{"index"}),
		cache: map[reqKey]reqChildren{},
	}
	m.reg.MustRegister(m.requests, m.latency, m.ingest,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&indexCollector{cat: cat})
	m.handler = fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	return m
}

func (m *metrics) observe(method, route string, code int, d time.Duration) {
	switch method {
	case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS":
	default:
		method = "OTHER" // clients choose methods: keep label cardinality bounded
	}
	k := reqKey{method, route, code}
	m.mu.Lock()
	c, ok := m.cache[k]
	if !ok {
		lv := []string{method, route, strconv.Itoa(code)}
		c = reqChildren{count: m.requests.WithLabelValues(lv...), lat: m.latency.WithLabelValues(lv...)}
		m.cache[k] = c
	}
	m.mu.Unlock()
	c.count.Inc()
	c.lat.Observe(d.Seconds())
}

func (m *metrics) ingested(index string, n int) { m.ingest.WithLabelValues(index).Add(float64(n)) }

func (m *metrics) forget(index string) { m.ingest.DeleteLabelValues(index) }

// indexCollector reports per-index sizes at scrape time.
type indexCollector struct{ cat *collection.Catalog }

var (
	descDocs      = prometheus.NewDesc("sparrow_index_documents", "Live documents per index.", []string{"index"}, nil)
	descSegs      = prometheus.NewDesc("sparrow_index_segments", "Segments per index.", []string{"index"}, nil)
	descPost      = prometheus.NewDesc("sparrow_index_postings", "Postings per index (including deleted documents not yet merged away).", []string{"index"}, nil)
	descDisk      = prometheus.NewDesc("sparrow_index_disk_bytes", "Bytes on disk per index (sparse + bm25).", []string{"index"}, nil)
	descRCLookups = prometheus.NewDesc("sparrow_result_cache_lookups_total", "Searches that looked their ranking up in the index's result cache (since it was opened).", []string{"index"}, nil)
	descRCHits    = prometheus.NewDesc("sparrow_result_cache_hits_total", "Searches whose ranking the index's result cache held (since it was opened).", []string{"index"}, nil)
)

func (c *indexCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descDocs
	ch <- descSegs
	ch <- descPost
	ch <- descDisk
	ch <- descRCLookups
	ch <- descRCHits
}

func (c *indexCollector) Collect(ch chan<- prometheus.Metric) {
	for _, name := range c.cat.Names() {
		col, err := c.cat.Get(name)
		if err != nil {
			continue
		}
		in, err := info(name, col)
		if err != nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(descDocs, prometheus.GaugeValue, float64(in.Documents), name)
		ch <- prometheus.MustNewConstMetric(descSegs, prometheus.GaugeValue, float64(in.Segments), name)
		ch <- prometheus.MustNewConstMetric(descPost, prometheus.GaugeValue, float64(in.Postings), name)
		ch <- prometheus.MustNewConstMetric(descDisk, prometheus.GaugeValue, float64(in.DiskBytes), name)
		lookups, hits := col.ResultCacheStats()
		ch <- prometheus.MustNewConstMetric(descRCLookups, prometheus.CounterValue, float64(lookups), name)
		ch <- prometheus.MustNewConstMetric(descRCHits, prometheus.CounterValue, float64(hits), name)
	}
}
