package ssotest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var contextTests = []test{
	{"Context/Cancelled", testCancelled},
}

// testCancelled calls every method with a cancelled context: each must fail
// with an error that wraps context.Canceled, and no write may land.
func testCancelled(t *testing.T, s sso.Store) {
	live := t.Context()
	d, c, is, u := approvedDevice(), newAuthCode(), newIssue(true), newUser("kim")
	must(t, "CreateDeviceAuth", s.CreateDeviceAuth(live, d))
	must(t, "CreateAuthCode", s.CreateAuthCode(live, c))
	must(t, "CreateFamily", s.CreateFamily(live, is))
	must(t, "CreateUser", s.CreateUser(live, u))
	se := newSession(u.ID)
	must(t, "CreateSession", s.CreateSession(live, se))

	ctx, cancel := context.WithCancel(live)
	cancel()
	fresh := newIssue(true)
	rename := func(u sso.User) (sso.User, error) { u.Name = "kimberly"; return u, nil }
	g := newGroup("cancelled")
	newCl, newD, newC, newU, newSe := newClient(), newDevice(), newAuthCode(), newUser("lee"), newSession(u.ID)
	next, access := newRefresh(is.Family, 1), newAccess(is.Family)
	noUpdate := func(d sso.DeviceAuth) (sso.DeviceAuth, error) { d.Polls = 42; return d, nil }
	generate := func() ([]byte, error) { return []byte("x"), nil }

	for _, c := range []struct {
		name string
		err  error
	}{
		{"Ping", s.Ping(ctx)},
		{"CreateClient", s.CreateClient(ctx, newCl)},
		{"GetClient", get2(s.GetClient(ctx, newCl.ID))},
		{"CreateDeviceAuth", s.CreateDeviceAuth(ctx, newD)},
		{"GetDeviceAuthByUserCode", get2(s.GetDeviceAuthByUserCode(ctx, d.UserCodeDigest))},
		{"GetDeviceAuth", get2(s.GetDeviceAuth(ctx, d.CodeDigest))},
		{"UpdateDeviceAuth", get2(s.UpdateDeviceAuth(ctx, d.CodeDigest, noUpdate))},
		{"RedeemDeviceAuth", s.RedeemDeviceAuth(ctx, d.CodeDigest, fresh)},
		{"CreateAuthCode", s.CreateAuthCode(ctx, newC)},
		{"GetAuthCode", get2(s.GetAuthCode(ctx, c.Digest))},
		{"RedeemAuthCode", s.RedeemAuthCode(ctx, c.Digest, at(time.Second), fresh)},
		{"CreateFamily", s.CreateFamily(ctx, fresh)},
		{"GetAccessToken", get3(s.GetAccessToken(ctx, is.Access.Digest))},
		{"GetRefreshToken", get3(s.GetRefreshToken(ctx, is.Refresh.Digest))},
		{"RotateRefreshToken", s.RotateRefreshToken(ctx, is.Refresh.Digest, at(time.Second), next, access)},
		{"RefreshRotate", get3(s.RefreshRotate(ctx, is.Refresh.Digest, at(time.Second), func(sso.RefreshToken, sso.Family) (*sso.Rotation, error) {
			return &sso.Rotation{Next: next, Access: access}, nil
		}))},
		{"RevokeFamily", s.RevokeFamily(ctx, is.Family.ID, at(time.Second))},
		{"CreateUser", s.CreateUser(ctx, newU)},
		{"GetUser", get2(s.GetUser(ctx, u.ID))},
		{"GetUserByName", get2(s.GetUserByName(ctx, u.Name))},
		{"GetUserByExternalID", get2(s.GetUserByExternalID(ctx, u.ExternalIDs[0].Issuer, u.ExternalIDs[0].ID))},
		{"ListUsers", get2(s.ListUsers(ctx, sso.UserQuery{}))},
		{"CountUsers", get2(s.CountUsers(ctx))},
		{"UpdateUser", get2(s.UpdateUser(ctx, u.ID, rename))},
		{"CreateGroup", s.CreateGroup(ctx, g)},
		{"ListGroups", get2(s.ListGroups(ctx, sso.GroupQuery{}))},
		{"CreateMembership", s.CreateMembership(ctx, newMembership(g.ID, u.ID))},
		{"AppendEvents", s.AppendEvents(ctx, newEvent("x", 0, "", ""))},
		{"ListEvents", get2(s.ListEvents(ctx, sso.EventQuery{}))},
		{"CreateFlow", s.CreateFlow(ctx, newFlow("k", ""))},
		{"TakeFlow", get2(s.TakeFlow(ctx, digest(), "k"))},
		{"CreateSession", s.CreateSession(ctx, newSe)},
		{"GetSession", get2(s.GetSession(ctx, se.Digest))},
		{"DeleteSession", s.DeleteSession(ctx, se.Digest)},
		{"Hit", get2(s.Hit(ctx, "k", time.Minute, base))},
		{"Count", get2(s.Count(ctx, "k", base))},
		{"Take", get3(s.Take(ctx, "k", 5, time.Minute, base))},
		{"Release", s.Release(ctx, "k", base)},
		{"MarkClientUsed", s.MarkClientUsed(ctx, newCl.ID)},
		{"Secret", get2(s.Secret(ctx, "k", generate))},
		{"DeleteExpired", get2(s.DeleteExpired(ctx, at(1000*time.Hour)))},
		{"DeleteUser", s.DeleteUser(ctx, u.ID, at(time.Hour))},
	} {
		if !errors.Is(c.err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want one that wraps context.Canceled", c.name, c.err)
		}
	}

	// Nothing changed.
	_, err := s.GetClient(live, newCl.ID)
	wantErr(t, "GetClient after a cancelled create", err, sso.ErrNotFound)
	_, err = s.GetDeviceAuthByUserCode(live, newD.UserCodeDigest)
	wantErr(t, "GetDeviceAuthByUserCode after a cancelled create", err, sso.ErrNotFound)
	got, err := getDevice(t, s, d.CodeDigest)
	must(t, "UpdateDeviceAuth read", err)
	same(t, "authorization after cancelled update and redeem", got, d)
	_, err = s.GetAuthCode(live, newC.Digest)
	wantErr(t, "GetAuthCode after a cancelled create", err, sso.ErrNotFound)
	code, err := s.GetAuthCode(live, c.Digest)
	must(t, "GetAuthCode", err)
	same(t, "code after a cancelled redeem", code, c)
	checkNotIssued(t, s, "cancelled redeems and create", fresh)
	checkIssued(t, s, "family after cancelled rotate and revoke", is)
	checkNotIssued(t, s, "cancelled rotate", sso.Issue{Access: access, Refresh: &next})
	_, err = s.GetUserByName(live, newU.Name)
	wantErr(t, "GetUserByName after a cancelled create", err, sso.ErrNotFound)
	gotU, err := s.GetUser(live, u.ID)
	must(t, "GetUser after cancelled update and delete", err)
	same(t, "user after cancelled update and delete", gotU, u)
	_, err = s.GetGroup(live, g.ID)
	wantErr(t, "GetGroup after a cancelled create", err, sso.ErrNotFound)
	if evs, _ := s.ListEvents(live, sso.EventQuery{}); len(evs) != 0 {
		t.Errorf("events after a cancelled append: %+v", evs)
	}
	_, err = s.GetSession(live, newSe.Digest)
	wantErr(t, "GetSession after a cancelled create", err, sso.ErrNotFound)
	gotSe, err := s.GetSession(live, se.Digest)
	must(t, "GetSession after a cancelled delete", err)
	same(t, "session after a cancelled delete", gotSe, se)
	n, err := s.Hit(live, "k", time.Minute, base)
	must(t, "Hit", err)
	if n != 1 {
		t.Errorf("Hit after a cancelled hit = %d, want 1", n)
	}
	sec, err := s.Secret(live, "k", func() ([]byte, error) { return []byte("live"), nil })
	must(t, "Secret", err)
	if string(sec) != "live" {
		t.Errorf("Secret after a cancelled call = %q, want %q", sec, "live")
	}
}

func get2[T any](_ T, err error) error { return err }

func get3[A, B any](_ A, _ B, err error) error { return err }
