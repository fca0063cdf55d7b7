package sessions_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sessions"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// fixture is a real SQLite store with two people: alice with two browser
// sessions and two tools' families, bob with one of each.
type fixture struct {
	st          *sqlite.Store
	d           *sso.Digester
	svc         *sessions.Service
	alice, bob  sso.User
	aliceCookie string // the cookie of alice's first browser session
	aliceB      []sso.Session
	aliceT      []sso.Issue
	bobB        sso.Session
	bobT        sso.Issue
	now         time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "s.db"), sqlite.SyncNormal)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st, d: sso.NewDigester([]byte("0123456789abcdef0123456789abcdef")), now: time.Now().Truncate(time.Millisecond)}
	clock := func() time.Time { return f.now }
	f.svc = sessions.New(st, f.d, audit.New(st, slog.New(slog.DiscardHandler), clock), clock, nil)
	ctx := t.Context()
	mkUser := func(name string) sso.User {
		u := sso.User{ID: sso.RandomUUID(), Name: name, DisplayName: name, CreatedAt: f.now, UpdatedAt: f.now}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.alice, f.bob = mkUser("alice"), mkUser("bob")
	mkSession := func(u sso.User, cookie string, age time.Duration) sso.Session {
		se := sso.Session{Digest: f.d.Digest(sso.KindSession, cookie), UserID: u.ID, CreatedAt: f.now.Add(-age),
			ExpiresAt: f.now.Add(8*time.Hour - age), ID: sso.RandomID(), UserAgent: "Mozilla/5.0 Firefox/130.0", Address: "192.0.2.1"}
		if err := st.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
		return se
	}
	f.aliceCookie = sso.RandomSecret()
	f.aliceB = []sso.Session{mkSession(f.alice, f.aliceCookie, time.Hour), mkSession(f.alice, sso.RandomSecret(), 2*time.Hour)}
	f.bobB = mkSession(f.bob, sso.RandomSecret(), time.Minute)
	cl := sso.Client{ID: sso.RandomID(), Name: "botocore-client-my-sso", Type: "public", CreatedAt: f.now, ExpiresAt: f.now.Add(time.Hour)}
	if err := st.CreateClient(ctx, cl); err != nil {
		t.Fatal(err)
	}
	mkFamily := func(u sso.User, age time.Duration) sso.Issue {
		fam := sso.Family{ID: sso.RandomID(), ClientID: cl.ID, UserID: u.ID, Refreshable: true, CreatedAt: f.now.Add(-age),
			ExpiresAt: f.now.Add(8*time.Hour - age)}
		is := sso.Issue{Family: fam, Access: sso.AccessToken{Digest: f.d.Digest(sso.KindAccessToken, sso.RandomSecret()), FamilyID: fam.ID,
			ClientID: cl.ID, UserID: u.ID, IssuedAt: fam.CreatedAt, ExpiresAt: f.now.Add(time.Hour)},
			Refresh: &sso.RefreshToken{Digest: f.d.Digest(sso.KindRefreshToken, sso.RandomSecret()), FamilyID: fam.ID, CreatedAt: fam.CreatedAt}}
		if err := st.CreateFamily(ctx, is); err != nil {
			t.Fatal(err)
		}
		return is
	}
	f.aliceT = []sso.Issue{mkFamily(f.alice, 10*time.Minute), mkFamily(f.alice, 20*time.Minute)}
	f.bobT = mkFamily(f.bob, time.Minute)
	return f
}

func (f *fixture) revoked(t *testing.T, is sso.Issue) bool {
	t.Helper()
	b, err := f.st.GetBearer(context.Background(), is.Access.Digest)
	if err != nil {
		t.Fatal(err)
	}
	return b.Revoked
}

func TestList(t *testing.T) {
	f := newFixture(t)
	bs, ts, err := f.svc.List(t.Context(), f.alice.ID, f.aliceCookie)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].ID != f.aliceB[0].ID || !bs[0].Current || bs[1].Current || bs[0].UserAgent != "Mozilla/5.0 Firefox/130.0" {
		t.Errorf("browsers: %+v", bs)
	}
	if len(ts) != 2 || ts[0].ID != f.aliceT[0].Family.ID || ts[0].ClientName != "botocore-client-my-sso" || !ts[0].Refreshable {
		t.Errorf("tools: %+v", ts)
	}
	bs, ts, err = f.svc.List(t.Context(), "", "")
	if err != nil || len(bs) != 3 || len(ts) != 3 {
		t.Errorf("everyone's: %d browsers, %d tools, %v", len(bs), len(ts), err)
	}
}

// TestEndOne: a person ends one session of each kind; another's, a junk
// ID, or one already ended is not found, and changes nothing.
func TestEndOne(t *testing.T) {
	f := newFixture(t)
	ctx := sso.WithActor(t.Context(), sso.Actor{Type: sso.ActorUser, ID: f.alice.ID, Name: "alice"})
	for _, c := range []struct {
		name string
		err  error
	}{
		{"bob's browser", f.svc.EndBrowser(ctx, f.alice, f.bobB.ID)},
		{"bob's tool", f.svc.EndTool(ctx, f.alice, f.bobT.Family.ID)},
		{"a junk ID", f.svc.EndTool(ctx, f.alice, "'; DROP TABLE families; --")},
		{"a browser's ID as a tool's", f.svc.EndTool(ctx, f.alice, f.aliceB[0].ID)},
	} {
		if sso.CodeOf(c.err) != sso.CodeResourceNotFound {
			t.Errorf("%s: %v, want ResourceNotFound", c.name, c.err)
		}
	}
	if f.revoked(t, f.bobT) {
		t.Fatal("bob's family was revoked by alice")
	}
	if err := f.svc.EndTool(ctx, f.alice, f.aliceT[1].Family.ID); err != nil {
		t.Fatal(err)
	}
	if !f.revoked(t, f.aliceT[1]) || f.revoked(t, f.aliceT[0]) {
		t.Error("EndTool revoked the wrong families")
	}
	if err := f.svc.EndTool(ctx, f.alice, f.aliceT[1].Family.ID); sso.CodeOf(err) != sso.CodeResourceNotFound {
		t.Errorf("ending it twice: %v", err)
	}
	if err := f.svc.EndBrowser(ctx, f.alice, f.aliceB[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.GetSession(ctx, f.aliceB[1].Digest); err == nil {
		t.Error("the ended browser session is still there")
	}
	if _, err := f.st.GetSession(ctx, f.bobB.Digest); err != nil {
		t.Error("bob's session went too")
	}
	// Both are in the audit trail, by alice, naming what ended.
	evs, err := f.st.ListEvents(ctx, sso.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("events: %+v", evs)
	}
	for _, e := range evs {
		if e.Actor.ID != f.alice.ID {
			t.Errorf("event %s by %+v", e.Type, e.Actor)
		}
	}
	if evs[1].Type != audit.FamilyRevoked || evs[1].Target.ID != f.aliceT[1].Family.ID || evs[1].Target.User != "alice" ||
		evs[0].Type != audit.SignedOut || evs[0].Details["session_id"] != f.aliceB[1].ID {
		t.Errorf("events: %+v", evs)
	}
}

func TestEndAll(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	b, n, err := f.svc.EndAll(ctx, f.alice, f.aliceCookie)
	if err != nil || b != 1 || n != 2 {
		t.Fatalf("EndAll keeping this browser = %d, %d, %v", b, n, err)
	}
	if _, err := f.st.GetSession(ctx, f.aliceB[0].Digest); err != nil {
		t.Error("the kept browser session ended")
	}
	for _, is := range f.aliceT {
		if !f.revoked(t, is) {
			t.Error("a tool's family lives on")
		}
	}
	if f.revoked(t, f.bobT) {
		t.Error("bob's family was revoked")
	}
	b, n, err = f.svc.EndAll(ctx, f.alice, "")
	if err != nil || b != 1 || n != 0 {
		t.Errorf("EndAll again, nothing kept = %d, %d, %v", b, n, err)
	}
	evs, _ := f.st.ListEvents(ctx, sso.EventQuery{})
	revokedEvents := 0
	for _, e := range evs {
		if e.Type == audit.FamilyRevoked {
			revokedEvents++
		}
	}
	if revokedEvents != 2 {
		t.Errorf("%d family revocations recorded, want 2", revokedEvents)
	}
}
