package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ssooidc/ssooidc/internal/sqlite"
)

const backupUsage = `Usage: ssooidc admin backup FILE [--data-dir DIR | --database sqlite:PATH] [--config FILE]

Writes a consistent copy of the SQLite store to FILE while the server keeps
serving (SQLite's VACUUM INTO in one read transaction: every write
acknowledged before the backup began is in it). FILE is replaced only once
the new copy passed SQLite's integrity check.
A PostgreSQL store is backed up with PostgreSQL's tools (pg_dump).
Flags:`

const restoreUsage = `Usage: ssooidc admin restore FILE [--data-dir DIR | --database sqlite:PATH] [--config FILE]

Replaces the SQLite store by the backup FILE. Stop every ssooidc using the
store first: restore refuses while the database is open. The backup is
checked first (SQLite's integrity check, an ssooidc schema this binary
knows); the replaced database is kept beside it as
ssooidc.db.before-restore-TIME.
A PostgreSQL store is restored with PostgreSQL's tools (pg_restore, psql).
Flags:`

// cmdBackupRestore is "admin backup FILE" and "admin restore FILE".
func cmdBackupRestore(ctx context.Context, verb string, args []string, stdout, stderr io.Writer) error {
	usage := backupUsage
	if verb == "restore" {
		usage = restoreUsage
	}
	fs := newFlags("admin "+verb, usage, stderr)
	var sf storeFlags
	sf.register(fs)
	file, err := parseOneArg(fs, args, "a backup FILE")
	if err != nil {
		return err
	}
	_, dir, err := sf.resolve()
	if err != nil {
		return err
	}
	if isPostgres(sf.database) {
		return pgBackupAdvice(verb)
	}
	if sf.database != "" && !strings.HasPrefix(sf.database, "sqlite:") {
		return usagef("--database %q: use postgres://... or sqlite:PATH", redact(sf.database))
	}
	path := sqlitePath(sf.database, dir)
	if verb == "backup" {
		info, err := sqlite.Backup(ctx, path, file)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Backed up %s to %s (%d bytes, schema version %d); it passed SQLite's integrity check.\n",
			path, file, info.Bytes, info.SchemaVersion)
		return nil
	}
	res, err := sqlite.Restore(ctx, file, path)
	if errors.Is(err, sqlite.ErrInUse) {
		return fmt.Errorf("the store %s is in use (a running ssooidc serve, or another program has it open): stop it, then restore", path)
	}
	if err != nil {
		return fmt.Errorf("nothing was restored: %w", err)
	}
	// Opening applies the migrations an older backup lacks, and proves
	// the restored store opens.
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("the backup was restored to %s but does not open: %w", path, err)
	}
	s.Close()
	fmt.Fprintf(stdout, "Restored %s to %s (schema version %d).\n", file, path, res.SchemaVersion)
	if res.Kept != "" {
		fmt.Fprintf(stdout, "The database it replaced is kept as %s.\n", res.Kept)
	}
	return nil
}

// pgBackupAdvice is the answer of backup and restore on PostgreSQL.
func pgBackupAdvice(verb string) error {
	if verb == "backup" {
		return errors.New("the store is PostgreSQL: back it up with PostgreSQL's own tools, e.g. " +
			`pg_dump --format=custom --schema=SCHEMA --file=ssooidc.dump "$DATABASE_URL" ` +
			"(consistent while ssooidc serves); ssooidc admin backup copies the SQLite store only")
	}
	return errors.New("the store is PostgreSQL: restore it with PostgreSQL's own tools, e.g. " +
		`pg_restore --clean --if-exists --dbname="$DATABASE_URL" ssooidc.dump, with every ssooidc node stopped; ` +
		"ssooidc admin restore replaces the SQLite store only")
}

// parseOneArg parses flags and the one positional argument (before or
// after them), which is required.
func parseOneArg(fs *flag.FlagSet, args []string, what string) (string, error) {
	var arg string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		arg, args = args[0], args[1:]
	}
	if err := parseArgs(fs, args); err != nil {
		return "", err
	}
	rest := fs.Args()
	if arg == "" && len(rest) > 0 {
		arg, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		return "", usagef("%s takes one argument, got also %q", fs.Name(), rest)
	}
	if arg == "" {
		return "", usagef("%s needs %s", fs.Name(), what)
	}
	return arg, nil
}
