package scoring

import "testing"

// TestFewWindowsBits: views of a few default windows get windows that
// cut them into at least 4; others keep the default.
func TestFewWindowsBits(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want uint
	}{
		{1, 16}, {20_000, 16}, {1 << 16, 16}, {1<<16 + 1, 14}, {100_000, 14},
		{1<<17 - 1, 14}, {1 << 17, 15}, {1<<18 - 1, 15}, {1 << 18, 16}, {1_000_000, 16},
	} {
		if got := fewWindowsBits(tc.n); got != tc.want {
			t.Errorf("fewWindowsBits(%d) = %d, want %d", tc.n, got, tc.want)
		}
		if got := fewWindowsBits(tc.n); tc.n > 1<<16 && tc.n < 1<<18 && tc.n <= 3<<got {
			t.Errorf("fewWindowsBits(%d) = %d: fewer than 4 windows", tc.n, got)
		}
	}
}
