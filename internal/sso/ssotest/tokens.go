package ssotest

import (
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var tokenTests = []test{
	{"Token/RoundTrip", testTokenRoundTrip},
	{"Token/CreateConflicts", testTokenCreateConflicts},
	{"Token/Rotate", testTokenRotate},
	{"Token/RotateAtomic", testTokenRotateAtomic},
	{"Token/Revoke", testTokenRevoke},
}

// checkIssued fails the test unless every record of is can be read back.
func checkIssued(t testing.TB, s sso.Store, what string, is sso.Issue) {
	t.Helper()
	ctx := t.Context()
	a, f, err := s.GetAccessToken(ctx, is.Access.Digest)
	if err != nil {
		t.Errorf("%s: GetAccessToken: %v", what, err)
	} else {
		same(t, what+": GetAccessToken token", a, is.Access)
		same(t, what+": GetAccessToken family", f, is.Family)
	}
	if is.Refresh == nil {
		return
	}
	r, f, err := s.GetRefreshToken(ctx, is.Refresh.Digest)
	if err != nil {
		t.Errorf("%s: GetRefreshToken: %v", what, err)
	} else {
		same(t, what+": GetRefreshToken token", r, *is.Refresh)
		same(t, what+": GetRefreshToken family", f, is.Family)
	}
}

// checkNotIssued fails the test if any token of is was stored.
func checkNotIssued(t testing.TB, s sso.Store, what string, is sso.Issue) {
	t.Helper()
	ctx := t.Context()
	_, _, err := s.GetAccessToken(ctx, is.Access.Digest)
	wantErr(t, what+": GetAccessToken of a token that must not be stored", err, sso.ErrNotFound)
	if is.Refresh != nil {
		_, _, err := s.GetRefreshToken(ctx, is.Refresh.Digest)
		wantErr(t, what+": GetRefreshToken of a token that must not be stored", err, sso.ErrNotFound)
	}
}

func testTokenRoundTrip(t *testing.T, s sso.Store) {
	ctx := t.Context()
	want := newIssue(true)
	want.Family.RevokedAt = at(3 * time.Hour)
	want.Refresh.Generation = 2
	want.Refresh.UsedAt = at(2 * time.Hour)
	mustFill(t, want)
	in := clone(want)
	must(t, "CreateFamily", s.CreateFamily(ctx, in))
	clobber(in.Access.Digest)
	clobber(in.Refresh.Digest)
	clobberStrings(in.Family.Scopes)
	clobberStrings(in.Access.Scopes)
	checkIssued(t, s, "CreateFamily", want)

	a, f, err := s.GetAccessToken(ctx, want.Access.Digest)
	must(t, "GetAccessToken", err)
	clobber(a.Digest)
	clobberStrings(a.Scopes)
	clobberStrings(f.Scopes)
	checkIssued(t, s, "CreateFamily after changing returned records", want)

	// A live, non-refreshable family with empty scopes.
	bare := newIssue(false)
	bare.Family.Scopes, bare.Access.Scopes = nil, []string{}
	must(t, "CreateFamily bare", s.CreateFamily(ctx, bare))
	checkIssued(t, s, "CreateFamily bare", bare)
}

func testTokenCreateConflicts(t *testing.T, s sso.Store) {
	ctx := t.Context()
	_, _, err := s.GetAccessToken(ctx, digest())
	wantErr(t, "GetAccessToken missing", err, sso.ErrNotFound)
	_, _, err = s.GetRefreshToken(ctx, digest())
	wantErr(t, "GetRefreshToken missing", err, sso.ErrNotFound)

	taken := newIssue(true)
	must(t, "CreateFamily", s.CreateFamily(ctx, taken))

	sameFamily := newIssue(true)
	sameFamily.Family.ID = taken.Family.ID
	sameFamily.Access.FamilyID, sameFamily.Refresh.FamilyID = taken.Family.ID, taken.Family.ID
	wantErr(t, "CreateFamily with an existing family id", s.CreateFamily(ctx, sameFamily), sso.ErrConflict)
	checkNotIssued(t, s, "CreateFamily with an existing family id", sameFamily)

	sameAccess := newIssue(true)
	sameAccess.Access.Digest = clone(taken).Access.Digest
	wantErr(t, "CreateFamily with an existing access token", s.CreateFamily(ctx, sameAccess), sso.ErrConflict)
	_, _, err = s.GetRefreshToken(ctx, sameAccess.Refresh.Digest)
	wantErr(t, "GetRefreshToken of a family whose create failed", err, sso.ErrNotFound)

	sameRefresh := newIssue(true)
	sameRefresh.Refresh.Digest = clone(taken).Refresh.Digest
	wantErr(t, "CreateFamily with an existing refresh token", s.CreateFamily(ctx, sameRefresh), sso.ErrConflict)
	_, _, err = s.GetAccessToken(ctx, sameRefresh.Access.Digest)
	wantErr(t, "GetAccessToken of a family whose create failed", err, sso.ErrNotFound)

	checkIssued(t, s, "the family that was there first", taken)

	// The family id of a failed create is free again.
	retry := newIssue(true)
	retry.Family.ID = sameAccess.Family.ID
	retry.Access.FamilyID, retry.Refresh.FamilyID = retry.Family.ID, retry.Family.ID
	must(t, "CreateFamily with the id of a failed create", s.CreateFamily(ctx, retry))
}

func testTokenRotate(t *testing.T, s sso.Store) {
	ctx := t.Context()
	is := newIssue(true)
	must(t, "CreateFamily", s.CreateFamily(ctx, is))

	old := *is.Refresh
	for gen := 1; gen <= 3; gen++ {
		next := newRefresh(is.Family, gen)
		next.CreatedAt = at(time.Duration(gen) * time.Minute)
		access := newAccess(is.Family)
		access.IssuedAt = next.CreatedAt
		usedAt := next.CreatedAt
		must(t, "RotateRefreshToken", s.RotateRefreshToken(ctx, old.Digest, usedAt, next, access))

		wantOld := old
		wantOld.UsedAt = usedAt
		r, f, err := s.GetRefreshToken(ctx, old.Digest)
		must(t, "GetRefreshToken of the rotated token", err)
		same(t, "rotated token", r, wantOld)
		same(t, "family of the rotated token", f, is.Family)
		checkIssued(t, s, "RotateRefreshToken", sso.Issue{Family: is.Family, Access: access, Refresh: &next})

		// Reuse of a used token: the caller revokes the family; the store
		// only refuses.
		reuse := sso.Issue{Family: is.Family, Access: newAccess(is.Family)}
		reuseNext := newRefresh(is.Family, gen)
		reuse.Refresh = &reuseNext
		wantErr(t, "RotateRefreshToken of a used token",
			s.RotateRefreshToken(ctx, old.Digest, at(time.Hour), reuseNext, reuse.Access), sso.ErrConflict)
		checkNotIssued(t, s, "RotateRefreshToken of a used token", reuse)
		r, _, err = s.GetRefreshToken(ctx, old.Digest)
		must(t, "GetRefreshToken of the reused token", err)
		same(t, "reused token", r, wantOld)
		old = next
	}

	missing := sso.Issue{Family: is.Family, Access: newAccess(is.Family)}
	next := newRefresh(is.Family, 9)
	missing.Refresh = &next
	wantErr(t, "RotateRefreshToken of a missing token",
		s.RotateRefreshToken(ctx, digest(), at(time.Hour), next, missing.Access), sso.ErrNotFound)
	checkNotIssued(t, s, "RotateRefreshToken of a missing token", missing)
}

// testTokenRotateAtomic checks that a rotation whose successors cannot be
// stored leaves the old token unused.
func testTokenRotateAtomic(t *testing.T, s sso.Store) {
	ctx := t.Context()
	taken := newIssue(true)
	must(t, "CreateFamily", s.CreateFamily(ctx, taken))
	is := newIssue(true)
	must(t, "CreateFamily", s.CreateFamily(ctx, is))

	next := newRefresh(is.Family, 1)
	next.Digest = clone(taken).Refresh.Digest
	access := newAccess(is.Family)
	wantErr(t, "RotateRefreshToken onto an existing refresh token",
		s.RotateRefreshToken(ctx, is.Refresh.Digest, at(time.Minute), next, access), sso.ErrConflict)
	_, _, err := s.GetAccessToken(ctx, access.Digest)
	wantErr(t, "GetAccessToken after a failed rotation", err, sso.ErrNotFound)

	next = newRefresh(is.Family, 1)
	access = newAccess(is.Family)
	access.Digest = clone(taken).Access.Digest
	wantErr(t, "RotateRefreshToken onto an existing access token",
		s.RotateRefreshToken(ctx, is.Refresh.Digest, at(time.Minute), next, access), sso.ErrConflict)
	_, _, err = s.GetRefreshToken(ctx, next.Digest)
	wantErr(t, "GetRefreshToken after a failed rotation", err, sso.ErrNotFound)

	checkIssued(t, s, "the family whose rotations failed", is)
	checkIssued(t, s, "the family that was there first", taken)

	next, access = newRefresh(is.Family, 1), newAccess(is.Family)
	must(t, "RotateRefreshToken after failed attempts",
		s.RotateRefreshToken(ctx, is.Refresh.Digest, at(time.Minute), next, access))
}

func testTokenRevoke(t *testing.T, s sso.Store) {
	ctx := t.Context()
	other := newIssue(true)
	must(t, "CreateFamily", s.CreateFamily(ctx, other))
	is := newIssue(true)
	must(t, "CreateFamily", s.CreateFamily(ctx, is))

	wantErr(t, "RevokeFamily missing", s.RevokeFamily(ctx, sso.RandomID(), at(time.Minute)), sso.ErrNotFound)

	revokedAt := at(time.Minute)
	must(t, "RevokeFamily", s.RevokeFamily(ctx, is.Family.ID, revokedAt))
	want := clone(is)
	want.Family.RevokedAt = revokedAt
	checkIssued(t, s, "revoked family", want)
	if _, f, err := s.GetAccessToken(ctx, is.Access.Digest); err == nil && !f.Revoked() {
		t.Error("GetAccessToken: the family of a revoked token does not report Revoked")
	}
	checkIssued(t, s, "a family that was not revoked", other)

	// Revoking again is not an error and keeps the first time.
	must(t, "RevokeFamily again", s.RevokeFamily(ctx, is.Family.ID, at(time.Hour)))
	checkIssued(t, s, "family revoked twice", want)

	next, access := newRefresh(is.Family, 1), newAccess(is.Family)
	wantErr(t, "RotateRefreshToken in a revoked family",
		s.RotateRefreshToken(ctx, is.Refresh.Digest, at(2*time.Minute), next, access), sso.ErrConflict)
	checkNotIssued(t, s, "RotateRefreshToken in a revoked family", sso.Issue{Access: access, Refresh: &next})
	checkIssued(t, s, "revoked family after a refused rotation", want)
}
