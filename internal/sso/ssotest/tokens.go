package ssotest

import (
	"errors"
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
	{"Token/RefreshRotate", testRefreshRotate},
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

// testRefreshRotate: plan sees the token and its family; its rotation is
// stored and the token marked used; no rotation, an error of plan and a
// digest that exists store nothing; a missing token never reaches plan.
func testRefreshRotate(t *testing.T, s sso.Store) {
	ctx := t.Context()
	is := newIssue(true)
	must(t, "CreateFamily", s.CreateFamily(ctx, is))

	next := newRefresh(is.Family, 1)
	access := newAccess(is.Family)
	usedAt := at(time.Minute)
	var seenR sso.RefreshToken
	var seenF sso.Family
	r, f, err := s.RefreshRotate(ctx, is.Refresh.Digest, usedAt, func(r sso.RefreshToken, f sso.Family) (*sso.Rotation, error) {
		seenR, seenF = r, f
		return &sso.Rotation{Next: next, Access: access}, nil
	})
	must(t, "RefreshRotate", err)
	same(t, "the token plan saw", seenR, *is.Refresh)
	same(t, "the family plan saw", seenF, is.Family)
	same(t, "the token RefreshRotate returned", r, *is.Refresh)
	same(t, "the family RefreshRotate returned", f, is.Family)
	checkIssued(t, s, "RefreshRotate", sso.Issue{Family: is.Family, Access: access, Refresh: &next})
	used, _, err := s.GetRefreshToken(ctx, is.Refresh.Digest)
	must(t, "GetRefreshToken of the rotated token", err)
	if !used.UsedAt.Equal(usedAt) {
		t.Errorf("rotated token used at %v, want %v", used.UsedAt, usedAt)
	}

	// Again: plan sees the token used and rotates nothing.
	calls := 0
	_, _, err = s.RefreshRotate(ctx, is.Refresh.Digest, at(time.Hour), func(r sso.RefreshToken, f sso.Family) (*sso.Rotation, error) {
		calls++
		if !r.UsedAt.Equal(usedAt) {
			t.Errorf("plan saw used at %v, want %v", r.UsedAt, usedAt)
		}
		return nil, nil
	})
	must(t, "RefreshRotate without a rotation", err)
	if calls == 0 {
		t.Error("plan was not called")
	}
	again, _, _ := s.GetRefreshToken(ctx, is.Refresh.Digest)
	same(t, "token after a plan without rotation", again, used)

	// plan's error comes back as is and nothing is stored.
	errPlan := errors.New("plan says no")
	refused := sso.Issue{Family: is.Family, Access: newAccess(is.Family)}
	refusedNext := newRefresh(is.Family, 2)
	refused.Refresh = &refusedNext
	_, _, err = s.RefreshRotate(ctx, next.Digest, at(2*time.Hour), func(sso.RefreshToken, sso.Family) (*sso.Rotation, error) {
		return &sso.Rotation{Next: refusedNext, Access: refused.Access}, errPlan
	})
	wantErr(t, "RefreshRotate whose plan fails", err, errPlan)
	checkNotIssued(t, s, "RefreshRotate whose plan fails", refused)
	still, _, _ := s.GetRefreshToken(ctx, next.Digest)
	if !still.UsedAt.IsZero() {
		t.Error("a failed plan marked the token used")
	}

	// A rotation onto a digest that exists: ErrConflict, the token unused.
	clash := sso.Rotation{Next: newRefresh(is.Family, 2), Access: newAccess(is.Family)}
	clash.Access.Digest = access.Digest
	_, _, err = s.RefreshRotate(ctx, next.Digest, at(3*time.Hour), func(sso.RefreshToken, sso.Family) (*sso.Rotation, error) {
		return &clash, nil
	})
	wantErr(t, "RefreshRotate onto an existing access token", err, sso.ErrConflict)
	still, _, _ = s.GetRefreshToken(ctx, next.Digest)
	if !still.UsedAt.IsZero() {
		t.Error("a rotation that conflicted marked the token used")
	}
	_, _, err = s.GetRefreshToken(ctx, clash.Next.Digest)
	wantErr(t, "the successor of a rotation that conflicted", err, sso.ErrNotFound)

	// A missing token: ErrNotFound, plan never called.
	_, _, err = s.RefreshRotate(ctx, digest(), at(time.Hour), func(sso.RefreshToken, sso.Family) (*sso.Rotation, error) {
		t.Error("plan called for a missing token")
		return nil, nil
	})
	wantErr(t, "RefreshRotate of a missing token", err, sso.ErrNotFound)
}
