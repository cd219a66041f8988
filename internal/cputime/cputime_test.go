//go:build unix

package cputime

import (
	"runtime"
	"testing"
)

// Both clocks advance while this goroutine burns CPU on its own thread.
func TestClocksAdvance(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0, p0 := Thread(), Process()
	x := 0
	for i := 0; i < 1e9 && Thread()-t0 < 2e6; i++ { // up to 2 ms of this thread's CPU
		x += i
	}
	if Thread() <= t0 || Process() <= p0 || x == 0 {
		t.Fatalf("thread %v -> %v, process %v -> %v", t0, Thread(), p0, Process())
	}
}
