package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/sso/ssotest"
)

func open(t testing.TB, path string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	ssotest.Run(t, func(t *testing.T) sso.Store { return open(t, emptyCopy(t)) })
}

var empty struct {
	once sync.Once
	data []byte
	err  error
}

// emptyCopy returns the path of a new file in t.TempDir() that holds a
// migrated, empty database. The migrated file is made once per test binary
// and copied: opening a copy costs a fraction of migrating (under -race,
// modernc's SQLite runs several times slower), and the suite opens a store
// per subtest.
func emptyCopy(t *testing.T) string {
	t.Helper()
	empty.once.Do(func() {
		dir, err := os.MkdirTemp("", "ssooidc-sqlite-")
		if err != nil {
			empty.err = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "empty.db")
		s, err := Open(context.Background(), path)
		if err != nil {
			empty.err = err
			return
		}
		// Closing the last connection checkpoints the WAL into the file.
		if empty.err = s.Close(); empty.err == nil {
			empty.data, empty.err = os.ReadFile(path)
		}
	})
	if empty.err != nil {
		t.Fatalf("making the empty database: %v", empty.err)
	}
	path := filepath.Join(t.TempDir(), "ssooidc.db")
	if err := os.WriteFile(path, empty.data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	path := filepath.Join(dir, "store.db")
	s := open(t, path)
	defer s.Close()
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
	// Files SQLite creates beside the database take its mode.
	if err := s.CreateUser(t.Context(), sso.User{ID: "u", Name: "n"}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no WAL file: %v", err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("WAL file mode %v, want 0600", fi.Mode().Perm())
	}

	// A relative path works and is reported absolute.
	t.Chdir(t.TempDir())
	rel := open(t, "rel/x.db")
	defer rel.Close()
	if !filepath.IsAbs(rel.Path()) || filepath.Base(rel.Path()) != "x.db" {
		t.Errorf("Path() of a relative path = %q", rel.Path())
	}
}

func TestOpenOddPath(t *testing.T) {
	// '?', '#' and '%' would end or change a URI if they were not escaped.
	path := filepath.Join(t.TempDir(), "a?b#c%20d e.db")
	s := open(t, path)
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at its path: %v", err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestPragmas(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	ctx := t.Context()
	for _, c := range []struct {
		db    string
		query string
		want  string
	}{
		{"writer", "PRAGMA journal_mode", "wal"},
		{"writer", "PRAGMA synchronous", "1"}, // NORMAL, and the store syncs the WAL after every commit
		{"writer", "PRAGMA foreign_keys", "1"},
		{"writer", "PRAGMA busy_timeout", "5000"},
		{"reader", "PRAGMA query_only", "1"},
		{"reader", "PRAGMA mmap_size", "0"},
		{"writer", "PRAGMA mmap_size", "0"},
		{"reader", "PRAGMA busy_timeout", "5000"},
	} {
		got, err := queryOn(t, s, c.db == "writer", c.query)
		if err != nil {
			t.Fatalf("%s %s: %v", c.db, c.query, err)
		}
		if got != c.want {
			t.Errorf("%s %s = %s, want %s", c.db, c.query, got, c.want)
		}
	}
	if _, err := s.r.ExecContext(ctx, `DELETE FROM users`); err == nil {
		t.Error("a read connection could write")
	}

	if !s.syncWAL {
		t.Error("SyncFull: the store does not sync the WAL itself")
	}
	for _, c := range []struct {
		level   Synchronous
		pragma  string
		syncWAL bool
	}{{SyncNormal, "1", false}, {SyncExtra, "3", false}} {
		n := open(t, filepath.Join(t.TempDir(), "n.db"), c.level, BusyTimeout(time.Second), ReadConns(1), MmapSize(1<<20))
		if m, err := queryOn(t, n, false, "PRAGMA mmap_size"); err != nil || m != "1048576" {
			t.Errorf("MmapSize(1 MiB): mmap_size = %q, %v", m, err)
		}
		sync, err := queryOn(t, n, true, "PRAGMA synchronous")
		if err != nil || sync != c.pragma || n.syncWAL != c.syncWAL {
			t.Errorf("%s: synchronous = %q, store syncs %v, %v", c.level, sync, n.syncWAL, err)
		}
		n.Close()
	}
	if _, err := Open(ctx, filepath.Join(t.TempDir(), "bad.db"), Synchronous("OFF; DROP TABLE x")); err == nil {
		t.Error("Open accepted a bad synchronous level")
	}
}

// TestIndexedLookups checks that every lookup by digest and every filter of
// DeleteExpired uses an index.
func TestIndexedLookups(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "i.db"))
	defer s.Close()
	for _, q := range []string{
		`SELECT 1 FROM clients WHERE id = ?`,
		`SELECT 1 FROM device_auths WHERE code_digest = ?`,
		`SELECT 1 FROM device_auths WHERE user_code_digest = ?`,
		`SELECT 1 FROM auth_codes WHERE digest = ?`,
		`SELECT 1 FROM access_tokens WHERE digest = ?`,
		`SELECT 1 FROM access_tokens WHERE family_id = ?`,
		`SELECT 1 FROM refresh_tokens WHERE digest = ?`,
		`SELECT 1 FROM refresh_tokens WHERE family_id = ?`,
		`SELECT 1 FROM users WHERE name = ?`,
		`SELECT 1 FROM sessions WHERE digest = ?`,
		`SELECT 1 FROM sessions WHERE user_id = ?`,
		`SELECT 1 FROM families WHERE expires_at < ?`,
		`SELECT 1 FROM clients WHERE expires_at < ?`,
		`SELECT 1 FROM device_auths WHERE expires_at < ?`,
		`SELECT 1 FROM auth_codes WHERE expires_at < ?`,
		`SELECT 1 FROM access_tokens WHERE expires_at < ?`,
		`SELECT 1 FROM sessions WHERE expires_at < ?`,
		`SELECT 1 FROM rate_limits WHERE expires_at < ?`,
		rotateSQL,
	} {
		args := []any{1}
		if q == rotateSQL {
			args = []any{1, []byte{1}}
		}
		plan := queryPlan(t, s, q, args...)
		if !containsAny(plan, "USING INDEX", "USING COVERING INDEX", "USING PRIMARY KEY", "USING INTEGER PRIMARY KEY") {
			t.Errorf("%s: not indexed: %s", q, plan)
		}
		// No step may scan a table: the cost of a lookup must not grow
		// with what is stored.
		if containsAny(plan, "SCAN ") {
			t.Errorf("%s: scans a table: %s", q, plan)
		}
	}
}

// queryPlan returns the steps of q's EXPLAIN QUERY PLAN, one per line,
// as the writer's connection would run it.
func queryPlan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	var plan strings.Builder
	if err := s.write(t.Context(), "test", func(ctx context.Context, tx *wtx) error {
		rows, err := tx.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return err
			}
			plan.WriteString(detail + "\n")
		}
		return rows.Err()
	}); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return plan.String()
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				return true
			}
		}
	}
	return false
}

func TestTwoStoresShareAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	a, b := open(t, path), open(t, path)
	defer a.Close()
	defer b.Close()
	ctx := t.Context()

	u := sso.User{ID: "u1", Name: "alice", CreatedAt: time.UnixMilli(1_700_000_000_000)}
	if err := a.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := b.GetUserByName(ctx, "alice")
	if err != nil || got.ID != "u1" {
		t.Fatalf("the other store reads %+v, %v", got, err)
	}
	if err := b.CreateUser(ctx, sso.User{ID: "u2", Name: "alice"}); !errors.Is(err, sso.ErrConflict) {
		t.Errorf("a conflict across stores: %v", err)
	}

	// Writers in both stores at once: each store's writer takes the file's
	// write lock in turn, and no hit is lost.
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for _, s := range []*Store{a, b} {
		for range n {
			wg.Go(func() {
				_, err := s.Hit(ctx, "k", time.Hour, time.UnixMilli(1_700_000_000_000))
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Hit: %v", err)
		}
	}
	for _, s := range []*Store{a, b} {
		c, err := s.Count(ctx, "k", time.UnixMilli(1_700_000_000_000))
		if err != nil || c != 2*n {
			t.Errorf("Count = %d, %v; want %d", c, err, 2*n)
		}
	}

	// One Secret for both.
	ka, err := a.Secret(ctx, "key", func() ([]byte, error) { return []byte("from a"), nil })
	if err != nil {
		t.Fatal(err)
	}
	kb, err := b.Secret(ctx, "key", func() ([]byte, error) { return []byte("from b"), nil })
	if err != nil || string(kb) != string(ka) {
		t.Errorf("Secret: a has %q, b has %q, %v", ka, kb, err)
	}
}

func TestErrorsCarryNoValues(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "e.db"))
	defer s.Close()
	ctx := t.Context()
	secret := []byte("THIS-DIGEST-MUST-NOT-LEAK-0123456")
	se := sso.Session{Digest: secret, UserID: "USERID-MUST-NOT-LEAK", CreatedAt: time.Now(), ExpiresAt: time.Now()}
	if err := s.CreateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	err := s.CreateSession(ctx, se)
	if !errors.Is(err, sso.ErrConflict) {
		t.Fatalf("duplicate session: %v", err)
	}
	_, err2 := s.GetSession(ctx, []byte("NOT-THERE-MUST-NOT-LEAK"))
	for _, e := range []error{err, err2} {
		for _, v := range []string{string(secret), "USERID", "NOT-THERE"} {
			if containsAny(e.Error(), v) {
				t.Errorf("error %q carries a bound value", e)
			}
		}
	}
}

// queryOn runs a one-column query on the writer connection (inside a write
// transaction) or on a reader connection, for tests.
func queryOn(t *testing.T, s *Store, writer bool, query string) (string, error) {
	t.Helper()
	var got string
	if !writer {
		err := s.r.QueryRowContext(t.Context(), query).Scan(&got)
		return got, err
	}
	err := s.write(t.Context(), "test", func(ctx context.Context, tx *wtx) error {
		return tx.QueryRowContext(ctx, query).Scan(&got)
	})
	return got, err
}
