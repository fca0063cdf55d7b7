package ssotest

import (
	"context"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var userTests = []test{
	{"User/RoundTrip", testUserRoundTrip},
	{"User/CreateConflicts", testUserCreateConflicts},
	{"User/List", testUserList},
	{"User/Update", testUserUpdate},
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
	mustFill(t, want)
	in := clone(want)
	must(t, "CreateUser", s.CreateUser(ctx, in))
	clobberStrings(in.Groups)

	got, err := s.GetUser(ctx, want.ID)
	must(t, "GetUser", err)
	same(t, "GetUser", got, want)
	clobberStrings(got.Groups)
	got, err = s.GetUserByName(ctx, want.Name)
	must(t, "GetUserByName", err)
	same(t, "GetUserByName", got, want)
	list, err := s.ListUsers(ctx)
	must(t, "ListUsers", err)
	same(t, "ListUsers", list, []sso.User{want})

	// Names are case-sensitive.
	_, err = s.GetUserByName(ctx, "Alice")
	wantErr(t, "GetUserByName with another case", err, sso.ErrNotFound)
	upper := newUser("Alice")
	upper.Groups = nil
	must(t, "CreateUser with a name differing only in case", s.CreateUser(ctx, upper))
	got, err = s.GetUserByName(ctx, "Alice")
	must(t, "GetUserByName Alice", err)
	same(t, "GetUserByName Alice", got, upper)
}

func testUserCreateConflicts(t *testing.T, s sso.Store) {
	ctx := t.Context()
	_, err := s.GetUser(ctx, sso.RandomID())
	wantErr(t, "GetUser missing", err, sso.ErrNotFound)
	_, err = s.GetUserByName(ctx, "nobody")
	wantErr(t, "GetUserByName missing", err, sso.ErrNotFound)

	u := newUser("bob")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	sameID := newUser("robert")
	sameID.ID = u.ID
	wantErr(t, "CreateUser with an existing id", s.CreateUser(ctx, sameID), sso.ErrConflict)
	_, err = s.GetUserByName(ctx, "robert")
	wantErr(t, "GetUserByName after a conflicting create", err, sso.ErrNotFound)
	sameName := newUser("bob")
	wantErr(t, "CreateUser with an existing name", s.CreateUser(ctx, sameName), sso.ErrConflict)
	_, err = s.GetUser(ctx, sameName.ID)
	wantErr(t, "GetUser after a conflicting create", err, sso.ErrNotFound)

	got, err := s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	same(t, "GetUser after conflicts", got, u)
}

func testUserList(t *testing.T, s sso.Store) {
	ctx := t.Context()
	list, err := s.ListUsers(ctx)
	must(t, "ListUsers empty", err)
	if len(list) != 0 {
		t.Errorf("ListUsers of an empty store: %d users", len(list))
	}
	// Byte order: upper case sorts before lower case.
	byName := map[string]sso.User{}
	for _, name := range []string{"carol", "Zed", "alice", "Bob", "bob", "\u00e9mile"} {
		u := newUser(name)
		must(t, "CreateUser "+name, s.CreateUser(ctx, u))
		byName[name] = u
	}
	list, err = s.ListUsers(ctx)
	must(t, "ListUsers", err)
	var want []sso.User
	for _, name := range []string{"Bob", "Zed", "alice", "bob", "carol", "\u00e9mile"} {
		want = append(want, byName[name])
	}
	same(t, "ListUsers", list, want)
}

func testUserUpdate(t *testing.T, s sso.Store) {
	ctx := t.Context()
	u := newUser("dave")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	taken := newUser("erin")
	must(t, "CreateUser", s.CreateUser(ctx, taken))

	missing := newUser("frank")
	wantErr(t, "UpdateUser missing", s.UpdateUser(ctx, missing), sso.ErrNotFound)
	_, err := s.GetUserByName(ctx, "frank")
	wantErr(t, "GetUserByName after updating a missing user", err, sso.ErrNotFound)

	// Every field is replaced, and the old name is free again.
	want := u
	want.Name = "david"
	want.DisplayName = "David D."
	want.Email = "david@example.org"
	want.Groups = []string{"readers"}
	want.PasswordHash = "$argon2id$v=19$m=65536,t=3,p=4$bmV3c2FsdA$bmV3aGFzaA"
	want.CreatedAt = at(time.Hour)
	must(t, "UpdateUser", s.UpdateUser(ctx, clone(want)))
	got, err := s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	same(t, "GetUser after update", got, want)
	_, err = s.GetUserByName(ctx, "dave")
	wantErr(t, "GetUserByName of the old name", err, sso.ErrNotFound)
	got, err = s.GetUserByName(ctx, "david")
	must(t, "GetUserByName of the new name", err)
	same(t, "GetUserByName of the new name", got, want)

	// Renaming onto another user's name is a conflict and changes nothing.
	clash := want
	clash.Name = taken.Name
	clash.Email = "clash@example.com"
	wantErr(t, "UpdateUser onto an existing name", s.UpdateUser(ctx, clash), sso.ErrConflict)
	got, err = s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	same(t, "GetUser after a conflicting update", got, want)
	got, err = s.GetUser(ctx, taken.ID)
	must(t, "GetUser of the other user", err)
	same(t, "the other user after a conflicting update", got, taken)

	// Keeping one's own name is no conflict; clearing lists works.
	want.Groups = nil
	must(t, "UpdateUser keeping the name", s.UpdateUser(ctx, want))
	got, err = s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	same(t, "GetUser after clearing groups", got, want)
}

func testUserDelete(t *testing.T, s sso.Store) {
	ctx := t.Context()
	wantErr(t, "DeleteUser missing", s.DeleteUser(ctx, sso.RandomID()), sso.ErrNotFound)

	u := newUser("grace")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	other := newUser("heidi")
	must(t, "CreateUser", s.CreateUser(ctx, other))
	var mine []sso.Session
	for range 3 {
		se := newSession(u.ID)
		must(t, "CreateSession", s.CreateSession(ctx, se))
		mine = append(mine, se)
	}
	theirs := newSession(other.ID)
	must(t, "CreateSession", s.CreateSession(ctx, theirs))

	must(t, "DeleteUser", s.DeleteUser(ctx, u.ID))
	_, err := s.GetUser(ctx, u.ID)
	wantErr(t, "GetUser after delete", err, sso.ErrNotFound)
	_, err = s.GetUserByName(ctx, u.Name)
	wantErr(t, "GetUserByName after delete", err, sso.ErrNotFound)
	for _, se := range mine {
		_, err := s.GetSession(ctx, se.Digest)
		wantErr(t, "GetSession of a deleted user", err, sso.ErrNotFound)
	}
	got, err := s.GetSession(ctx, theirs.Digest)
	must(t, "GetSession of another user", err)
	same(t, "another user's session", got, theirs)
	list, err := s.ListUsers(ctx)
	must(t, "ListUsers", err)
	same(t, "ListUsers after delete", list, []sso.User{other})

	wantErr(t, "DeleteUser twice", s.DeleteUser(ctx, u.ID), sso.ErrNotFound)
	// The name is free again.
	must(t, "CreateUser with a deleted user's name", s.CreateUser(ctx, newUser(u.Name)))
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
