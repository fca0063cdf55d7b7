package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// TestGroupCommit holds the writer busy, queues 50 writes behind it, one of
// which conflicts, and releases it: the 50 join the blocker's transaction
// and share its commit, the conflict rolls back only itself, and every
// other write is stored.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	existing := sso.Client{ID: "taken", SecretDigest: []byte{1}, Name: "x", Type: "public", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.CreateClient(ctx, existing); err != nil {
		t.Fatal(err)
	}
	before := s.commits.Load()

	release := make(chan struct{})
	blocked := make(chan error, 1)
	go func() {
		blocked <- s.write(ctx, "block", func(ctx context.Context, tx *wtx) error { <-release; return nil })
	}()
	for len(s.jobs) != 0 { // the writer has taken the blocker
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond)

	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		c := existing
		c.ID = sso.RandomID()
		if i == 17 {
			c.ID = "taken"
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.CreateClient(ctx, c) }()
	}
	for len(s.jobs) != n {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if (i == 17) != errors.Is(err, sso.ErrConflict) || (i != 17 && err != nil) {
			t.Errorf("write %d: %v", i, err)
		}
	}
	if got := s.commits.Load() - before; got != 1 {
		t.Errorf("%d commits for the blocker and 50 queued writes, want 1", got)
	}
	var count int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM clients`).Scan(&count); err != nil || count != n {
		t.Errorf("%d clients stored, want %d (49 new and the existing one): %v", count, n, err)
	}
}

// TestWriteAfterClose: writes after Close fail at once, never hang.
func TestWriteAfterClose(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	done := make(chan error, 1)
	go func() {
		done <- s.CreateSession(context.Background(), sso.Session{Digest: []byte{1}, UserID: "u", CreatedAt: time.Now(), ExpiresAt: time.Now()})
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a write after Close succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a write after Close hangs")
	}
}

// TestPipelinedSync: a write is visible to readers once committed, but its
// caller is answered only after the WAL sync.
func TestPipelinedSync(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	entered, release := make(chan struct{}, 1), make(chan struct{})
	var synced atomic.Int32
	s.syncFile = func() error {
		entered <- struct{}{}
		<-release
		synced.Add(1)
		return s.wal.sync()
	}
	c := sso.Client{ID: "c1", SecretDigest: []byte{1}, Name: "x", Type: "public", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	done := make(chan error, 1)
	go func() { done <- s.CreateClient(ctx, c) }()
	<-entered // committed, the sync waits
	if _, err := s.GetClient(ctx, "c1"); err != nil {
		t.Fatalf("a committed write is not visible before its sync: %v", err)
	}
	select {
	case err := <-done:
		t.Fatalf("the write was answered before its sync: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if synced.Load() != 1 {
		t.Errorf("%d syncs, want 1", synced.Load())
	}
}

// TestSyncFailure: a failed sync fails the writes it was to make durable
// and every later write, never acknowledging one.
func TestSyncFailure(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "f.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.syncFile = func() error { return errors.New("EIO") }
	c := sso.Client{ID: "c1", SecretDigest: []byte{1}, Name: "x", Type: "public", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.CreateClient(ctx, c); err == nil || !strings.Contains(err.Error(), "EIO") {
		t.Fatalf("a write whose sync failed: %v", err)
	}
	s.syncFile = s.wal.sync
	c.ID = "c2"
	if err := s.CreateClient(ctx, c); err == nil {
		t.Fatal("a write after a failed sync succeeded")
	}
}
