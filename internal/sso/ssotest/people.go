package ssotest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// People's sessions (sso.SessionListStore): browser sessions and token
// families listed and ended per person.
var peopleTests = []test{
	{"People/ListSessions", testListSessions},
	{"People/DeleteUserSession", testDeleteUserSession},
	{"People/ListFamilies", testListFamilies},
	{"People/RevokeUserFamilies", testRevokeUserFamilies},
	{"People/RevokeUserFamiliesEvents", testRevokeUserFamiliesEvents},
	{"People/Cancelled", testPeopleCancelled},
}

func sessionIDs(ss []sso.Session) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func testListSessions(t *testing.T, s sso.Store) {
	ctx := t.Context()
	alice, bob := newUser("alice"), newUser("bob")
	a1, a2, old, b1 := newSession(alice.ID), newSession(alice.ID), newSession(alice.ID), newSession(bob.ID)
	a2.CreatedAt = at(time.Hour)
	b1.CreatedAt = at(30 * time.Minute)
	old.ExpiresAt = at(2 * time.Hour) // expired at the query's now
	for _, se := range []sso.Session{a1, a2, old, b1} {
		must(t, "CreateSession", s.CreateSession(ctx, clone(se)))
	}
	now := at(3 * time.Hour)
	got, err := s.ListSessions(ctx, sso.SessionQuery{UserID: alice.ID, Now: now})
	must(t, "ListSessions(alice)", err)
	if len(got) != 2 {
		t.Fatalf("ListSessions(alice) = %v, want a2, a1", sessionIDs(got))
	}
	same(t, "ListSessions(alice)[0]", got[0], a2)
	same(t, "ListSessions(alice)[1]", got[1], a1)

	got, err = s.ListSessions(ctx, sso.SessionQuery{Now: now})
	must(t, "ListSessions(all)", err)
	if want := []string{a2.ID, b1.ID, a1.ID}; !slices.Equal(sessionIDs(got), want) {
		t.Errorf("ListSessions(all) = %v, want %v (newest first, none expired)", sessionIDs(got), want)
	}
	got, err = s.ListSessions(ctx, sso.SessionQuery{Now: now, Limit: 2})
	must(t, "ListSessions(limit 2)", err)
	if want := []string{a2.ID, b1.ID}; !slices.Equal(sessionIDs(got), want) {
		t.Errorf("ListSessions(limit 2) = %v, want %v", sessionIDs(got), want)
	}
	// An expiry equal to now has ended (GetSession's callers compare the
	// same way).
	got, err = s.ListSessions(ctx, sso.SessionQuery{UserID: alice.ID, Now: old.ExpiresAt})
	must(t, "ListSessions at an expiry", err)
	if slices.Contains(sessionIDs(got), old.ID) {
		t.Errorf("ListSessions at the session's expiry lists it")
	}
	if got, err := s.ListSessions(ctx, sso.SessionQuery{UserID: "nobody\x00", Now: now}); err != nil || len(got) != 0 {
		t.Errorf("ListSessions(unknown user) = %v, %v", got, err)
	}
}

func testDeleteUserSession(t *testing.T, s sso.Store) {
	ctx := t.Context()
	alice, bob := newUser("alice"), newUser("bob")
	a1, a2, b1 := newSession(alice.ID), newSession(alice.ID), newSession(bob.ID)
	for _, se := range []sso.Session{a1, a2, b1} {
		must(t, "CreateSession", s.CreateSession(ctx, clone(se)))
	}
	// Another person's session is not found, whatever its ID.
	_, err := s.DeleteUserSession(ctx, alice.ID, b1.ID)
	wantErr(t, "DeleteUserSession(alice, bob's)", err, sso.ErrNotFound)
	_, err = s.DeleteUserSession(ctx, alice.ID, "")
	wantErr(t, "DeleteUserSession(alice, \"\")", err, sso.ErrNotFound)
	_, err = s.DeleteUserSession(ctx, alice.ID, "no\x00such")
	wantErr(t, "DeleteUserSession(alice, NUL)", err, sso.ErrNotFound)

	got, err := s.DeleteUserSession(ctx, alice.ID, a1.ID)
	must(t, "DeleteUserSession(alice, a1)", err)
	same(t, "the deleted session", got, a1)
	_, err = s.GetSession(ctx, a1.Digest)
	wantErr(t, "GetSession after DeleteUserSession", err, sso.ErrNotFound)
	for _, se := range []sso.Session{a2, b1} {
		if _, err := s.GetSession(ctx, se.Digest); err != nil {
			t.Errorf("GetSession of a session not deleted: %v", err)
		}
	}
	_, err = s.DeleteUserSession(ctx, alice.ID, a1.ID)
	wantErr(t, "DeleteUserSession twice", err, sso.ErrNotFound)
}

// familyFixture stores alice's families of every kind and bob's one.
type familyFixture struct {
	alice, bob                                  string
	registered, app, gone, revoked, expired, bo sso.Issue
	client                                      sso.Client
	application                                 sso.Application
	rotatedAt                                   time.Time
}

func storeFamilies(t *testing.T, s sso.Store) familyFixture {
	ctx := t.Context()
	fx := familyFixture{alice: sso.RandomUUID(), bob: sso.RandomUUID(), client: newClient(), application: newApplication("people")}
	must(t, "CreateClient", s.CreateClient(ctx, fx.client))
	must(t, "CreateApplication", s.CreateApplication(ctx, fx.application))
	mk := func(user, client string, created time.Duration, refreshable bool) sso.Issue {
		is := newIssue(refreshable)
		is.Family.UserID, is.Family.ClientID = user, client
		is.Family.CreatedAt = at(created)
		if created == 4*time.Minute { // the expired one
			is.Family.ExpiresAt = at(30 * time.Minute)
		}
		is.Access.UserID, is.Access.ClientID = user, client
		if is.Refresh != nil {
			is.Refresh.CreatedAt = at(created)
		}
		must(t, "CreateFamily", s.CreateFamily(ctx, is))
		return is
	}
	fx.registered = mk(fx.alice, fx.client.ID, 0, true)
	fx.app = mk(fx.alice, fx.application.ARN, time.Minute, false)
	fx.gone = mk(fx.alice, sso.RandomID(), 2*time.Minute, true)
	fx.revoked = mk(fx.alice, fx.client.ID, 3*time.Minute, true)
	fx.expired = mk(fx.alice, fx.client.ID, 4*time.Minute, true)
	fx.bo = mk(fx.bob, fx.client.ID, 5*time.Minute, true)
	must(t, "RevokeFamily", s.RevokeFamily(ctx, fx.revoked.Family.ID, at(10*time.Minute)))
	// Two refreshes of the registered client's family: its last use is
	// the second.
	prev := *fx.registered.Refresh
	for i, d := range []time.Duration{20 * time.Minute, 40 * time.Minute} {
		next := newRefresh(fx.registered.Family, i+1)
		next.CreatedAt = at(d)
		must(t, "RotateRefreshToken", s.RotateRefreshToken(ctx, prev.Digest, at(d), next, newAccess(fx.registered.Family)))
		prev = next
	}
	fx.rotatedAt = at(40 * time.Minute)
	return fx
}

func testListFamilies(t *testing.T, s sso.Store) {
	ctx := t.Context()
	fx := storeFamilies(t, s)
	// At this now the "expired" family has ended.
	now := at(time.Hour)
	got, err := s.ListFamilies(ctx, sso.SessionQuery{UserID: fx.alice, Now: now})
	must(t, "ListFamilies(alice)", err)
	var ids []string
	for _, f := range got {
		ids = append(ids, f.ID)
	}
	want := []string{fx.gone.Family.ID, fx.app.Family.ID, fx.registered.Family.ID}
	if !slices.Equal(ids, want) {
		t.Fatalf("ListFamilies(alice) = %v, want %v (newest first, the revoked and the expired one left out)", ids, want)
	}
	byID := map[string]sso.FamilySummary{}
	for _, f := range got {
		byID[f.ID] = f
	}
	reg := byID[fx.registered.Family.ID]
	same(t, "registered family", reg.Family, fx.registered.Family)
	if reg.ClientName != fx.client.Name || !reg.LastUsed.Equal(fx.rotatedAt) {
		t.Errorf("registered family: client name %q, last used %v; want %q, %v", reg.ClientName, reg.LastUsed, fx.client.Name, fx.rotatedAt)
	}
	app := byID[fx.app.Family.ID]
	if app.ClientName != fx.application.Name || !app.LastUsed.Equal(fx.app.Family.CreatedAt) {
		t.Errorf("application family: client name %q, last used %v; want %q and its creation (no refresh token)",
			app.ClientName, app.LastUsed, fx.application.Name)
	}
	if gone := byID[fx.gone.Family.ID]; gone.ClientName != "" {
		t.Errorf("family of a deleted registration: client name %q, want \"\"", gone.ClientName)
	}

	// Expired at now: left out.
	got, err = s.ListFamilies(ctx, sso.SessionQuery{UserID: fx.alice, Now: fx.registered.Family.ExpiresAt})
	must(t, "ListFamilies at the expiry", err)
	if len(got) != 0 {
		t.Errorf("ListFamilies at every family's expiry = %d families, want none", len(got))
	}
	got, err = s.ListFamilies(ctx, sso.SessionQuery{Now: now, Limit: 2})
	must(t, "ListFamilies(all, limit 2)", err)
	if len(got) != 2 || got[0].ID != fx.bo.Family.ID || got[1].ID != fx.gone.Family.ID {
		t.Errorf("ListFamilies(all, limit 2) = %+v, want bob's then alice's newest", got)
	}
	if got, err := s.ListFamilies(ctx, sso.SessionQuery{UserID: "nobody", Now: now}); err != nil || len(got) != 0 {
		t.Errorf("ListFamilies(unknown user) = %v, %v", got, err)
	}
}

func testRevokeUserFamilies(t *testing.T, s sso.Store) {
	ctx := t.Context()
	fx := storeFamilies(t, s)
	now := at(time.Hour)
	// Bob's family is not alice's to revoke; nothing changes.
	_, err := s.RevokeUserFamilies(ctx, fx.alice, fx.bo.Family.ID, now, func([]string) { t.Error("revoked called on a refusal") })
	wantErr(t, "RevokeUserFamilies(alice, bob's)", err, sso.ErrNotFound)
	_, err = s.RevokeUserFamilies(ctx, fx.alice, fx.revoked.Family.ID, now, nil)
	wantErr(t, "RevokeUserFamilies(alice, revoked)", err, sso.ErrNotFound)
	checkIssued(t, s, "bob's family after alice's attempt", fx.bo)

	var seen []string
	ids, err := s.RevokeUserFamilies(ctx, fx.alice, fx.registered.Family.ID, now, func(ids []string) { seen = ids })
	must(t, "RevokeUserFamilies(alice, one)", err)
	if !slices.Equal(ids, []string{fx.registered.Family.ID}) || !slices.Equal(seen, ids) {
		t.Errorf("RevokeUserFamilies(one) = %v (callback %v)", ids, seen)
	}
	_, f, err := s.GetAccessToken(ctx, fx.registered.Access.Digest)
	must(t, "GetAccessToken", err)
	if !f.RevokedAt.Equal(now) {
		t.Errorf("revoked family's RevokedAt = %v, want %v", f.RevokedAt, now)
	}
	// Its refresh token no longer rotates.
	_, _, err = s.RefreshRotate(ctx, fx.registered.Refresh.Digest, at(2*time.Hour), func(r sso.RefreshToken, f sso.Family) (*sso.Rotation, error) {
		if !f.Revoked() {
			t.Error("RefreshRotate sees the family live")
		}
		return nil, errors.New("refused")
	})
	if err == nil {
		t.Error("RefreshRotate of a revoked family's token succeeded")
	}

	ids, err = s.RevokeUserFamilies(ctx, fx.alice, "", now, nil)
	must(t, "RevokeUserFamilies(alice, all)", err)
	slices.Sort(ids)
	want := []string{fx.app.Family.ID, fx.gone.Family.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("RevokeUserFamilies(all) = %v, want %v (the live ones only)", ids, want)
	}
	_, f, _ = s.GetAccessToken(ctx, fx.revoked.Access.Digest)
	if !f.RevokedAt.Equal(at(10 * time.Minute)) {
		t.Errorf("a family revoked before keeps its time: %v", f.RevokedAt)
	}
	ids, err = s.RevokeUserFamilies(ctx, fx.alice, "", now, nil)
	if err != nil || len(ids) != 0 {
		t.Errorf("RevokeUserFamilies(all) again = %v, %v; want none, nil", ids, err)
	}
	checkIssued(t, s, "bob's family after alice signed out everywhere", fx.bo)
	if left, _ := s.ListFamilies(ctx, sso.SessionQuery{UserID: fx.alice, Now: now}); len(left) != 0 {
		t.Errorf("alice's families after revoking all: %d", len(left))
	}
	_, err = s.RevokeUserFamilies(ctx, fx.alice, "x", time.Time{}, nil)
	if err == nil {
		t.Error("RevokeUserFamilies at the zero time succeeded")
	}
}

// testRevokeUserFamiliesEvents: events the callback fills in are stored
// with the revocation, and none when it is refused.
func testRevokeUserFamiliesEvents(t *testing.T, s sso.Store) {
	ctx := t.Context()
	fx := storeFamilies(t, s)
	now := at(time.Hour)
	var evs []sso.Event
	fill := func(ids []string) {
		evs = nil
		for _, id := range ids {
			evs = append(evs, sso.Event{Time: now, Type: "token.family_revoked", Actor: sso.Actor{Type: sso.ActorUser, ID: fx.alice},
				Target: sso.Target{Type: "family", ID: id, User: "alice"}})
		}
	}
	_, err := s.RevokeUserFamilies(sso.WithLateEvents(ctx, &evs), fx.alice, fx.bo.Family.ID, now, fill)
	wantErr(t, "RevokeUserFamilies(bob's)", err, sso.ErrNotFound)
	if got, _ := s.ListEvents(ctx, sso.EventQuery{}); len(got) != 0 {
		t.Errorf("events after a refused revocation: %+v", got)
	}
	ids, err := s.RevokeUserFamilies(sso.WithLateEvents(ctx, &evs), fx.alice, "", now, fill)
	must(t, "RevokeUserFamilies(all)", err)
	got, err := s.ListEvents(ctx, sso.EventQuery{})
	must(t, "ListEvents", err)
	var targets []string
	for _, e := range got {
		targets = append(targets, e.Target.ID)
	}
	slices.Sort(targets)
	slices.Sort(ids)
	if len(ids) != 3 || !slices.Equal(targets, ids) {
		t.Errorf("events name %v; revoked %v", targets, ids)
	}
}

func testPeopleCancelled(t *testing.T, s sso.Store) {
	live := t.Context()
	is := newIssue(true)
	must(t, "CreateFamily", s.CreateFamily(live, is))
	se := newSession(is.Family.UserID)
	must(t, "CreateSession", s.CreateSession(live, se))
	ctx, cancel := context.WithCancel(live)
	cancel()
	q := sso.SessionQuery{UserID: is.Family.UserID, Now: base}
	for name, err := range map[string]error{
		"ListSessions":       get2(s.ListSessions(ctx, q)),
		"DeleteUserSession":  get2(s.DeleteUserSession(ctx, se.UserID, se.ID)),
		"ListFamilies":       get2(s.ListFamilies(ctx, q)),
		"RevokeUserFamilies": get2(s.RevokeUserFamilies(ctx, is.Family.UserID, "", at(time.Second), nil)),
		"GetBearer":          get2(s.GetBearer(ctx, is.Access.Digest)),
		"ListAccountsFor":    get2(s.ListAccountsFor(ctx, is.Family.UserID)),
		"GetRoleGrant":       get2(s.GetRoleGrant(ctx, is.Family.UserID, "111111111111", "Admin")),
	} {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want one that wraps context.Canceled", name, err)
		}
	}
	checkIssued(t, s, "family after a cancelled revocation", is)
	if _, err := s.GetSession(live, se.Digest); err != nil {
		t.Errorf("session after a cancelled delete: %v", err)
	}
}
