package ssotest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// The portal's one-statement reads (sso.PortalStore).
var portalTests = []test{
	{"Portal/GetBearer", testGetBearer},
	{"Portal/ListAccountsFor", testListAccountsFor},
	{"Portal/GetRoleGrant", testGetRoleGrant},
	{"Portal/GetBearerRole", testGetBearerRole},
	{"Portal/GetBearerAccounts", testGetBearerAccounts},
}

// bearerOf is what GetBearer should say of is, whose user is u.
func bearerOf(is sso.Issue, u *sso.User) sso.Bearer {
	b := sso.Bearer{FamilyID: is.Family.ID, Scopes: is.Access.Scopes, ExpiresAt: is.Access.ExpiresAt,
		Revoked: is.Family.Revoked(), UserID: is.Access.UserID}
	if is.Family.ExpiresAt.Before(b.ExpiresAt) {
		b.ExpiresAt = is.Family.ExpiresAt
	}
	if u != nil {
		b.UserName, b.UserFound, b.UserDisabled = u.Name, true, u.Disabled
	}
	return b
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
	same(t, "GetBearer", b, bearerOf(is, &u))

	// The earlier of the token's and the family's expiry; a revocation.
	short := newIssue(false)
	short.Family.ExpiresAt = at(30 * time.Minute)
	must(t, "CreateFamily", s.CreateFamily(ctx, short))
	must(t, "RevokeFamily", s.RevokeFamily(ctx, short.Family.ID, at(time.Minute)))
	short.Family.RevokedAt = at(time.Minute)
	b, err = s.GetBearer(ctx, short.Access.Digest)
	must(t, "GetBearer of a token whose user is gone", err)
	same(t, "GetBearer without a user, revoked, family ending first", b, bearerOf(short, nil))
	if !b.ExpiresAt.Equal(at(30*time.Minute)) || !b.Revoked || b.UserFound {
		t.Errorf("GetBearer = %+v", b)
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

// grantOf is what GetRoleGrant returns of a and p.
func grantOf(a sso.Account, p sso.PermissionSet) sso.RoleGrant {
	return sso.RoleGrant{
		Account:       sso.Account{ID: a.ID, Name: a.Name, Source: a.Source, RoleARN: a.RoleARN, CredentialsFile: a.CredentialsFile},
		PermissionSet: sso.PermissionSet{Name: p.Name, SessionDuration: p.SessionDuration, RoleSuffix: p.RoleSuffix},
	}
}

func testGetRoleGrant(t *testing.T, s sso.Store) {
	ctx := t.Context()
	alice, bob, g := seedPortal(t, s)
	got, err := s.GetRoleGrant(ctx, alice.ID, "111111111111", "Admin")
	must(t, "GetRoleGrant(direct)", err)
	ps, err := s.GetPermissionSet(ctx, "Admin")
	must(t, "GetPermissionSet", err)
	same(t, "GetRoleGrant", got, grantOf(newAccount("111111111111"), ps))
	if got.PermissionSet.SessionDuration != time.Hour+500*time.Millisecond {
		t.Errorf("session duration %v", got.PermissionSet.SessionDuration)
	}
	if _, err := s.GetRoleGrant(ctx, alice.ID, "111111111111", "ReadOnly"); err != nil {
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
		_, err := s.GetRoleGrant(ctx, c.user, c.account, c.ps)
		wantErr(t, "GetRoleGrant("+c.account+", "+c.ps+")", err, sso.ErrNotFound)
	}
	// Leaving the group ends what it gave, at once.
	ms, err := s.ListMemberships(ctx, sso.MembershipQuery{GroupID: g.ID})
	must(t, "ListMemberships", err)
	for _, m := range ms {
		must(t, "DeleteMembership", s.DeleteMembership(ctx, m.ID))
	}
	_, err = s.GetRoleGrant(ctx, alice.ID, "111111111111", "ReadOnly")
	wantErr(t, "GetRoleGrant after leaving the group", err, sso.ErrNotFound)
	must(t, "DeleteAssignment", s.DeleteAssignment(ctx, sso.Assignment{AccountID: "111111111111", PermissionSet: "Admin",
		PrincipalType: sso.PrincipalUser, PrincipalID: alice.ID}))
	_, err = s.GetRoleGrant(ctx, alice.ID, "111111111111", "Admin")
	wantErr(t, "GetRoleGrant after the assignment's deletion", err, sso.ErrNotFound)
}

// portalToken stores a family of u's and returns its issue.
func portalToken(t *testing.T, s sso.Store, u sso.User) sso.Issue {
	is := newIssue(true)
	is.Family.UserID, is.Access.UserID = u.ID, u.ID
	must(t, "CreateFamily", s.CreateFamily(t.Context(), is))
	return is
}

func testGetBearerRole(t *testing.T, s sso.Store) {
	ctx := t.Context()
	alice, bob, _ := seedPortal(t, s)
	ia, ib := portalToken(t, s, alice), portalToken(t, s, bob)
	b, g, err := s.GetBearerRole(ctx, ia.Access.Digest, "111111111111", "ReadOnly")
	must(t, "GetBearerRole(alice, through the group)", err)
	same(t, "GetBearerRole bearer", b, bearerOf(ia, &alice))
	want, err := s.GetRoleGrant(ctx, alice.ID, "111111111111", "ReadOnly")
	must(t, "GetRoleGrant", err)
	if g == nil {
		t.Fatal("GetBearerRole found no grant")
	}
	same(t, "GetBearerRole grant", *g, want)

	for _, c := range []struct {
		is           sso.Issue
		account, set string
	}{
		{ib, "111111111111", "ReadOnly"}, {ia, "222222222222", "Admin"}, {ia, "111111111111", "Nope"},
		{ia, "999999999999", "Admin"}, {ia, "1111\x00", "Admin"}, {ia, "111111111111", ""},
	} {
		b, g, err := s.GetBearerRole(ctx, c.is.Access.Digest, c.account, c.set)
		if err != nil || g != nil || b.UserID != c.is.Access.UserID || b.FamilyID != c.is.Family.ID {
			t.Errorf("GetBearerRole(%s, %q, %q) = %+v, %+v, %v; want the token and no grant", c.is.Access.UserID, c.account, c.set, b, g, err)
		}
	}
	_, _, err = s.GetBearerRole(ctx, digest(), "111111111111", "Admin")
	wantErr(t, "GetBearerRole of no token", err, sso.ErrNotFound)
}

func testGetBearerAccounts(t *testing.T, s sso.Store) {
	ctx := t.Context()
	alice, bob, _ := seedPortal(t, s)
	ia, ib := portalToken(t, s, alice), portalToken(t, s, bob)
	b, accts, err := s.GetBearerAccounts(ctx, ia.Access.Digest)
	must(t, "GetBearerAccounts(alice)", err)
	same(t, "GetBearerAccounts bearer", b, bearerOf(ia, &alice))
	var want []sso.Account
	for _, id := range []string{"111111111111", "222222222222"} {
		a := newAccount(id)
		want = append(want, sso.Account{ID: a.ID, Name: a.Name, Email: a.Email})
	}
	slices.SortFunc(accts, func(a, b sso.Account) int { return strings.Compare(a.ID, b.ID) })
	same(t, "GetBearerAccounts accounts", accts, want)
	b, accts, err = s.GetBearerAccounts(ctx, ib.Access.Digest)
	if err != nil || len(accts) != 0 || b.UserID != bob.ID || !b.UserFound {
		t.Errorf("GetBearerAccounts(bob) = %+v, %v, %v; want bob's token and no account", b, accts, err)
	}
	_, _, err = s.GetBearerAccounts(ctx, digest())
	wantErr(t, "GetBearerAccounts of no token", err, sso.ErrNotFound)
}
