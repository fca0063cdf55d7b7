package ssotest

import (
	"errors"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var deviceTests = []test{
	{"Device/RoundTrip", testDeviceRoundTrip},
	{"Device/CreateConflicts", testDeviceCreateConflicts},
	{"Device/Missing", testDeviceMissing},
	{"Device/Update", testDeviceUpdate},
	{"Device/UpdateError", testDeviceUpdateError},
	{"Device/Redeem", testDeviceRedeem},
	{"Device/RedeemNotApproved", testDeviceRedeemNotApproved},
	{"Device/RedeemAtomic", testDeviceRedeemAtomic},
	{"Device/Count", testDeviceCount},
}

// testDeviceCount: the live authorizations by status; expired ones are
// not counted, and an authorization expiring exactly at now has expired.
func testDeviceCount(t *testing.T, s sso.Store) {
	ctx := t.Context()
	got, err := s.CountDeviceAuths(ctx, base)
	must(t, "CountDeviceAuths on an empty store", err)
	if len(got) != 0 {
		t.Fatalf("CountDeviceAuths on an empty store = %v, want none", got)
	}
	add := func(st sso.DeviceStatus, expires time.Duration) {
		d := newDevice()
		d.Status, d.ExpiresAt = st, at(expires)
		must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, d))
	}
	add(sso.DevicePending, time.Minute)
	add(sso.DevicePending, 2*time.Minute)
	add(sso.DevicePending, -time.Minute) // expired
	add(sso.DevicePending, 0)            // expires now: expired
	add(sso.DeviceApproved, time.Minute)
	add(sso.DeviceRedeemed, time.Minute)
	got, err = s.CountDeviceAuths(ctx, base)
	must(t, "CountDeviceAuths", err)
	same(t, "CountDeviceAuths", got, map[sso.DeviceStatus]int{sso.DevicePending: 2, sso.DeviceApproved: 1, sso.DeviceRedeemed: 1})
	got, err = s.CountDeviceAuths(ctx, at(90*time.Second))
	must(t, "CountDeviceAuths later", err)
	same(t, "CountDeviceAuths later", got, map[sso.DeviceStatus]int{sso.DevicePending: 1})
}

// getDevice reads the authorization codeDigest through an update that
// changes nothing: DeviceStore has no other way to find it by device code.
func getDevice(t testing.TB, s sso.Store, codeDigest []byte) (sso.DeviceAuth, error) {
	t.Helper()
	return s.UpdateDeviceAuth(t.Context(), codeDigest, func(d sso.DeviceAuth) (sso.DeviceAuth, error) {
		return d, nil
	})
}

func testDeviceRoundTrip(t *testing.T, s sso.Store) {
	ctx := t.Context()
	want := approvedDevice()
	mustFill(t, want)
	in := clone(want)
	must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, in))
	clobber(in.CodeDigest)
	clobber(in.UserCodeDigest)
	clobberStrings(in.Scopes)

	got, err := s.GetDeviceAuthByUserCode(ctx, want.UserCodeDigest)
	must(t, "GetDeviceAuthByUserCode", err)
	same(t, "GetDeviceAuthByUserCode", got, want)
	clobber(got.CodeDigest)
	clobberStrings(got.Scopes)
	got, err = s.GetDeviceAuth(ctx, want.CodeDigest)
	must(t, "GetDeviceAuth", err)
	same(t, "GetDeviceAuth", got, want)
	clobber(got.UserCodeDigest)
	_, err = s.GetDeviceAuth(ctx, want.UserCodeDigest)
	wantErr(t, "GetDeviceAuth by the user-code digest", err, sso.ErrNotFound)

	var seen sso.DeviceAuth
	stored, err := s.UpdateDeviceAuth(ctx, want.CodeDigest, func(d sso.DeviceAuth) (sso.DeviceAuth, error) {
		seen = clone(d)
		return d, nil
	})
	must(t, "UpdateDeviceAuth", err)
	same(t, "the record update is given", seen, want)
	same(t, "UpdateDeviceAuth result", stored, want)

	// Every status survives.
	for _, st := range []sso.DeviceStatus{sso.DevicePending, sso.DeviceDenied, sso.DeviceRedeemed} {
		d := newDevice()
		d.Status = st
		must(t, "CreateDeviceAuth "+string(st), s.CreateDeviceAuth(ctx, d))
		got, err := s.GetDeviceAuthByUserCode(ctx, d.UserCodeDigest)
		must(t, "GetDeviceAuthByUserCode "+string(st), err)
		same(t, "GetDeviceAuthByUserCode "+string(st), got, d)
	}
}

func testDeviceCreateConflicts(t *testing.T, s sso.Store) {
	ctx := t.Context()
	d := newDevice()
	must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, d))

	sameCode := newDevice()
	sameCode.CodeDigest = clone(d).CodeDigest
	wantErr(t, "CreateDeviceAuth with an existing device code", s.CreateDeviceAuth(ctx, sameCode), sso.ErrConflict)
	_, err := s.GetDeviceAuthByUserCode(ctx, sameCode.UserCodeDigest)
	wantErr(t, "GetDeviceAuthByUserCode after a conflicting create", err, sso.ErrNotFound)

	// A user-code collision is how the service learns to draw another code.
	sameUser := newDevice()
	sameUser.UserCodeDigest = clone(d).UserCodeDigest
	wantErr(t, "CreateDeviceAuth with an existing user code", s.CreateDeviceAuth(ctx, sameUser), sso.ErrConflict)
	_, err = getDevice(t, s, sameUser.CodeDigest)
	wantErr(t, "UpdateDeviceAuth after a conflicting create", err, sso.ErrNotFound)

	got, err := s.GetDeviceAuthByUserCode(ctx, d.UserCodeDigest)
	must(t, "GetDeviceAuthByUserCode", err)
	same(t, "the first authorization after conflicts", got, d)

	sameUser.UserCodeDigest = digest()
	must(t, "CreateDeviceAuth after drawing a new user code", s.CreateDeviceAuth(ctx, sameUser))
}

func testDeviceMissing(t *testing.T, s sso.Store) {
	ctx := t.Context()
	_, err := s.GetDeviceAuthByUserCode(ctx, digest())
	wantErr(t, "GetDeviceAuthByUserCode missing", err, sso.ErrNotFound)

	called := false
	_, err = s.UpdateDeviceAuth(ctx, digest(), func(d sso.DeviceAuth) (sso.DeviceAuth, error) {
		called = true
		return d, nil
	})
	wantErr(t, "UpdateDeviceAuth missing", err, sso.ErrNotFound)
	if called {
		t.Error("UpdateDeviceAuth called update for a missing authorization")
	}

	// A device code is never found by user code, nor the other way round.
	d := newDevice()
	must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, d))
	_, err = s.GetDeviceAuthByUserCode(ctx, d.CodeDigest)
	wantErr(t, "GetDeviceAuthByUserCode with the device code", err, sso.ErrNotFound)
	_, err = getDevice(t, s, d.UserCodeDigest)
	wantErr(t, "UpdateDeviceAuth with the user code", err, sso.ErrNotFound)
}

func testDeviceUpdate(t *testing.T, s sso.Store) {
	ctx := t.Context()
	d := newDevice()
	must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, d))

	want := clone(d)
	want.Status = sso.DeviceApproved
	want.UserID = sso.RandomID()
	want.DecidedAt = at(2 * time.Minute)
	want.LastPollAt = at(time.Minute)
	want.Polls = 3
	want.Interval = 10
	got, err := s.UpdateDeviceAuth(ctx, d.CodeDigest, func(old sso.DeviceAuth) (sso.DeviceAuth, error) {
		old.Status, old.UserID, old.DecidedAt = want.Status, want.UserID, want.DecidedAt
		old.LastPollAt, old.Polls, old.Interval = want.LastPollAt, want.Polls, want.Interval
		return old, nil
	})
	must(t, "UpdateDeviceAuth", err)
	same(t, "UpdateDeviceAuth result", got, want)
	got, err = s.GetDeviceAuthByUserCode(ctx, d.UserCodeDigest)
	must(t, "GetDeviceAuthByUserCode", err)
	same(t, "GetDeviceAuthByUserCode after update", got, want)

	// Fields outside the mutable set are not changed by an update.
	got, err = s.UpdateDeviceAuth(ctx, d.CodeDigest, func(old sso.DeviceAuth) (sso.DeviceAuth, error) {
		old.CodeDigest = digest()
		old.UserCodeDigest = digest()
		old.ClientID = "changed"
		old.StartURL = "https://changed.example"
		old.Scopes = []string{"changed"}
		old.CreatedAt = at(time.Hour)
		old.ExpiresAt = at(2 * time.Hour)
		old.Polls++
		return old, nil
	})
	must(t, "UpdateDeviceAuth of immutable fields", err)
	want.Polls++
	same(t, "UpdateDeviceAuth result after changing immutable fields", got, want)
	got, err = s.GetDeviceAuthByUserCode(ctx, d.UserCodeDigest)
	must(t, "GetDeviceAuthByUserCode after changing immutable fields", err)
	same(t, "GetDeviceAuthByUserCode after changing immutable fields", got, want)

	// Back to zero: zero times and zero counts are stored as zero.
	want.DecidedAt, want.LastPollAt, want.Polls, want.UserID = time.Time{}, time.Time{}, 0, ""
	want.Status = sso.DevicePending
	got, err = s.UpdateDeviceAuth(ctx, d.CodeDigest, func(old sso.DeviceAuth) (sso.DeviceAuth, error) {
		old.DecidedAt, old.LastPollAt, old.Polls, old.UserID = time.Time{}, time.Time{}, 0, ""
		old.Status = sso.DevicePending
		return old, nil
	})
	must(t, "UpdateDeviceAuth to zero", err)
	same(t, "UpdateDeviceAuth result to zero", got, want)
	got, err = getDevice(t, s, d.CodeDigest)
	must(t, "UpdateDeviceAuth read", err)
	same(t, "stored record after update to zero", got, want)
}

type updateError struct{ msg string }

func (e *updateError) Error() string { return e.msg }

func testDeviceUpdateError(t *testing.T, s sso.Store) {
	ctx := t.Context()
	d := newDevice()
	must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, d))

	for _, want := range []error{
		sso.Errorf(sso.CodeSlowDown, "slow down"),
		&updateError{"custom"},
		sso.ErrConflict,
	} {
		_, err := s.UpdateDeviceAuth(ctx, d.CodeDigest, func(old sso.DeviceAuth) (sso.DeviceAuth, error) {
			old.Polls = 99
			old.Status = sso.DeviceDenied
			return old, want
		})
		// The contract says "returned as is": the same value, not a wrap.
		if err != want {
			t.Errorf("UpdateDeviceAuth returned %v (%T), want the update's error %v itself", err, err, want)
		}
		var de *sso.Error
		if errors.As(want, &de) && sso.CodeOf(err) != de.Code {
			t.Errorf("UpdateDeviceAuth lost the code of the update's error: %v", sso.CodeOf(err))
		}
	}
	got, err := getDevice(t, s, d.CodeDigest)
	must(t, "UpdateDeviceAuth read", err)
	same(t, "stored record after failed updates", got, d)
}

func testDeviceRedeem(t *testing.T, s sso.Store) {
	ctx := t.Context()
	for _, refreshable := range []bool{true, false} {
		d := approvedDevice()
		must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, d))
		is := newIssue(refreshable)
		must(t, "RedeemDeviceAuth", s.RedeemDeviceAuth(ctx, d.CodeDigest, is))
		checkIssued(t, s, "RedeemDeviceAuth", is)

		want := clone(d)
		want.Status = sso.DeviceRedeemed
		got, err := s.GetDeviceAuthByUserCode(ctx, d.UserCodeDigest)
		must(t, "GetDeviceAuthByUserCode after redeem", err)
		same(t, "authorization after redeem", got, want)

		again := newIssue(refreshable)
		wantErr(t, "RedeemDeviceAuth twice", s.RedeemDeviceAuth(ctx, d.CodeDigest, again), sso.ErrConflict)
		checkNotIssued(t, s, "RedeemDeviceAuth twice", again)
	}

	is := newIssue(true)
	wantErr(t, "RedeemDeviceAuth missing", s.RedeemDeviceAuth(ctx, digest(), is), sso.ErrNotFound)
	checkNotIssued(t, s, "RedeemDeviceAuth missing", is)
}

func testDeviceRedeemNotApproved(t *testing.T, s sso.Store) {
	ctx := t.Context()
	for _, st := range []sso.DeviceStatus{sso.DevicePending, sso.DeviceDenied, sso.DeviceRedeemed} {
		d := newDevice()
		d.Status = st
		must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, d))
		is := newIssue(true)
		wantErr(t, "RedeemDeviceAuth of a "+string(st)+" authorization",
			s.RedeemDeviceAuth(ctx, d.CodeDigest, is), sso.ErrConflict)
		checkNotIssued(t, s, "RedeemDeviceAuth of a "+string(st)+" authorization", is)
		got, err := getDevice(t, s, d.CodeDigest)
		must(t, "UpdateDeviceAuth read", err)
		same(t, "authorization after a refused redeem", got, d)
	}
}

// testDeviceRedeemAtomic checks that a redeem whose issue cannot be stored
// leaves the authorization approved: the status change and the issue are
// one step.
func testDeviceRedeemAtomic(t *testing.T, s sso.Store) {
	ctx := t.Context()
	taken := newIssue(true)
	must(t, "CreateFamily", s.CreateFamily(ctx, taken))

	d := approvedDevice()
	must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, d))
	for name, is := range map[string]sso.Issue{
		"family id":     func() sso.Issue { is := newIssue(true); is.Family.ID = taken.Family.ID; return is }(),
		"access token":  func() sso.Issue { is := newIssue(true); is.Access.Digest = taken.Access.Digest; return is }(),
		"refresh token": func() sso.Issue { is := newIssue(true); is.Refresh.Digest = taken.Refresh.Digest; return is }(),
	} {
		wantErr(t, "RedeemDeviceAuth with an existing "+name, s.RedeemDeviceAuth(ctx, d.CodeDigest, is), sso.ErrConflict)
		got, err := getDevice(t, s, d.CodeDigest)
		must(t, "UpdateDeviceAuth read", err)
		same(t, "authorization after a redeem with an existing "+name, got, d)
	}
	checkIssued(t, s, "the family that was there first", taken)

	is := newIssue(true)
	must(t, "RedeemDeviceAuth after failed attempts", s.RedeemDeviceAuth(ctx, d.CodeDigest, is))
	checkIssued(t, s, "RedeemDeviceAuth after failed attempts", is)
}
