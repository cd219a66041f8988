// Package gcpolicy holds the garbage-collector setting of Sparrow's
// long-running processes (searchd, indexer build). Their heap is mostly a
// large, long-lived, pointer-free index (decoded segments), which Go's
// default GOGC=100 lets grow by as much again in garbage before the next
// collection: a served index's RSS was twice its live heap. Marking such a
// heap is cheap (few pointers), so collecting at 25% growth costs little
// CPU (docs/BENCHMARKS.md, "Served index memory").
package gcpolicy

import (
	"os"
	"runtime/debug"
)

// Percent is the GC target Apply sets: collect when the heap has grown 25%
// over what the last collection kept.
const Percent = 25

// Apply sets the GC percent to Percent unless the GOGC environment
// variable is set (an explicit choice wins, GOGC=off included), and
// returns the percent in effect.
func Apply() int {
	if v, ok := os.LookupEnv("GOGC"); ok && v != "" {
		p := debug.SetGCPercent(100) // read the value the runtime took from GOGC
		debug.SetGCPercent(p)
		return p
	}
	debug.SetGCPercent(Percent)
	return Percent
}
