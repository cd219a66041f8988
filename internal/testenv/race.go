//go:build race

package testenv

// RaceEnabled reports whether the race detector is on (its sync.Pool drops
// items at random, so allocation counts are not stable under it).
const RaceEnabled = true
