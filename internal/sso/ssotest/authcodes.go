package ssotest

import (
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var authCodeTests = []test{
	{"AuthCode/RoundTrip", testAuthCodeRoundTrip},
	{"AuthCode/Errors", testAuthCodeErrors},
	{"AuthCode/Redeem", testAuthCodeRedeem},
	{"AuthCode/RedeemAtomic", testAuthCodeRedeemAtomic},
}

func testAuthCodeRoundTrip(t *testing.T, s sso.Store) {
	ctx := t.Context()
	want := newAuthCode()
	want.RedeemedAt = at(time.Minute)
	want.FamilyID = sso.RandomID()
	mustFill(t, want)
	in := clone(want)
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, in))
	clobber(in.Digest)
	clobberStrings(in.Scopes)

	got, err := s.GetAuthCode(ctx, want.Digest)
	must(t, "GetAuthCode", err)
	same(t, "GetAuthCode", got, want)
	clobber(got.Digest)
	clobberStrings(got.Scopes)
	got, err = s.GetAuthCode(ctx, want.Digest)
	must(t, "GetAuthCode again", err)
	same(t, "GetAuthCode after changing a returned code", got, want)

	// A code stored as redeemed cannot be redeemed.
	is := newIssue(true)
	wantErr(t, "RedeemAuthCode of a code stored redeemed", s.RedeemAuthCode(ctx, want.Digest, at(2*time.Minute), is), sso.ErrConflict)
	checkNotIssued(t, s, "RedeemAuthCode of a code stored redeemed", is)
}

func testAuthCodeErrors(t *testing.T, s sso.Store) {
	ctx := t.Context()
	_, err := s.GetAuthCode(ctx, digest())
	wantErr(t, "GetAuthCode missing", err, sso.ErrNotFound)

	c := newAuthCode()
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	dup := newAuthCode()
	dup.Digest = clone(c).Digest
	wantErr(t, "CreateAuthCode with an existing digest", s.CreateAuthCode(ctx, dup), sso.ErrConflict)
	got, err := s.GetAuthCode(ctx, c.Digest)
	must(t, "GetAuthCode", err)
	same(t, "GetAuthCode after a conflicting create", got, c)

	is := newIssue(true)
	wantErr(t, "RedeemAuthCode missing", s.RedeemAuthCode(ctx, digest(), at(time.Minute), is), sso.ErrNotFound)
	checkNotIssued(t, s, "RedeemAuthCode missing", is)
}

func testAuthCodeRedeem(t *testing.T, s sso.Store) {
	ctx := t.Context()
	for _, refreshable := range []bool{true, false} {
		c := newAuthCode()
		must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
		is := newIssue(refreshable)
		now := at(30 * time.Second)
		must(t, "RedeemAuthCode", s.RedeemAuthCode(ctx, c.Digest, now, is))
		checkIssued(t, s, "RedeemAuthCode", is)

		want := clone(c)
		want.RedeemedAt = now
		want.FamilyID = is.Family.ID
		got, err := s.GetAuthCode(ctx, c.Digest)
		must(t, "GetAuthCode after redeem", err)
		same(t, "GetAuthCode after redeem", got, want)

		again := newIssue(refreshable)
		wantErr(t, "RedeemAuthCode twice", s.RedeemAuthCode(ctx, c.Digest, at(time.Minute), again), sso.ErrConflict)
		checkNotIssued(t, s, "RedeemAuthCode twice", again)
		got, err = s.GetAuthCode(ctx, c.Digest)
		must(t, "GetAuthCode after a second redeem", err)
		same(t, "GetAuthCode after a second redeem", got, want)
	}
}

// testAuthCodeRedeemAtomic checks that a redeem whose issue cannot be
// stored leaves the code unredeemed.
func testAuthCodeRedeemAtomic(t *testing.T, s sso.Store) {
	ctx := t.Context()
	taken := newIssue(true)
	must(t, "CreateFamily", s.CreateFamily(ctx, taken))

	c := newAuthCode()
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	for name, is := range map[string]sso.Issue{
		"family id":     func() sso.Issue { is := newIssue(true); is.Family.ID = taken.Family.ID; return is }(),
		"access token":  func() sso.Issue { is := newIssue(true); is.Access.Digest = taken.Access.Digest; return is }(),
		"refresh token": func() sso.Issue { is := newIssue(true); is.Refresh.Digest = taken.Refresh.Digest; return is }(),
	} {
		wantErr(t, "RedeemAuthCode with an existing "+name, s.RedeemAuthCode(ctx, c.Digest, at(time.Second), is), sso.ErrConflict)
		got, err := s.GetAuthCode(ctx, c.Digest)
		must(t, "GetAuthCode", err)
		same(t, "code after a redeem with an existing "+name, got, c)
	}
	checkIssued(t, s, "the family that was there first", taken)

	is := newIssue(false)
	must(t, "RedeemAuthCode after failed attempts", s.RedeemAuthCode(ctx, c.Digest, at(time.Second), is))
	checkIssued(t, s, "RedeemAuthCode after failed attempts", is)
}
