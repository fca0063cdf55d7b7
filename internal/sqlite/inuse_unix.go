//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// dmsByte is the byte of a WAL database's -shm file that every connection
// holds a read lock on for as long as it has the database open (SQLite's
// "dead man switch", UNIX_SHM_DMS in os_unix.c: (22+8)*4+8). SQLite takes
// a write lock on it to learn whether it is the only connection; so does
// lockUnused.
const dmsByte = 128

// lockUnused takes a write lock on the dead-man-switch byte of the -shm
// file shm, which succeeds only when no connection has the database open,
// and holds it (a connection opening meanwhile fails with SQLITE_BUSY)
// until the returned function is called. It returns ErrInUse when another
// connection has the database open.
func lockUnused(shm string) (func(), error) {
	f, err := os.OpenFile(shm, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening %s to see whether the database is in use: %w", shm, err)
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: dmsByte, Len: 1}
	if err := unix.FcntlFlock(f.Fd(), lockCmd, &lk); err != nil {
		f.Close()
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
			return nil, ErrInUse
		}
		return nil, fmt.Errorf("locking %s: %w", shm, err)
	}
	return func() { f.Close() }, nil
}
