//go:build !linux

package collection

import "errors"

// exchange is not available here; callers fall back to two renames.
func exchange(a, b string) error { return errors.New("no atomic directory exchange on this system") }
