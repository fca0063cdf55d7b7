package ssotest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var scimTests = []test{
	{"SCIMToken/RoundTrip", testSCIMTokenRoundTrip},
	{"SCIMToken/Revoke", testSCIMTokenRevoke},
	{"Directory/CountGroups", testCountGroups},
	{"Directory/UsersByDisplayName", testUsersByDisplayName},
}

func newSCIMToken(created time.Duration) sso.SCIMToken {
	return sso.SCIMToken{ID: sso.RandomUUID(), Digest: digest(), CreatedAt: at(created),
		ExpiresAt: at(created + 365*24*time.Hour), CreatedBy: "os:root"}
}

func testSCIMTokenRoundTrip(t *testing.T, s sso.Store) {
	ctx := t.Context()
	list, err := s.ListSCIMTokens(ctx)
	must(t, "ListSCIMTokens empty", err)
	if len(list) != 0 {
		t.Errorf("ListSCIMTokens of an empty store: %+v", list)
	}
	later, first := newSCIMToken(time.Hour), newSCIMToken(0)
	for _, tok := range []sso.SCIMToken{later, first} {
		must(t, "CreateSCIMToken", s.CreateSCIMToken(ctx, tok))
	}
	got, err := s.GetSCIMToken(ctx, first.Digest)
	must(t, "GetSCIMToken", err)
	same(t, "GetSCIMToken", got, first)
	if !got.Usable(at(time.Minute)) || got.Usable(first.ExpiresAt) {
		t.Errorf("Usable: a fresh token must be usable until its expiry, not at it")
	}
	_, err = s.GetSCIMToken(ctx, digest())
	wantErr(t, "GetSCIMToken unknown", err, sso.ErrNotFound)

	dupID := newSCIMToken(0)
	dupID.ID = first.ID
	wantErr(t, "CreateSCIMToken with an existing ID", s.CreateSCIMToken(ctx, dupID), sso.ErrConflict)
	dupDigest := newSCIMToken(0)
	dupDigest.Digest = slices.Clone(first.Digest)
	wantErr(t, "CreateSCIMToken with an existing digest", s.CreateSCIMToken(ctx, dupDigest), sso.ErrConflict)

	list, err = s.ListSCIMTokens(ctx)
	must(t, "ListSCIMTokens", err)
	same(t, "ListSCIMTokens (oldest first)", list, []sso.SCIMToken{first, later})
}

func testSCIMTokenRevoke(t *testing.T, s sso.Store) {
	ctx := t.Context()
	tok, other := newSCIMToken(0), newSCIMToken(0)
	must(t, "CreateSCIMToken", s.CreateSCIMToken(ctx, tok))
	must(t, "CreateSCIMToken", s.CreateSCIMToken(ctx, other))
	must(t, "RevokeSCIMToken", s.RevokeSCIMToken(ctx, tok.ID, at(time.Minute)))
	wantErr(t, "RevokeSCIMToken twice", s.RevokeSCIMToken(ctx, tok.ID, at(2*time.Minute)), sso.ErrNotFound)
	wantErr(t, "RevokeSCIMToken unknown", s.RevokeSCIMToken(ctx, sso.RandomUUID(), at(time.Minute)), sso.ErrNotFound)
	got, err := s.GetSCIMToken(ctx, tok.Digest)
	must(t, "GetSCIMToken revoked", err)
	if !got.RevokedAt.Equal(at(time.Minute)) || got.Usable(at(2*time.Minute)) {
		t.Errorf("revoked token: RevokedAt %v, usable %v", got.RevokedAt, got.Usable(at(2*time.Minute)))
	}
	got, err = s.GetSCIMToken(ctx, other.Digest)
	must(t, "GetSCIMToken other", err)
	if !got.RevokedAt.IsZero() {
		t.Errorf("revoking one token revoked another")
	}
}

func testCountGroups(t *testing.T, s sso.Store) {
	ctx := t.Context()
	n, err := s.CountGroups(ctx)
	must(t, "CountGroups empty", err)
	if n != 0 {
		t.Errorf("CountGroups of an empty store = %d", n)
	}
	for _, name := range []string{"a", "b", "c"} {
		must(t, "CreateGroup", s.CreateGroup(ctx, newGroup(name)))
	}
	if n, err := s.CountGroups(ctx); err != nil || n != 3 {
		t.Errorf("CountGroups = %d, %v; want 3", n, err)
	}
}

func testUsersByDisplayName(t *testing.T, s sso.Store) {
	ctx := t.Context()
	var twins []sso.User
	for _, name := range []string{"x1", "x2", "y"} {
		u := newUser(name)
		if name != "y" {
			u.DisplayName = "Twin Name"
			twins = append(twins, u)
		}
		must(t, "CreateUser", s.CreateUser(ctx, u))
	}
	slices.SortFunc(twins, func(a, b sso.User) int { return strings.Compare(a.ID, b.ID) })
	got, err := s.ListUsers(ctx, sso.UserQuery{DisplayName: "Twin Name"})
	must(t, "ListUsers by display name", err)
	same(t, "ListUsers by display name", got, twins)
	got, err = s.ListUsers(ctx, sso.UserQuery{DisplayName: "twin name"})
	must(t, "ListUsers by display name, other case", err)
	if len(got) != 0 {
		t.Errorf("the display name filter is exact; other case found %d", len(got))
	}
	got, err = s.ListUsers(ctx, sso.UserQuery{DisplayName: "Twin Name", Page: sso.Page{After: twins[0].ID}})
	must(t, "ListUsers by display name after", err)
	same(t, "ListUsers by display name after the first", got, twins[1:])
}
