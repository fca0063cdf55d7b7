package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync/atomic"
)

// walFile syncs the WAL of one database, as SQLite's own sync at commit
// would: every frame written to it so far, the commit frames of every
// transaction committed so far among them. It keeps the file open between
// syncs and opens it anew whenever the writer connection was replaced
// (gen changed): only the last connection to close removes the WAL, and
// the writer's stays open as long as it is the same connection.
//
// Only the syncer goroutine uses it. Closing a descriptor of a file drops
// the POSIX locks the process holds on that file; SQLite locks the
// database and -shm files, never the WAL, so this is the one file the
// store may open and close beside SQLite.
type walFile struct {
	path string // the database file's
	gen  *atomic.Int64
	f    *os.File
	at   int64 // gen when f was opened
}

func (w *walFile) sync() error {
	if g := w.gen.Load(); w.f == nil || g != w.at {
		w.close()
		f, err := os.Open(w.path + "-wal")
		if errors.Is(err, fs.ErrNotExist) {
			// No WAL: the last connection checkpointed it into the
			// database, which SQLite synced before removing it.
			return nil
		}
		if err != nil {
			return fmt.Errorf("open the WAL to sync it: %w", err)
		}
		w.f, w.at = f, g
	}
	if err := datasync(w.f); err != nil {
		return fmt.Errorf("sync %s: %w", w.f.Name(), err)
	}
	return nil
}

func (w *walFile) close() {
	if w.f != nil {
		_ = w.f.Close()
		w.f = nil
	}
}
