//go:build !linux

package sqlite

import "os"

// datasync flushes f to the disk (fsync(2)).
func datasync(f *os.File) error { return f.Sync() }
