package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ssooidc/ssooidc/internal/sso"
)

func migrationRows(t *testing.T, s *Store) map[int]int {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), `SELECT version, count(*) FROM schema_migrations GROUP BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[int]int{}
	for rows.Next() {
		var v, n int
		if err := rows.Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		m[v] = n
	}
	return m
}

func TestReopenAppliesNoMigrationTwice(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "re.db")
	s := open(t, path)
	ctx := t.Context()
	if err := s.CreateUser(ctx, sso.User{ID: "u", Name: "kept"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s = open(t, path) // a second CREATE TABLE would fail here
		got := migrationRows(t, s)
		if len(got) != len(ms) {
			t.Errorf("%d migrations recorded, want %d", len(got), len(ms))
		}
		for v, n := range got {
			if n != 1 {
				t.Errorf("migration %d recorded %d times", v, n)
			}
		}
		if _, err := s.GetUserByName(ctx, "kept"); err != nil {
			t.Errorf("data lost on reopen: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "race.db")
	const n = 6
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), path) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	got := migrationRows(t, stores[0])
	for v, c := range got {
		if c != 1 {
			t.Errorf("migration %d recorded %d times", v, c)
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	s := open(t, path)
	if err := s.write(t.Context(), "test", func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (999, '0999_future.sql', 0)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(t.Context(), path); err == nil {
		s.Close()
		t.Fatal("Open accepted a schema newer than the binary")
	}
}

func TestCancelledOpen(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if s, err := Open(ctx, filepath.Join(t.TempDir(), "c.db")); !errors.Is(err, context.Canceled) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open with a cancelled context: %v", err)
	}
}
