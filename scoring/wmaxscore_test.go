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

func TestFinishes(t *testing.T) {
	for _, c := range []struct {
		k, n int
		want bool
	}{
		{10, 100, false},        // the top 10: never
		{11, 100, true},         // more hits on a small view
		{100, 100_000, true},    // 1,000 docs per hit
		{100, 100_001, false},   // more
		{1000, 1_000_000, true}, // 1M at top-1000
		{100, 1_000_000, false}, // 1M at top-100
		{1000, 8_800_000, false},
	} {
		if got := finishes(c.k, c.n); got != c.want {
			t.Errorf("finishes(%d, %d) = %v, want %v", c.k, c.n, got, c.want)
		}
	}
}
