//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package login

import "os"

// On platforms without flock the lock is advisory only within this
// process's calls; cache writes stay atomic.
func tryLock(*os.File) (bool, error) { return true, nil }

func unlock(*os.File) error { return nil }
