package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// TestRecorder: an event takes its actor and address from the context,
// Do stores it with its write and logs it once as an "audit" line, a
// failed write stores and logs nothing, Append stores on its own, and
// users are named by ID from the store (then from the cache).
func TestRecorder(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ssooidc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var logs bytes.Buffer
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := audit.New(store, slog.New(slog.NewJSONHandler(&logs, nil)), func() time.Time { return now })
	ctx = sso.WithAddress(sso.WithActor(ctx, sso.Actor{Type: sso.ActorAdmin, ID: "os:root"}), "192.0.2.7")

	u := sso.User{ID: sso.RandomUUID(), Name: "alice", CreatedAt: now, UpdatedAt: now}
	ev := rec.Event(ctx, audit.UserCreated, audit.UserTarget(u), "source", "test")
	if err := rec.Do(ctx, func(ctx context.Context) error { return store.CreateUser(ctx, u) }, ev); err != nil {
		t.Fatal(err)
	}
	dup := rec.Event(ctx, audit.UserCreated, sso.Target{Type: audit.TargetUser, Name: "dup"})
	if err := rec.Do(ctx, func(ctx context.Context) error { return store.CreateUser(ctx, u) }, dup); err == nil {
		t.Fatal("a second user of one ID was created")
	}
	rec.Append(ctx, rec.Event(ctx, audit.SignInFailed, audit.UserTarget(u), "reason", "wrong_password"))

	evs, err := store.ListEvents(ctx, sso.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[1].Type != audit.UserCreated || evs[0].Type != audit.SignInFailed {
		t.Fatalf("stored %+v", evs)
	}
	e := evs[1]
	if e.Actor.ID != "os:root" || e.Address != "192.0.2.7" || e.Target.User != "alice" || !e.Time.Equal(now) || e.Details["source"] != "test" {
		t.Errorf("stored %+v", e)
	}
	var lines []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 || lines[0]["msg"] != "audit" || lines[0]["event"] != audit.UserCreated || lines[0]["actor_id"] != "os:root" ||
		lines[0]["client_addr"] != "192.0.2.7" || lines[0]["user"] != "alice" || lines[0]["detail_source"] != "test" {
		t.Errorf("log lines %v", lines)
	}

	if got := rec.UserName(ctx, u.ID); got != "alice" {
		t.Errorf("UserName = %q", got)
	}
	// Cached: a rename shows after the cache's time, not at once.
	if _, err := store.UpdateUser(ctx, u.ID, func(cur sso.User) (sso.User, error) { cur.Name = "alice2"; return cur, nil }); err != nil {
		t.Fatal(err)
	}
	if got := rec.UserName(ctx, u.ID); got != "alice" {
		t.Errorf("UserName after a rename, cached = %q", got)
	}
	now = now.Add(10 * time.Minute)
	if got := rec.UserName(ctx, u.ID); got != "alice2" {
		t.Errorf("UserName after the cache's time = %q", got)
	}
	if got := rec.UserName(ctx, sso.RandomUUID()); got != "" {
		t.Errorf("UserName of nobody = %q", got)
	}
	var none *audit.Recorder
	if err := none.Do(ctx, func(context.Context) error { return nil }, ev); err != nil || none.UserName(ctx, u.ID) != "" {
		t.Error("a nil Recorder records nothing and names nobody")
	}
}
