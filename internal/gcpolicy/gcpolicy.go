// Package gcpolicy holds the garbage-collector setting of Sparrow's
// long-running processes (searchd, indexer build). A served or building
// index's heap is mostly a large, long-lived, pointer-free decoded index,
// which Go's default GOGC=100 lets grow by as much again in garbage before
// the next collection: a served 1M index's RSS was twice its live heap.
// Marking such a heap is cheap, so above a few hundred MB the collector
// runs at 25% growth; a small heap (SciFact's) keeps at least MinHeadroom
// of growth, as many collections as before, so small searches pay nothing
// (docs/BENCHMARKS.md, "Served index memory").
package gcpolicy

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

const (
	// Percent is the GC target of a large heap: collect when the heap has
	// grown 25% over what the last collection kept.
	Percent = 25
	// MinHeadroom is the least growth allowed between collections; below
	// 4*MinHeadroom of live heap the target is raised up to GOGC's default
	// 100.
	MinHeadroom = 128 << 20
)

// PercentFor is the GC percent for a live heap of live bytes:
// max(Percent, MinHeadroom/live) as a percentage, at most 100. Before the
// first collection (live 0) it is Percent: a process starting up is
// loading or building an index, and its garbage then (blobs being read
// and decoded) would otherwise set its peak RSS.
func PercentFor(live uint64) int {
	if live == 0 {
		return Percent
	}
	return int(min(max(uint64(Percent), MinHeadroom*100/live), 100))
}

// Apply sets the GC percent for the current live heap, unless the GOGC
// environment variable is set (an explicit choice wins, GOGC=off
// included); it returns the percent in effect.
func Apply() int {
	if explicit() {
		return int(readMetric("/gc/gogc:percent"))
	}
	p := PercentFor(readMetric("/gc/heap/live:bytes"))
	debug.SetGCPercent(p)
	return p
}

// explicit reports whether the GOGC environment variable chose the GC
// percent.
func explicit() bool {
	v, ok := os.LookupEnv("GOGC")
	return ok && v != ""
}

// Keep calls Apply now and every interval until ctx is done, so that the
// target follows the heap as indexes are built, opened or replaced (with
// GOGC set, once: nothing to follow).
func Keep(ctx context.Context, every time.Duration) {
	if Apply(); explicit() {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			Apply()
		}
	}
}

// readMetric reads a runtime metric of kind uint64 (0 when unsupported):
// /gc/heap/live:bytes is the heap the last collection marked live (0
// before the first), /gc/gogc:percent the GC percent in effect.
func readMetric(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
