package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// syncWALFile makes the WAL of the database at path durable, as SQLite's
// own sync at commit would: every frame written to it so far, the commit
// frames of every transaction committed so far among them. The file is
// opened anew each time, so a WAL that SQLite removed and created again
// is never missed. If there is no WAL (the last connection checkpointed
// it into the database and removed it), the database file is synced.
func syncWALFile(path string) error {
	f, err := os.Open(path + "-wal")
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.Open(path)
	}
	if err != nil {
		return fmt.Errorf("open for sync: %w", err)
	}
	defer f.Close()
	if err := datasync(f); err != nil {
		return fmt.Errorf("sync %s: %w", f.Name(), err)
	}
	return nil
}
