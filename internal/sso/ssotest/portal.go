package ssotest

import (
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// The portal's one-statement reads (sso.PortalStore).
var portalTests = []test{
	{"Portal/GetBearer", testGetBearer},
	{"Portal/ListAccountsFor", testListAccountsFor},
	{"Portal/GetRoleGrant", testGetRoleGrant},
}

func testGetBearer(t *testing.T, s sso.Store) {
	ctx := t.Context()
	u := newUser("alice")
	u.Disabled = true
	must(t, "CreateUser", s.CreateUser(ctx, u))
	is := newIssue(true)
	is.Family.UserID, is.Access.UserID = u.ID, u.ID
	must(t, "CreateFamily", s.CreateFamily(ctx, is))
	b, err := s.GetBearer(ctx, is.Access.Digest)
	must(t, "GetBearer", err)
	same(t, "GetBearer token", b.Token, is.Access)
	same(t, "GetBearer family", b.Family, is.Family)
	want := sso.User{ID: u.ID, Name: u.Name, DisplayName: u.DisplayName, Disabled: true}
	same(t, "GetBearer user", b.User, want)

	// A token whose user is gone reads, with no user.
	orphan := newIssue(false)
	must(t, "CreateFamily", s.CreateFamily(ctx, orphan))
	b, err = s.GetBearer(ctx, orphan.Access.Digest)
	must(t, "GetBearer of a token without its user", err)
	if b.User.ID != "" || b.Token.UserID != orphan.Access.UserID {
		t.Errorf("GetBearer without a user: %+v", b)
	}
	_, err = s.GetBearer(ctx, digest())
	wantErr(t, "GetBearer unknown", err, sso.ErrNotFound)
	// The refresh token's digest is not an access token's.
	_, err = s.GetBearer(ctx, is.Refresh.Digest)
	wantErr(t, "GetBearer of a refresh token's digest", err, sso.ErrNotFound)
}

// seedPortal: alice has Admin in 111111111111 directly and ReadOnly in
// 222222222222 and 111111111111 through her group; bob has nothing.
func seedPortal(t *testing.T, s sso.Store) (alice, bob sso.User, g sso.Group) {
	ctx := t.Context()
	seedAccess(t, s)
	must(t, "PutAccount", s.PutAccount(ctx, newAccount("333333333333")))
	alice, bob, g = newUser("alice"), newUser("bob"), newGroup("devs")
	must(t, "CreateUser", s.CreateUser(ctx, alice))
	must(t, "CreateUser", s.CreateUser(ctx, bob))
	must(t, "CreateGroup", s.CreateGroup(ctx, g))
	must(t, "CreateMembership", s.CreateMembership(ctx, newMembership(g.ID, alice.ID)))
	for _, a := range []sso.Assignment{
		{AccountID: "111111111111", PermissionSet: "Admin", PrincipalType: sso.PrincipalUser, PrincipalID: alice.ID},
		{AccountID: "111111111111", PermissionSet: "ReadOnly", PrincipalType: sso.PrincipalGroup, PrincipalID: g.ID},
		{AccountID: "222222222222", PermissionSet: "ReadOnly", PrincipalType: sso.PrincipalGroup, PrincipalID: g.ID},
		// Through both: still one account.
		{AccountID: "222222222222", PermissionSet: "ReadOnly", PrincipalType: sso.PrincipalUser, PrincipalID: alice.ID},
	} {
		must(t, "PutAssignment", s.PutAssignment(ctx, a))
	}
	return alice, bob, g
}

func testListAccountsFor(t *testing.T, s sso.Store) {
	ctx := t.Context()
	alice, bob, _ := seedPortal(t, s)
	got, err := s.ListAccountsFor(ctx, alice.ID)
	must(t, "ListAccountsFor(alice)", err)
	if len(got) != 2 {
		t.Fatalf("ListAccountsFor(alice) = %+v, want 111111111111 and 222222222222 once each", got)
	}
	same(t, "ListAccountsFor(alice)[0]", got[0], newAccount("111111111111"))
	same(t, "ListAccountsFor(alice)[1]", got[1], newAccount("222222222222"))
	if got, err := s.ListAccountsFor(ctx, bob.ID); err != nil || len(got) != 0 {
		t.Errorf("ListAccountsFor(bob) = %+v, %v; want none", got, err)
	}
	if got, err := s.ListAccountsFor(ctx, "no\x00one"); err != nil || len(got) != 0 {
		t.Errorf("ListAccountsFor(NUL) = %+v, %v; want none", got, err)
	}
}

func testGetRoleGrant(t *testing.T, s sso.Store) {
	ctx := t.Context()
	alice, bob, g := seedPortal(t, s)
	a, p, err := s.GetRoleGrant(ctx, alice.ID, "111111111111", "Admin")
	must(t, "GetRoleGrant(direct)", err)
	same(t, "GetRoleGrant account", a, newAccount("111111111111"))
	wantPS, err := s.GetPermissionSet(ctx, "Admin")
	must(t, "GetPermissionSet", err)
	same(t, "GetRoleGrant permission set", p, wantPS)
	if p.SessionDuration != time.Hour+500*time.Millisecond {
		t.Errorf("session duration %v", p.SessionDuration)
	}
	if _, _, err := s.GetRoleGrant(ctx, alice.ID, "111111111111", "ReadOnly"); err != nil {
		t.Errorf("GetRoleGrant(through the group): %v", err)
	}
	for _, c := range []struct{ user, account, ps string }{
		{bob.ID, "111111111111", "Admin"},
		{alice.ID, "222222222222", "Admin"},
		{alice.ID, "333333333333", "ReadOnly"},
		{alice.ID, "999999999999", "Admin"},
		{alice.ID, "111111111111", "Nope"},
		{alice.ID, "111111111111\x00", "Admin"},
	} {
		_, _, err := s.GetRoleGrant(ctx, c.user, c.account, c.ps)
		wantErr(t, "GetRoleGrant("+c.account+", "+c.ps+")", err, sso.ErrNotFound)
	}
	// Leaving the group ends what it gave, at once.
	ms, err := s.ListMemberships(ctx, sso.MembershipQuery{GroupID: g.ID})
	must(t, "ListMemberships", err)
	for _, m := range ms {
		must(t, "DeleteMembership", s.DeleteMembership(ctx, m.ID))
	}
	_, _, err = s.GetRoleGrant(ctx, alice.ID, "111111111111", "ReadOnly")
	wantErr(t, "GetRoleGrant after leaving the group", err, sso.ErrNotFound)
	must(t, "DeleteAssignment", s.DeleteAssignment(ctx, sso.Assignment{AccountID: "111111111111", PermissionSet: "Admin",
		PrincipalType: sso.PrincipalUser, PrincipalID: alice.ID}))
	_, _, err = s.GetRoleGrant(ctx, alice.ID, "111111111111", "Admin")
	wantErr(t, "GetRoleGrant after the assignment's deletion", err, sso.ErrNotFound)
}
