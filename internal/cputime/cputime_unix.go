//go:build unix

package cputime

import (
	"time"

	"golang.org/x/sys/unix"
)

// Thread is the calling OS thread's CPU time (lock the goroutine to its
// thread with runtime.LockOSThread around a measurement); 0 if unavailable.
func Thread() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// Process is the whole process's user+system CPU time (all threads, so the
// garbage collector's work counts); 0 if unavailable.
func Process() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
