//go:build !unix

package collection

import "io/fs"

func allocatedBytes(info fs.FileInfo) int64 { return info.Size() }
