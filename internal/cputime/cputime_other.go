//go:build !unix

package cputime

import "time"

// Thread is unknown here: 0.
func Thread() time.Duration { return 0 }

// Process is unknown here: 0.
func Process() time.Duration { return 0 }
