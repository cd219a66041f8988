//go:build unix

package main

import (
	"syscall"
	"time"
)

// processCPU is the process's user+system CPU time so far: benchmarks report
// CPU per operation, which neighbours on a shared machine disturb far less
// than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
