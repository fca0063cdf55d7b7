package bench

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ssooidc/ssooidc/internal/postgres"
	"github.com/ssooidc/ssooidc/internal/server"
)

// Postgres is the PostgreSQL store on the database dsn, with its defaults.
// Each data directory gets a schema of its own (named after the
// directory), created fresh and dropped when the directory is.
func Postgres(dsn string) *Backend {
	return &Backend{
		Name: "postgres",
		Open: func(ctx context.Context, dir string) (server.Store, error) {
			st, err := postgres.Open(ctx, dsn, postgres.Options{Schema: pgSchema(dir)})
			if err != nil {
				return nil, err
			}
			// Checked when run rather than compiled, so that the harness
			// builds while the store catches up with what the server needs.
			if s, ok := any(st).(server.Store); ok {
				return s, nil
			}
			st.Close()
			return nil, errors.New("the PostgreSQL store does not implement everything the server needs yet (server.Store)")
		},
		ServeArgs:   func(string) []string { return []string{"--database", dsn} },
		ServeConfig: func(dir string) string { return "postgres:\n  schema: " + pgSchema(dir) + "\n" },
		Size:        func(ctx context.Context, dir string) (StoreSize, error) { return pgSize(ctx, dsn, pgSchema(dir)) },
		Seed: func(ctx context.Context, dir string, tokens int64, progress func(string)) (int64, error) {
			return seedPostgres(ctx, dsn, pgSchema(dir), tokens, progress)
		},
		Drop: func(ctx context.Context, dir string) error {
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			_, err = conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{pgSchema(dir)}.Sanitize()+` CASCADE`)
			return err
		},
	}
}

// pgSchema names the schema of a data directory.
func pgSchema(dir string) string {
	h := fnv.New64a()
	h.Write([]byte(filepath.Clean(dir)))
	return fmt.Sprintf("ssooidc_bench_%016x", h.Sum64())
}

// pgSize sums pg_total_relation_size (table, indexes, TOAST) over the
// schema's tables.
func pgSize(ctx context.Context, dsn, schema string) (StoreSize, error) {
	var s StoreSize
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return s, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`, schema)
	if err != nil {
		return s, err
	}
	defer rows.Close()
	s.Tables = map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return s, err
		}
		s.Tables[name] = n
		s.Bytes += n
	}
	return s, rows.Err()
}

// seedPostgres is seedSQLite for PostgreSQL: COPY of filler families, one
// access token and SeedTokensPerFamily refresh tokens each, in the types
// the store uses (bytea digests, text[] lists, timestamptz, NULL for "not
// yet").
func seedPostgres(ctx context.Context, dsn, schema string, tokens int64, progress func(string)) (int64, error) {
	st, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema}) // creates the schema and its tables
	if err != nil {
		return 0, err
	}
	st.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SET search_path = `+pgx.Identifier{schema}.Sanitize()); err != nil {
		return 0, err
	}
	for table, want := range seedColumns {
		var got []string
		if err := conn.QueryRow(ctx, `SELECT array_agg(column_name::text ORDER BY ordinal_position) FROM information_schema.columns
			WHERE table_schema = $1 AND table_name = $2`, schema, table).Scan(&got); err != nil {
			return 0, err
		}
		if !slices.Equal(got, want) {
			return 0, fmt.Errorf("seeding: table %s has columns %v, the seeder writes %v: update internal/bench/postgres.go", table, got, want)
		}
	}
	var have int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM refresh_tokens`).Scan(&have); err != nil {
		return 0, err
	}
	if have >= tokens {
		return have, nil
	}
	families := (tokens - have + SeedTokensPerFamily - 1) / SeedTokensPerFamily
	now := time.Now().UTC()
	t0 := now
	expires, accessExp := now.Add(30*24*time.Hour), now.Add(time.Hour)
	famIDs, accDigests, refDigests := newSpread(families), newSpread(families), newSpread(families*SeedTokensPerFamily)
	sc := []string{"sso:account:access"}
	for done := int64(0); done < families; {
		n := min(seedFamilyBatch, families-done)
		fam := make([][]any, 0, n)
		acc := make([][]any, 0, n)
		ref := make([][]any, 0, n*SeedTokensPerFamily)
		for range n {
			id := famIDs.hex()
			fam = append(fam, []any{id, "bench-filler", "bench-filler", sc, true, now, expires, nil})
			acc = append(acc, []any{accDigests.next(), id, "bench-filler", "bench-filler", sc, now, accessExp})
			for g := range SeedTokensPerFamily {
				var used any = now
				if g == SeedTokensPerFamily-1 {
					used = nil
				}
				ref = append(ref, []any{refDigests.next(), id, g, now, used})
			}
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			for _, c := range []struct {
				table string
				rows  [][]any
			}{{"families", fam}, {"access_tokens", acc}, {"refresh_tokens", ref}} {
				if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, seedColumns[c.table], pgx.CopyFromRows(c.rows)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("seeding: %w", err)
		}
		done += n
		if progress != nil && (done == families || done%(10*seedFamilyBatch) == 0) {
			progress(fmt.Sprintf("seeded %d of %d families (%d refresh tokens) in %s",
				done, families, done*SeedTokensPerFamily, time.Since(t0).Round(time.Second)))
		}
	}
	if _, err := conn.Exec(ctx, `ANALYZE families; ANALYZE access_tokens; ANALYZE refresh_tokens`); err != nil {
		return 0, err
	}
	err = conn.QueryRow(ctx, `SELECT count(*) FROM refresh_tokens`).Scan(&have)
	return have, err
}
