package ssotest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var userTests = []test{
	{"User/RoundTrip", testUserRoundTrip},
	{"User/CreateConflicts", testUserCreateConflicts},
	{"User/List", testUserList},
	{"User/Update", testUserUpdate},
	{"User/Disable", testUserDisable},
	{"User/Delete", testUserDelete},
}

var sessionTests = []test{
	{"Session/RoundTrip", testSessionRoundTrip},
	{"Session/Errors", testSessionErrors},
	{"Session/DeleteUserSessions", testDeleteUserSessions},
}

func testDeleteUserSessions(t *testing.T, s sso.Store) {
	ctx := context.Background()
	alice, bob := newUser("alice"), newUser("bob")
	for _, u := range []sso.User{alice, bob} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	a1, a2, a3, b1 := newSession(alice.ID), newSession(alice.ID), newSession(alice.ID), newSession(bob.ID)
	for _, se := range []sso.Session{a1, a2, a3, b1} {
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.DeleteUserSessions(ctx, alice.ID, a2.Digest)
	if err != nil || n != 2 {
		t.Fatalf("DeleteUserSessions(alice, keep a2) = %d, %v; want 2", n, err)
	}
	for _, tc := range []struct {
		se   sso.Session
		kept bool
	}{{a1, false}, {a2, true}, {a3, false}, {b1, true}} {
		_, err := s.GetSession(ctx, tc.se.Digest)
		if tc.kept != (err == nil) {
			t.Errorf("session of %s: kept %v, err %v", tc.se.UserID, tc.kept, err)
		}
	}
	if n, err := s.DeleteUserSessions(ctx, alice.ID, nil); err != nil || n != 1 {
		t.Errorf("DeleteUserSessions(alice, nil) = %d, %v; want 1", n, err)
	}
	if n, err := s.DeleteUserSessions(ctx, "nobody", nil); err != nil || n != 0 {
		t.Errorf("DeleteUserSessions(nobody) = %d, %v", n, err)
	}
}

func testUserRoundTrip(t *testing.T, s sso.Store) {
	ctx := t.Context()
	want := newUser("alice")
	want.Disabled = true
	mustFill(t, want)
	in := clone(want)
	must(t, "CreateUser", s.CreateUser(ctx, in))
	in.Profile.Emails[0].Value = "clobbered"
	in.ExternalIDs[0].ID = "clobbered"

	got, err := s.GetUser(ctx, want.ID)
	must(t, "GetUser", err)
	same(t, "GetUser", got, want)
	got.Profile.Emails[0].Value = "clobbered"
	got, err = s.GetUserByName(ctx, want.Name)
	must(t, "GetUserByName", err)
	same(t, "GetUserByName", got, want)
	got, err = s.GetUserByExternalID(ctx, want.ExternalIDs[1].Issuer, want.ExternalIDs[1].ID)
	must(t, "GetUserByExternalID", err)
	same(t, "GetUserByExternalID", got, want)
	_, err = s.GetUserByExternalID(ctx, want.ExternalIDs[1].Issuer, want.ExternalIDs[0].ID)
	wantErr(t, "GetUserByExternalID with another issuer's id", err, sso.ErrNotFound)
	list, err := s.ListUsers(ctx, sso.UserQuery{})
	must(t, "ListUsers", err)
	same(t, "ListUsers", list, []sso.User{want})
	if n, err := s.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("CountUsers = %d, %v; want 1", n, err)
	}

	// Names are case-sensitive.
	_, err = s.GetUserByName(ctx, "Alice")
	wantErr(t, "GetUserByName with another case", err, sso.ErrNotFound)
	upper := newUser("Alice")
	upper.ExternalIDs = nil
	upper.Profile = sso.UserProfile{}
	must(t, "CreateUser with a name differing only in case", s.CreateUser(ctx, upper))
	got, err = s.GetUserByName(ctx, "Alice")
	must(t, "GetUserByName Alice", err)
	same(t, "GetUserByName Alice", got, upper)
}

func testUserCreateConflicts(t *testing.T, s sso.Store) {
	ctx := t.Context()
	_, err := s.GetUser(ctx, sso.RandomUUID())
	wantErr(t, "GetUser missing", err, sso.ErrNotFound)
	_, err = s.GetUserByName(ctx, "nobody")
	wantErr(t, "GetUserByName missing", err, sso.ErrNotFound)
	_, err = s.GetUserByExternalID(ctx, "nobody", "x")
	wantErr(t, "GetUserByExternalID missing", err, sso.ErrNotFound)

	u := newUser("bob")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	sameID := newUser("robert")
	sameID.ID = u.ID
	sameID.ExternalIDs = nil
	wantErr(t, "CreateUser with an existing id", s.CreateUser(ctx, sameID), sso.ErrConflict)
	_, err = s.GetUserByName(ctx, "robert")
	wantErr(t, "GetUserByName after a conflicting create", err, sso.ErrNotFound)
	sameName := newUser("bob")
	sameName.ExternalIDs = nil
	wantErr(t, "CreateUser with an existing name", s.CreateUser(ctx, sameName), sso.ErrConflict)
	_, err = s.GetUser(ctx, sameName.ID)
	wantErr(t, "GetUser after a conflicting create", err, sso.ErrNotFound)
	// An external ID belongs to one user: the whole create is refused.
	sameExt := newUser("bobby")
	sameExt.ExternalIDs = []sso.ExternalID{{Issuer: "other", ID: "1"}, u.ExternalIDs[0]}
	wantErr(t, "CreateUser with another user's external id", s.CreateUser(ctx, sameExt), sso.ErrConflict)
	_, err = s.GetUserByName(ctx, "bobby")
	wantErr(t, "GetUserByName after a conflicting external id", err, sso.ErrNotFound)
	_, err = s.GetUserByExternalID(ctx, "other", "1")
	wantErr(t, "the other external id of a refused user", err, sso.ErrNotFound)

	got, err := s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	same(t, "GetUser after conflicts", got, u)
}

func testUserList(t *testing.T, s sso.Store) {
	ctx := t.Context()
	list, err := s.ListUsers(ctx, sso.UserQuery{})
	must(t, "ListUsers empty", err)
	if len(list) != 0 {
		t.Errorf("ListUsers of an empty store: %d users", len(list))
	}
	var all []sso.User
	for _, name := range []string{"carol", "Zed", "alice", "Bob", "bob", "\u00e9mile"} {
		u := newUser(name)
		u.ExternalIDs = []sso.ExternalID{{Issuer: "idp", ID: name}}
		u.Email = name + "@example.com"
		must(t, "CreateUser "+name, s.CreateUser(ctx, u))
		all = append(all, u)
	}
	// Ordered by ID, byte-wise.
	slices.SortFunc(all, func(a, b sso.User) int { return strings.Compare(a.ID, b.ID) })
	list, err = s.ListUsers(ctx, sso.UserQuery{})
	must(t, "ListUsers", err)
	same(t, "ListUsers", list, all)
	// Pages by cursor.
	page, err := s.ListUsers(ctx, sso.UserQuery{Page: sso.Page{After: all[1].ID, Limit: 3}})
	must(t, "ListUsers page", err)
	same(t, "ListUsers after the second, 3", page, all[2:5])
	page, err = s.ListUsers(ctx, sso.UserQuery{Page: sso.Page{After: all[4].ID, Limit: 3}})
	must(t, "ListUsers last page", err)
	same(t, "ListUsers last page", page, all[5:])
	// Pages by offset.
	page, err = s.ListUsers(ctx, sso.UserQuery{Page: sso.Page{Limit: 2}, Offset: 3})
	must(t, "ListUsers offset", err)
	same(t, "ListUsers offset 3, 2", page, all[3:5])
	// Filters.
	page, err = s.ListUsers(ctx, sso.UserQuery{Name: "bob"})
	must(t, "ListUsers by name", err)
	if len(page) != 1 || page[0].Name != "bob" {
		t.Errorf("ListUsers(Name bob) = %+v", page)
	}
	page, err = s.ListUsers(ctx, sso.UserQuery{Email: "Zed@example.com"})
	must(t, "ListUsers by email", err)
	if len(page) != 1 || page[0].Name != "Zed" {
		t.Errorf("ListUsers(Email Zed@) = %+v", page)
	}
	page, err = s.ListUsers(ctx, sso.UserQuery{Name: "nobody"})
	must(t, "ListUsers by a missing name", err)
	if len(page) != 0 {
		t.Errorf("ListUsers(Name nobody) = %+v", page)
	}
	if n, err := s.CountUsers(ctx); err != nil || n != 6 {
		t.Errorf("CountUsers = %d, %v", n, err)
	}
}

func testUserUpdate(t *testing.T, s sso.Store) {
	ctx := t.Context()
	u := newUser("dave")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	taken := newUser("erin")
	taken.ExternalIDs = []sso.ExternalID{{Issuer: "idp", ID: "erin"}}
	must(t, "CreateUser", s.CreateUser(ctx, taken))

	_, err := s.UpdateUser(ctx, sso.RandomUUID(), func(u sso.User) (sso.User, error) { return u, nil })
	wantErr(t, "UpdateUser missing", err, sso.ErrNotFound)

	// Every field but ID and CreatedAt is replaced, and the old name is
	// free again.
	want := clone(u)
	want.Name = "david"
	want.DisplayName = "David D."
	want.Email = "david@example.org"
	want.PasswordHash = "$argon2id$v=19$m=65536,t=3,p=4$bmV3c2FsdA$bmV3aGFzaA"
	want.ExternalIDs = []sso.ExternalID{{Issuer: "idp", ID: "david"}}
	want.Profile.Title = "Chief"
	want.Profile.Emails = []sso.Email{{Value: "david@example.org", Type: "work", Primary: true}}
	want.UpdatedAt = at(time.Hour)
	want.UpdatedBy = "arn:aws:iam::123456789012:role/admin"
	var seen sso.User
	got, err := s.UpdateUser(ctx, u.ID, func(old sso.User) (sso.User, error) {
		seen = clone(old)
		next := clone(want)
		next.ID, next.CreatedAt = "changed", at(99*time.Hour) // ignored
		return next, nil
	})
	must(t, "UpdateUser", err)
	same(t, "update saw", seen, u)
	same(t, "UpdateUser result", got, want)
	got, err = s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	same(t, "GetUser after update", got, want)
	_, err = s.GetUserByName(ctx, "dave")
	wantErr(t, "GetUserByName of the old name", err, sso.ErrNotFound)
	_, err = s.GetUserByExternalID(ctx, u.ExternalIDs[0].Issuer, u.ExternalIDs[0].ID)
	wantErr(t, "GetUserByExternalID of a removed external id", err, sso.ErrNotFound)
	got, err = s.GetUserByExternalID(ctx, "idp", "david")
	must(t, "GetUserByExternalID of the new external id", err)
	same(t, "GetUserByExternalID of the new external id", got, want)

	// Renaming onto another user's name, or taking their external ID, is
	// a conflict and changes nothing.
	for name, change := range map[string]func(*sso.User){
		"name":        func(u *sso.User) { u.Name = taken.Name },
		"external id": func(u *sso.User) { u.ExternalIDs = append(u.ExternalIDs, taken.ExternalIDs[0]) },
	} {
		_, err = s.UpdateUser(ctx, u.ID, func(old sso.User) (sso.User, error) {
			change(&old)
			old.Email = "clash@example.com"
			return old, nil
		})
		wantErr(t, "UpdateUser onto another user's "+name, err, sso.ErrConflict)
		got, err = s.GetUser(ctx, u.ID)
		must(t, "GetUser", err)
		same(t, "GetUser after a conflicting update of "+name, got, want)
	}
	got, err = s.GetUser(ctx, taken.ID)
	must(t, "GetUser of the other user", err)
	same(t, "the other user after conflicting updates", got, taken)

	// An error of update stores nothing and comes back as it is.
	errMine := errors.New("mine")
	_, err = s.UpdateUser(ctx, u.ID, func(old sso.User) (sso.User, error) {
		old.Name = "nobody"
		return old, errMine
	})
	if err != errMine {
		t.Errorf("UpdateUser with a failing update: err = %v, want it as is", err)
	}
	got, _ = s.GetUser(ctx, u.ID)
	same(t, "GetUser after a failed update", got, want)
}

// testUserDisable checks that disabling a user ends its sessions and
// revokes its families in the same step, and that other changes do not.
func testUserDisable(t *testing.T, s sso.Store) {
	ctx := t.Context()
	u := newUser("gina")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	se := newSession(u.ID)
	must(t, "CreateSession", s.CreateSession(ctx, se))
	is := newIssue(true)
	is.Family.UserID, is.Access.UserID = u.ID, u.ID
	must(t, "CreateFamily", s.CreateFamily(ctx, is))

	_, err := s.UpdateUser(ctx, u.ID, func(old sso.User) (sso.User, error) {
		old.DisplayName, old.UpdatedAt = "Gina", at(time.Minute)
		return old, nil
	})
	must(t, "UpdateUser", err)
	if _, err := s.GetSession(ctx, se.Digest); err != nil {
		t.Errorf("a change that does not disable ended the session: %v", err)
	}
	_, err = s.UpdateUser(ctx, u.ID, func(old sso.User) (sso.User, error) {
		old.Disabled, old.UpdatedAt = true, at(2*time.Minute)
		return old, nil
	})
	must(t, "UpdateUser disabling", err)
	_, err = s.GetSession(ctx, se.Digest)
	wantErr(t, "GetSession of a disabled user", err, sso.ErrNotFound)
	_, fam, err := s.GetAccessToken(ctx, is.Access.Digest)
	must(t, "GetAccessToken", err)
	if !fam.RevokedAt.Equal(at(2 * time.Minute)) {
		t.Errorf("family of a disabled user: RevokedAt = %v, want the time of the change", fam.RevokedAt)
	}
}

func testUserDelete(t *testing.T, s sso.Store) {
	ctx := t.Context()
	wantErr(t, "DeleteUser missing", s.DeleteUser(ctx, sso.RandomUUID(), at(time.Hour)), sso.ErrNotFound)

	u := newUser("grace")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	other := newUser("heidi")
	other.ExternalIDs = nil
	must(t, "CreateUser", s.CreateUser(ctx, other))
	var mine []sso.Session
	for range 3 {
		se := newSession(u.ID)
		must(t, "CreateSession", s.CreateSession(ctx, se))
		mine = append(mine, se)
	}
	theirs := newSession(other.ID)
	must(t, "CreateSession", s.CreateSession(ctx, theirs))
	is := newIssue(true)
	is.Family.UserID, is.Access.UserID = u.ID, u.ID
	must(t, "CreateFamily", s.CreateFamily(ctx, is))
	g := newGroup("staff")
	must(t, "CreateGroup", s.CreateGroup(ctx, g))
	for _, id := range []string{u.ID, other.ID} {
		must(t, "CreateMembership", s.CreateMembership(ctx, newMembership(g.ID, id)))
	}
	seedAccess(t, s)
	direct := sso.Assignment{AccountID: "111111111111", PermissionSet: "Admin", PrincipalType: sso.PrincipalUser, PrincipalID: u.ID}
	must(t, "PutAssignment", s.PutAssignment(ctx, direct))

	must(t, "DeleteUser", s.DeleteUser(ctx, u.ID, at(time.Hour)))
	_, err := s.GetUser(ctx, u.ID)
	wantErr(t, "GetUser after delete", err, sso.ErrNotFound)
	_, err = s.GetUserByName(ctx, u.Name)
	wantErr(t, "GetUserByName after delete", err, sso.ErrNotFound)
	_, err = s.GetUserByExternalID(ctx, u.ExternalIDs[0].Issuer, u.ExternalIDs[0].ID)
	wantErr(t, "GetUserByExternalID after delete", err, sso.ErrNotFound)
	for _, se := range mine {
		_, err := s.GetSession(ctx, se.Digest)
		wantErr(t, "GetSession of a deleted user", err, sso.ErrNotFound)
	}
	got, err := s.GetSession(ctx, theirs.Digest)
	must(t, "GetSession of another user", err)
	same(t, "another user's session", got, theirs)
	_, fam, err := s.GetAccessToken(ctx, is.Access.Digest)
	must(t, "GetAccessToken", err)
	if !fam.RevokedAt.Equal(at(time.Hour)) {
		t.Errorf("family of a deleted user: RevokedAt = %v", fam.RevokedAt)
	}
	ms, err := s.ListMemberships(ctx, sso.MembershipQuery{GroupID: g.ID})
	must(t, "ListMemberships", err)
	if len(ms) != 1 || ms[0].UserID != other.ID {
		t.Errorf("memberships after deleting a member: %+v", ms)
	}
	if as, _ := s.ListAssignments(ctx); len(as) != 0 {
		t.Errorf("assignments of a deleted user remain: %+v", as)
	}
	list, err := s.ListUsers(ctx, sso.UserQuery{})
	must(t, "ListUsers", err)
	same(t, "ListUsers after delete", list, []sso.User{other})

	wantErr(t, "DeleteUser twice", s.DeleteUser(ctx, u.ID, at(time.Hour)), sso.ErrNotFound)
	// The name and the external IDs are free again.
	again := newUser(u.Name)
	again.ExternalIDs = u.ExternalIDs
	must(t, "CreateUser with a deleted user's name and external ids", s.CreateUser(ctx, again))
}

func testSessionRoundTrip(t *testing.T, s sso.Store) {
	ctx := t.Context()
	u := newUser("ivan")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	want := newSession(u.ID)
	mustFill(t, want)
	in := clone(want)
	must(t, "CreateSession", s.CreateSession(ctx, in))
	clobber(in.Digest)

	got, err := s.GetSession(ctx, want.Digest)
	must(t, "GetSession", err)
	same(t, "GetSession", got, want)
	clobber(got.Digest)
	got, err = s.GetSession(ctx, want.Digest)
	must(t, "GetSession again", err)
	same(t, "GetSession after changing a returned session", got, want)
}

func testSessionErrors(t *testing.T, s sso.Store) {
	ctx := t.Context()
	u := newUser("judy")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	_, err := s.GetSession(ctx, digest())
	wantErr(t, "GetSession missing", err, sso.ErrNotFound)
	must(t, "DeleteSession missing", s.DeleteSession(ctx, digest()))

	se := newSession(u.ID)
	must(t, "CreateSession", s.CreateSession(ctx, se))
	dup := newSession(u.ID)
	dup.Digest = clone(se).Digest
	dup.ExpiresAt = at(time.Minute)
	wantErr(t, "CreateSession with an existing digest", s.CreateSession(ctx, dup), sso.ErrConflict)
	got, err := s.GetSession(ctx, se.Digest)
	must(t, "GetSession", err)
	same(t, "GetSession after a conflicting create", got, se)

	keep := newSession(u.ID)
	must(t, "CreateSession", s.CreateSession(ctx, keep))
	must(t, "DeleteSession", s.DeleteSession(ctx, se.Digest))
	_, err = s.GetSession(ctx, se.Digest)
	wantErr(t, "GetSession after delete", err, sso.ErrNotFound)
	must(t, "DeleteSession twice", s.DeleteSession(ctx, se.Digest))
	got, err = s.GetSession(ctx, keep.Digest)
	must(t, "GetSession of another session", err)
	same(t, "another session after delete", got, keep)
}
