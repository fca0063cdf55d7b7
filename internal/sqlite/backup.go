package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Backups are made with VACUUM INTO on a read-only connection of their
// own, not through the store's writer: VACUUM INTO cannot run inside the
// transaction the writer keeps open, and it needs no more than a read
// transaction, which in WAL mode never blocks the writer of the serving
// process. That one read transaction is a snapshot, so the copy holds
// every transaction committed before it began (an acknowledged write is
// committed before it is acknowledged) and none of what commits during
// it. SQLite's online backup API would give the same snapshot only if run
// in one step; stepped, it restarts whenever another process writes. The
// copy is compact (free pages are left out) and in rollback-journal mode;
// Open turns it back into WAL.

// ErrInUse is returned by Restore when a process has the database open.
var ErrInUse = errors.New("the database is open in another process")

// Info describes a database file: an ssooidc store that passed SQLite's
// integrity check.
type Info struct {
	SchemaVersion int   // the newest migration applied
	Migrations    int   // this binary's newest migration
	Bytes         int64 // the file's size
}

// Backup writes a consistent copy of the database at path to dst while
// other processes read and write it, checks the copy (see Verify) and
// returns what it holds. dst is written beside itself first and renamed
// into place once synced and checked, so an existing dst is replaced only
// by a good backup. dst must not be the database or one of its files.
func Backup(ctx context.Context, path, dst string) (Info, error) {
	src, err := filepath.Abs(path)
	if err != nil {
		return Info{}, fmt.Errorf("sqlite: backup: %w", err)
	}
	if _, err := os.Stat(src); err != nil {
		return Info{}, fmt.Errorf("sqlite: backup: no database at %s: %w", src, err)
	}
	if dst, err = filepath.Abs(dst); err != nil {
		return Info{}, fmt.Errorf("sqlite: backup: %w", err)
	}
	for _, f := range []string{src, src + "-wal", src + "-shm"} {
		if sameFile(f, dst) {
			return Info{}, fmt.Errorf("sqlite: backup: %s is the database itself, not a place for its backup", dst)
		}
	}
	tmp := fmt.Sprintf("%s.tmp-%d", dst, time.Now().UnixNano())
	defer os.Remove(tmp)
	db, err := sql.Open("sqlite", dsn(src, url.Values{"mode": {"ro"}, "_busy_timeout": {"5000"}}))
	if err != nil {
		return Info{}, fmt.Errorf("sqlite: backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return Info{}, fmt.Errorf("sqlite: backup: VACUUM INTO: %w", err)
	}
	if err := syncFile(tmp, 0o600); err != nil {
		return Info{}, fmt.Errorf("sqlite: backup: %w", err)
	}
	info, err := Verify(ctx, tmp)
	if err != nil {
		return Info{}, fmt.Errorf("sqlite: backup: the copy does not check out: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return Info{}, fmt.Errorf("sqlite: backup: %w", err)
	}
	return info, syncDir(filepath.Dir(dst))
}

// Verify checks that the file at path is an ssooidc database this binary
// can open: SQLite's integrity check passes and its schema version is not
// newer than this binary's migrations. It opens the file read-only and
// immutable (no locks, no -wal or -shm beside it): meant for a backup,
// not for a database in use.
func Verify(ctx context.Context, path string) (Info, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Info{}, err
	}
	ms, err := migrations()
	if err != nil {
		return Info{}, err
	}
	db, err := sql.Open("sqlite", dsn(path, url.Values{"mode": {"ro"}, "immutable": {"1"}}))
	if err != nil {
		return Info{}, err
	}
	defer db.Close()
	if err := integrityCheck(ctx, db); err != nil {
		return Info{}, fmt.Errorf("%s %w", path, err)
	}
	info := Info{Migrations: len(ms), Bytes: st.Size()}
	err = db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&info.SchemaVersion)
	if err != nil || info.SchemaVersion == 0 {
		return Info{}, fmt.Errorf("%s is a SQLite database but not an ssooidc store (no migrations applied)", path)
	}
	if info.SchemaVersion > len(ms) {
		return Info{}, fmt.Errorf("%s has schema version %d, newer than this binary's %d: restore it with the ssooidc that made it",
			path, info.SchemaVersion, len(ms))
	}
	return info, nil
}

// integrityCheck runs SQLite's integrity check and reports its first
// findings.
func integrityCheck(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check(4)`)
	if err != nil {
		return fmt.Errorf("is not a SQLite database: %w", err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("is not a SQLite database: %w", err)
		}
		found = append(found, line)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("is not a SQLite database: %w", err)
	}
	if len(found) != 1 || found[0] != "ok" {
		return fmt.Errorf("fails SQLite's integrity check: %s", strings.Join(found, "; "))
	}
	return nil
}

// Restored is what Restore did.
type Restored struct {
	Info
	// Kept is where the database that was replaced now is (its -wal
	// beside it), or "" if there was none.
	Kept string
}

// Restore replaces the database at path by the backup file: it checks the
// backup (Verify), refuses with ErrInUse while any process has the
// database open (and keeps others from opening it meanwhile), moves the
// current database and its WAL aside to path.before-restore-TIME, and
// puts a synced copy of the backup in place. The migrations a backup
// lacks are applied when the store is next opened.
func Restore(ctx context.Context, backup, path string) (Restored, error) {
	info, err := Verify(ctx, backup)
	if err != nil {
		return Restored{}, err
	}
	if path, err = filepath.Abs(path); err != nil {
		return Restored{}, err
	}
	if sameFile(backup, path) {
		return Restored{}, fmt.Errorf("%s is the database itself", backup)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Restored{}, err
	}
	unlock, err := lockUnused(path + "-shm")
	if err != nil {
		return Restored{}, err
	}
	defer unlock()
	tmp := fmt.Sprintf("%s.restore-%d", path, time.Now().UnixNano())
	defer os.Remove(tmp)
	if err := copyFile(backup, tmp); err != nil {
		return Restored{}, err
	}
	r := Restored{Info: info}
	if _, err := os.Stat(path); err == nil {
		r.Kept = path + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(path, r.Kept); err != nil {
			return Restored{}, err
		}
		// The WAL goes with its database: left behind, SQLite would
		// replay it into the restored file.
		if err := os.Rename(path+"-wal", r.Kept+"-wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
			return Restored{}, err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return Restored{}, err
	}
	// The shared-memory index described the old WAL; the next opener
	// builds a new one.
	if err := os.Remove(path + "-shm"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Restored{}, err
	}
	return r, syncDir(filepath.Dir(path))
}

// copyFile copies src to a new file dst (mode 0600) and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncFile sets the mode of path and syncs it to disk.
func syncFile(path string, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}
