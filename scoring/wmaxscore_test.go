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

// TestSetAside: the lists set aside in a window are the weakest whose
// bounds sum below SetAside times the threshold (default 3/4; negative or
// at least 1: the threshold itself), and the partition keeps their sum.
func TestSetAside(t *testing.T) {
	wmax := []int32{30, 10, 20}   // lists by bound: 1, 2, 0
	est := []int64{1, 5000, 1000} // no list set aside is cheaper to add (partition's second rule)
	for _, tc := range []struct {
		name     string
		setAside float64
		thr      int32
		wantE    int
		wantRest int32
	}{
		{"default, 3/4 of 40 = 30: 10 only", 0, 40, 1, 10},
		{"threshold itself: 10 + 20 < 40", -1, 40, 2, 30},
		{"at least 1: the threshold itself", 1.5, 40, 2, 30},
		{"half of 80 = 40: 10 + 20", 0.5, 80, 2, 30},
		{"default, 3/4 of 10 = 7: none", 0, 10, 0, 0},
		{"default, 3/4 of 100 = 75: all, 60", 0, 100, 3, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &WMaxScore{SetAside: tc.setAside}
			order := make([]int, len(wmax))
			e, rest := a.partition(a.config(0, 1<<20).asideBelow(tc.thr), wmax, order, est)
			if e != tc.wantE || rest != tc.wantRest {
				t.Fatalf("partition: %d set aside summing %d, want %d summing %d", e, rest, tc.wantE, tc.wantRest)
			}
			var sum int32
			for _, i := range order[:e] {
				sum += wmax[i]
			}
			if sum != rest {
				t.Fatalf("set-aside bounds sum to %d, partition says %d", sum, rest)
			}
		})
	}
}
