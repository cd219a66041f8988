package gcpolicy

import (
	"runtime/debug"
	"testing"
)

func TestPercentFor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, Percent},       // before the first collection
		{64 << 20, 100},    // small heap: GOGC's default
		{256 << 20, 50},    // 128 MiB of headroom
		{512 << 20, 25},    // from here on, 25%
		{4 << 30, Percent}, // large heap
	} {
		if got := PercentFor(c.live); got != c.want {
			t.Errorf("PercentFor(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}

func TestApply(t *testing.T) {
	// Not parallel: the GC percent is process-wide; restored afterwards.
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	t.Run("default", func(t *testing.T) {
		t.Setenv("GOGC", "")
		got := Apply()
		if got < Percent || got > 100 {
			t.Fatalf("Apply() = %d, want %d..100", got, Percent)
		}
		if cur := debug.SetGCPercent(got); cur != got {
			t.Fatalf("GC percent %d, Apply said %d", cur, got)
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
