package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"github.com/ssooidc/ssooidc/internal/sqlmigrate"
	"hash/fnv"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order.
func migrations() ([]sqlmigrate.Migration, error) {
	ms, err := sqlmigrate.Load(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return ms, nil
}

// migrationLock is the first key of the advisory lock that serialises
// migrations ("SSOm"); the second is a hash of the schema's name, so stores
// in different schemas of one database do not wait for each other.
const migrationLock = 0x53534f6d

// Migrate applies the migrations the schema lacks, each recorded in
// schema_migrations, creating the schema first if Options.Schema names one
// that does not exist. Everything happens in one transaction that holds a
// transaction-level advisory lock: N processes that start together
// serialise, the first applies the migrations, the others find them
// applied. The lock is released by commit, rollback or a lost connection.
// Migrate refuses a schema that a newer binary has migrated further.
// Open runs it; running it again is harmless.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return mapErr(ctx, "migrate: begin", err)
	}
	defer tx.Rollback(ctx) // a no-op after Commit
	if err := s.migrate(ctx, tx, ms); err != nil {
		return err
	}
	return mapErr(ctx, "migrate: commit", tx.Commit(ctx))
}

func (s *Store) migrate(ctx context.Context, tx pgx.Tx, ms []sqlmigrate.Migration) error {
	// Waiting for another node's migration, and a migration itself, may
	// take longer than a request's statement: ctx bounds them instead.
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return mapErr(ctx, "migrate", err)
	}
	schema := s.schema
	if schema == "" {
		var cur *string
		if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&cur); err != nil {
			return mapErr(ctx, "migrate", err)
		}
		if cur == nil {
			return errors.New("postgres: migrate: no schema of the search_path exists; set Options.Schema or the DSN's search_path")
		}
		schema = *cur
	}
	h := fnv.New32a()
	h.Write([]byte(schema))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, int32(migrationLock), int32(h.Sum32())); err != nil {
		return mapErr(ctx, "migrate: lock", err)
	}
	if s.schema != "" {
		// Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE
		// privilege on the database even when the schema exists.
		ok, err := exists(ctx, tx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, s.schema)
		if err != nil {
			return mapErr(ctx, "migrate: schema", err)
		}
		if !ok {
			if _, err := tx.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{s.schema}.Sanitize()); err != nil {
				return mapErr(ctx, "migrate: create schema", err)
			}
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     NOT NULL PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return mapErr(ctx, "migrate", err)
	}
	applied, err := appliedMigrations(ctx, tx)
	if err != nil {
		return err
	}
	if len(applied) > len(ms) {
		return fmt.Errorf("postgres: migrate: the schema has version %d, newer than this binary's %d", len(applied), len(ms))
	}
	for i, name := range applied {
		if name != ms[i].Name {
			return fmt.Errorf("postgres: migrate: version %d was applied as %s, this binary has %s", i+1, name, ms[i].Name)
		}
	}
	for _, m := range ms[len(applied):] {
		// No arguments: pgx sends it with the simple protocol, which
		// takes several statements at once.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return mapErr(ctx, "migrate "+m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			return mapErr(ctx, "migrate "+m.Name, err)
		}
	}
	return nil
}

// appliedMigrations returns the names of the applied migrations, by
// version from 1. A gap is an error.
func appliedMigrations(ctx context.Context, tx pgx.Tx) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, mapErr(ctx, "migrate", err)
	}
	var names []string
	var version int
	var name string
	_, err = pgx.ForEachRow(rows, []any{&version, &name}, func() error {
		if version != len(names)+1 {
			return fmt.Errorf("postgres: migrate: schema_migrations lacks version %d", len(names)+1)
		}
		names = append(names, name)
		return nil
	})
	if err != nil {
		return nil, mapErr(ctx, "migrate", err)
	}
	return names, nil
}
