package main

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadCPU is this OS thread's CPU time. The harness locks its goroutine
// to one thread, so differences are the time a query actually ran, without
// the waits for a core that a shared machine adds to wall-clock time.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// processCPU is the CPU time of the whole process (all threads, so the
// garbage collector's work counts), user plus system.
func processCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
