package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sqlite"

	_ "modernc.org/sqlite" // the driver internal/sqlite uses, for size queries and seeding
)

// dbFile is the file "ssooidc serve --data-dir" keeps its store in.
const dbFile = "ssooidc.db"

// SQLite is the embedded store, as "ssooidc serve --data-dir DIR" opens it
// (internal/sqlite with its defaults: WAL, synchronous=FULL).
func SQLite() *Backend {
	return &Backend{
		Name: "sqlite",
		Open: func(ctx context.Context, dir string) (server.Store, error) {
			return sqlite.Open(ctx, filepath.Join(dir, dbFile))
		},
		ServeArgs: func(dir string) []string { return []string{"--data-dir", dir} },
		Size:      sqliteSize,
		Seed:      seedSQLite,
	}
}

// sideConn opens a connection of the harness's own to the store's file,
// next to the server's (WAL lets it read while the server writes).
func sideConn(path string, pragmas ...string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(on)")
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// sqliteSize reports the file sizes and the logical size of the database
// (its pages in use as of the latest commit, WAL included, free pages not
// counted), per table with its indexes (the dbstat virtual table).
func sqliteSize(ctx context.Context, dir string) (StoreSize, error) {
	path := filepath.Join(dir, dbFile)
	var s StoreSize
	if fi, err := os.Stat(path); err == nil {
		s.Main = fi.Size()
	} else {
		return s, err
	}
	if fi, err := os.Stat(path + "-wal"); err == nil {
		s.WAL = fi.Size()
	}
	db, err := sideConn(path, "query_only(on)")
	if err != nil {
		return s, err
	}
	defer db.Close()
	var pages, free, pageSize int64
	if err := db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		return s, err
	}
	if err := db.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil {
		return s, err
	}
	pages -= free
	if err := db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
		return s, err
	}
	s.Bytes = pages * pageSize
	rows, err := db.QueryContext(ctx, `SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize)
		FROM dbstat AS d LEFT JOIN sqlite_schema AS m ON m.name = d.name GROUP BY 1`)
	if err != nil {
		return s, nil // no dbstat: totals only
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
	}
	return s, rows.Err()
}

// The columns the seeder writes, as in internal/sqlite's
// migrations/0001_init.sql. seedSQLite refuses a schema that differs, so
// a migration that changes them makes the seeder fail loudly rather than
// write rows the store would misread.
var seedColumns = map[string][]string{
	"families":       {"id", "client_id", "user_id", "scopes", "refreshable", "created_at", "expires_at", "revoked_at"},
	"refresh_tokens": {"digest", "family_id", "generation", "created_at", "used_at"},
	"access_tokens":  {"digest", "family_id", "client_id", "user_id", "scopes", "issued_at", "expires_at"},
}

// SeedTokensPerFamily is how many refresh tokens each seeded family holds:
// generations 0 to 9, all used but the last, as a family that has been
// refreshed nine times keeps them until it expires. Each seeded family
// also holds its one live access token.
const SeedTokensPerFamily = 10

// seedFamilyBatch is how many families one seeding transaction writes.
const seedFamilyBatch = 20000

// seedSQLite bulk-inserts filler families until the store in dir holds at
// least tokens refresh tokens. It writes what the store writes (digests
// are 32-byte BLOBs, ids 32 hex characters, times unix milliseconds,
// lists JSON arrays), in large transactions on a connection of its own,
// with no server running. Digests are random but generated in ascending
// order within one call, so that the indexes are filled in one sweep
// instead of one random page per row. Families live 30 days, so nothing
// seeded expires during a run.
func seedSQLite(ctx context.Context, dir string, tokens int64, progress func(string)) (int64, error) {
	path := filepath.Join(dir, dbFile)
	st, err := sqlite.Open(ctx, path) // creates the file and applies the migrations
	if err != nil {
		return 0, err
	}
	if err := st.Close(); err != nil {
		return 0, err
	}
	// A 1 GiB page cache for this connection only: it is the seeder's, not
	// the server's, and only makes the bulk insert faster.
	db, err := sideConn(path, "cache_size(-1048576)", "journal_size_limit(67108864)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	for table, want := range seedColumns {
		got, err := columns(ctx, db, table)
		if err != nil {
			return 0, err
		}
		if !slices.Equal(got, want) {
			return 0, fmt.Errorf("seeding: table %s has columns %v, the seeder writes %v: update internal/bench/sqlite.go", table, got, want)
		}
	}
	var have int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM refresh_tokens`).Scan(&have); err != nil {
		return 0, err
	}
	if have >= tokens {
		return have, nil
	}
	families := (tokens - have + SeedTokensPerFamily - 1) / SeedTokensPerFamily
	now := time.Now()
	t0 := now
	created, expires := now.UnixMilli(), now.Add(30*24*time.Hour).UnixMilli()
	accessExp := now.Add(time.Hour).UnixMilli()
	famIDs := newSpread(families)
	accDigests := newSpread(families)
	refDigests := newSpread(families * SeedTokensPerFamily)
	const clientID, userID, scopeList = "bench-filler", "bench-filler", `["sso:account:access"]`
	for done := int64(0); done < families; {
		n := min(seedFamilyBatch, families-done)
		err := seedBatch(ctx, db, func(fam, acc, ref *sql.Stmt) error {
			for range n {
				id := famIDs.hex()
				if _, err := fam.ExecContext(ctx, id, clientID, userID, scopeList, 1, created, expires, 0); err != nil {
					return err
				}
				if _, err := acc.ExecContext(ctx, accDigests.next(), id, clientID, userID, scopeList, created, accessExp); err != nil {
					return err
				}
				for g := range SeedTokensPerFamily {
					used := created
					if g == SeedTokensPerFamily-1 {
						used = 0
					}
					if _, err := ref.ExecContext(ctx, refDigests.next(), id, g, created, used); err != nil {
						return err
					}
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
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return 0, err
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM refresh_tokens`).Scan(&have); err != nil {
		return 0, err
	}
	return have, nil
}

func seedBatch(ctx context.Context, db *sql.DB, fn func(fam, acc, ref *sql.Stmt) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	fam, err := tx.PrepareContext(ctx, `INSERT INTO families (`+strings.Join(seedColumns["families"], ", ")+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	acc, err := tx.PrepareContext(ctx, `INSERT INTO access_tokens (`+strings.Join(seedColumns["access_tokens"], ", ")+`) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	ref, err := tx.PrepareContext(ctx, `INSERT INTO refresh_tokens (`+strings.Join(seedColumns["refresh_tokens"], ", ")+`) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	if err := fn(fam, acc, ref); err != nil {
		return err
	}
	return tx.Commit()
}

func columns(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// spread draws n random 32-byte values in ascending order, uniform over
// the whole space: value i starts with the 8-byte big-endian number
// i*step plus a random offset below step, and goes on with 24 random
// bytes.
type spread struct {
	i, n, step uint64
	buf        [4096]byte
	off        int
}

func newSpread(n int64) *spread {
	s := &spread{n: uint64(max(n, 1))}
	s.step = ^uint64(0) / s.n
	s.off = len(s.buf)
	return s
}

func (s *spread) random(p []byte) {
	for len(p) > 0 {
		if s.off == len(s.buf) {
			_, _ = rand.Read(s.buf[:])
			s.off = 0
		}
		k := copy(p, s.buf[s.off:])
		s.off += k
		p = p[k:]
	}
}

func (s *spread) next() []byte {
	b := make([]byte, 32)
	s.random(b[8:])
	off := binary.BigEndian.Uint64(b[8:16]) % s.step
	binary.BigEndian.PutUint64(b[:8], s.i*s.step+off)
	s.i++
	return b
}

// hex returns the first 16 bytes of next as 32 hex characters, the form
// of sso.RandomID.
func (s *spread) hex() string { return hex.EncodeToString(s.next()[:16]) }
