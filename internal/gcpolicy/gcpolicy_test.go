package gcpolicy

import (
	"runtime/debug"
	"testing"
)

func TestApply(t *testing.T) {
	// Not parallel: the GC percent is process-wide; restored afterwards.
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	t.Run("default", func(t *testing.T) {
		t.Setenv("GOGC", "")
		if got := Apply(); got != Percent {
			t.Fatalf("Apply() = %d, want %d", got, Percent)
		}
		if got := debug.SetGCPercent(Percent); got != Percent {
			t.Fatalf("GC percent %d, want %d", got, Percent)
		}
	})
	t.Run("GOGC wins", func(t *testing.T) {
		t.Setenv("GOGC", "80")
		debug.SetGCPercent(80) // what the runtime would have read at start-up
		if got := Apply(); got != 80 {
			t.Fatalf("Apply() = %d, want 80 (GOGC)", got)
		}
	})
}
