//go:build unix && !linux

package sqlite

import "golang.org/x/sys/unix"

// lockCmd is a POSIX record lock: it sees the locks of other processes
// only, which is what the admin tool, a process of its own, needs.
const lockCmd = unix.F_SETLK
