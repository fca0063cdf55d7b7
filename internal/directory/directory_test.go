package directory_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
)

type fixture struct {
	svc   *directory.Service
	store *sqlite.Store
	logs  *bytes.Buffer
	ctx   context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "d.db"), sqlite.SyncNormal)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &bytes.Buffer{}
	var mu sync.Mutex
	log := slog.New(slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	now := func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) }
	rec := audit.New(st, log, now)
	ctx := sso.WithAddress(sso.WithActor(t.Context(), sso.Actor{Type: sso.ActorIAM, ID: "arn:aws:iam::123456789012:role/admin"}), "192.0.2.1")
	return &fixture{svc: directory.New(st, st, rec, now), store: st, logs: logs, ctx: ctx}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func (f *fixture) events(t *testing.T) []sso.Event {
	t.Helper()
	evs, err := f.store.ListEvents(t.Context(), sso.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestUserLifecycleRecordsEvents(t *testing.T) {
	f := newFixture(t)
	u, err := f.svc.CreateUser(f.ctx, sso.User{Name: "alice", Email: "alice@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || u.CreatedBy != "arn:aws:iam::123456789012:role/admin" || len(u.Profile.Emails) != 1 || !u.Profile.Emails[0].Primary {
		t.Errorf("created %+v", u)
	}
	if _, err := f.svc.CreateUser(f.ctx, sso.User{Name: "alice"}); sso.CodeOf(err) != sso.CodeConflict {
		t.Errorf("duplicate name: %v", err)
	}
	u, err = f.svc.UpdateUser(f.ctx, u.ID, func(u *sso.User) error {
		u.Profile.Emails = []sso.Email{{Value: "a@work.example", Type: "work"}, {Value: "a@home.example", Primary: true}}
		return nil
	})
	if err != nil || u.Email != "a@home.example" {
		t.Fatalf("update: %+v, %v", u, err)
	}
	if _, err := f.svc.UpdateUser(f.ctx, u.ID, func(u *sso.User) error { u.Name = "has space"; return nil }); sso.CodeOf(err) != sso.CodeInvalidRequest {
		t.Errorf("invalid rename: %v", err)
	}
	if _, err := f.svc.UpdateUser(f.ctx, u.ID, func(u *sso.User) error { u.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteUser(f.ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteUser(f.ctx, u.ID); sso.CodeOf(err) != sso.CodeResourceNotFound {
		t.Errorf("delete twice: %v", err)
	}
	var types []string
	evs := f.events(t)
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		types = append(types, e.Type)
		if e.Actor.ID != "arn:aws:iam::123456789012:role/admin" || e.Address != "192.0.2.1" || e.Target.User != "alice" {
			t.Errorf("event %s: actor %+v address %q target %+v", e.Type, e.Actor, e.Address, e.Target)
		}
	}
	want := []string{audit.UserCreated, audit.UserUpdated, audit.UserDisabled, audit.UserDeleted}
	if strings.Join(types, " ") != strings.Join(want, " ") {
		t.Errorf("events %v, want %v (failed changes record nothing)", types, want)
	}
	if n := strings.Count(f.logs.String(), `"msg":"audit"`); n != 4 {
		t.Errorf("%d audit log lines, want 4:\n%s", n, f.logs.String())
	}
	if strings.Contains(f.logs.String(), "a@home.example") {
		t.Errorf("the audit log holds personal data it need not: %s", f.logs.String())
	}
}

func TestGroupsAndMemberships(t *testing.T) {
	f := newFixture(t)
	alice, _ := f.svc.CreateUser(f.ctx, sso.User{Name: "alice"})
	bob, _ := f.svc.CreateUser(f.ctx, sso.User{Name: "bob"})
	g, err := f.svc.CreateGroup(f.ctx, sso.Group{DisplayName: "Platform team", Description: "we"})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "  ", "administrator", "a\x00b"} {
		if _, err := f.svc.CreateGroup(f.ctx, sso.Group{DisplayName: bad}); sso.CodeOf(err) != sso.CodeInvalidRequest {
			t.Errorf("group name %q: %v", bad, err)
		}
	}
	m, err := f.svc.AddMember(f.ctx, g.ID, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddMember(f.ctx, g.ID, alice.ID); sso.CodeOf(err) != sso.CodeConflict {
		t.Errorf("member twice: %v", err)
	}
	if _, err := f.svc.AddMember(f.ctx, g.ID, sso.RandomUUID()); sso.CodeOf(err) != sso.CodeResourceNotFound {
		t.Errorf("missing user: %v", err)
	}
	if err := f.svc.ChangeMembers(f.ctx, g.ID, []string{bob.ID}, []string{alice.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetMembership(f.ctx, m.ID); sso.CodeOf(err) != sso.CodeResourceNotFound {
		t.Errorf("removed membership: %v", err)
	}
	if err := f.svc.ChangeMembers(f.ctx, g.ID, []string{sso.RandomUUID()}, nil); sso.CodeOf(err) != sso.CodeResourceNotFound {
		t.Errorf("ChangeMembers with a missing user: %v", err)
	}
	// The upstream's groups follow its claims; others stay.
	if err := f.svc.SyncGroups(f.ctx, bob.ID, "upstream:okta", []string{"eng", "oncall"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SyncGroups(f.ctx, bob.ID, "upstream:okta", []string{"eng"}); err != nil {
		t.Fatal(err)
	}
	gs, err := f.svc.UserGroups(f.ctx, bob.ID)
	names := map[string]bool{}
	for _, g := range gs {
		names[g.DisplayName] = true
	}
	if err != nil || len(gs) != 2 || !names["eng"] || !names["Platform team"] {
		t.Errorf("bob's groups %v, %v", names, err)
	}
	if _, err := f.svc.UpdateGroup(f.ctx, g.ID, func(g *sso.Group) error { g.DisplayName = "eng"; return nil }); sso.CodeOf(err) != sso.CodeConflict {
		t.Errorf("rename onto another group: %v", err)
	}
	if err := f.svc.DeleteGroup(f.ctx, g.ID); err != nil {
		t.Fatal(err)
	}
}

// TestEnsureGroupConcurrently creates one group from many goroutines at
// once: all get the same group.
func TestEnsureGroupConcurrently(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g, err := f.svc.EnsureGroup(f.ctx, "shared")
			if err != nil {
				t.Error(err)
			}
			ids[i] = g.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || id == "" {
			t.Fatalf("EnsureGroup gave different groups: %v", ids)
		}
	}
}

func TestUserNameRule(t *testing.T) {
	for name, ok := range map[string]bool{
		"alice": true, "alice@example.com": true, "Jürgen.O'Neil": true, "名前": true, "a+b=c,d": true,
		strings.Repeat("x", 128): true, strings.Repeat("x", 129): false, "": false, "two words": false,
		"tab\there": false, "nul\x00": false, "AWSAdministrators": false, "\xff": false,
	} {
		if err := directory.CheckUserName(name); (err == nil) != ok {
			t.Errorf("CheckUserName(%q) = %v, want ok %v", name, err, ok)
		}
	}
}
