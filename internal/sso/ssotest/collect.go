package ssotest

import (
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var collectTests = []test{
	{"DeleteExpired", testDeleteExpired},
	{"DeleteExpired/Empty", func(t *testing.T, s sso.Store) {
		n, err := s.DeleteExpired(t.Context(), at(time.Hour))
		must(t, "DeleteExpired", err)
		if n != 0 {
			t.Errorf("DeleteExpired of an empty store = %d, want 0", n)
		}
	}},
}

// collectFixture is one store's worth of records on both sides of the
// collection time.
type collectFixture struct {
	before                              time.Time
	oldClient, newClient, edgeClient    sso.Client
	oldDevice, newDevice                sso.DeviceAuth
	oldCode, newCode                    sso.AuthCode
	oldFamily, newFamily                sso.Issue
	oldAccess, newAccess                sso.AccessToken // both in newFamily
	nextRefresh                         sso.RefreshToken
	oldSession, newSession, edgeSession sso.Session
	user                                sso.User
	deleted                             int64
}

func fillForCollection(t *testing.T, s sso.Store) collectFixture {
	ctx := t.Context()
	old, live := at(30*time.Minute), at(2*time.Hour)
	f := collectFixture{before: at(time.Hour), user: newUser("collector")}
	must(t, "CreateUser", s.CreateUser(ctx, f.user))

	f.oldClient, f.newClient, f.edgeClient = newClient(), newClient(), newClient()
	f.oldClient.ExpiresAt, f.newClient.ExpiresAt, f.edgeClient.ExpiresAt = old, live, f.before
	for _, c := range []sso.Client{f.oldClient, f.newClient, f.edgeClient} {
		must(t, "CreateClient", s.CreateClient(ctx, c))
	}
	f.oldDevice, f.newDevice = newDevice(), approvedDevice()
	f.oldDevice.ExpiresAt, f.newDevice.ExpiresAt = old, live
	must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, f.oldDevice))
	must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, f.newDevice))
	f.oldCode, f.newCode = newAuthCode(), newAuthCode()
	f.oldCode.ExpiresAt, f.newCode.ExpiresAt = old, live
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, f.oldCode))
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, f.newCode))

	// An expired family takes its tokens along, even a live access token.
	f.oldFamily = newIssue(true)
	f.oldFamily.Family.ExpiresAt, f.oldFamily.Access.ExpiresAt = old, live
	must(t, "CreateFamily", s.CreateFamily(ctx, f.oldFamily))
	// A live family loses only its expired access token.
	f.newFamily = newIssue(true)
	f.newFamily.Access.ExpiresAt = old
	f.oldAccess = f.newFamily.Access
	must(t, "CreateFamily", s.CreateFamily(ctx, f.newFamily))
	f.nextRefresh, f.newAccess = newRefresh(f.newFamily.Family, 1), newAccess(f.newFamily.Family)
	f.newAccess.ExpiresAt = live
	must(t, "RotateRefreshToken", s.RotateRefreshToken(ctx, f.newFamily.Refresh.Digest, at(time.Minute), f.nextRefresh, f.newAccess))
	f.newFamily.Refresh.UsedAt = at(time.Minute)

	f.oldSession, f.newSession, f.edgeSession = newSession(f.user.ID), newSession(f.user.ID), newSession(f.user.ID)
	f.oldSession.ExpiresAt, f.newSession.ExpiresAt, f.edgeSession.ExpiresAt = old, live, f.before
	for _, se := range []sso.Session{f.oldSession, f.newSession, f.edgeSession} {
		must(t, "CreateSession", s.CreateSession(ctx, se))
	}

	// Windows: "old" ends at base+10m, "new" at base+65m.
	for _, h := range []struct {
		key string
		d   time.Duration
	}{{"old", 0}, {"new", 55 * time.Minute}} {
		_, err := s.Hit(ctx, h.key, 10*time.Minute, at(h.d))
		must(t, "Hit", err)
	}
	_, err := s.Secret(ctx, "kept", func() ([]byte, error) { return []byte("secret"), nil })
	must(t, "Secret", err)

	// client, device, code, family with 2 tokens, access token, session,
	// window.
	f.deleted = 1 + 1 + 1 + 3 + 1 + 1 + 1
	return f
}

func testDeleteExpired(t *testing.T, s sso.Store) {
	ctx := t.Context()
	f := fillForCollection(t, s)

	// Stores do not filter by expiry: that is the service's call.
	_, err := s.GetClient(ctx, f.oldClient.ID)
	must(t, "GetClient of an expired client before collection", err)
	_, err = s.GetSession(ctx, f.oldSession.Digest)
	must(t, "GetSession of an expired session before collection", err)
	checkIssued(t, s, "an expired family before collection", f.oldFamily)

	n, err := s.DeleteExpired(ctx, f.before)
	must(t, "DeleteExpired", err)
	if n != f.deleted {
		t.Errorf("DeleteExpired = %d, want %d (every expired record, and the tokens of expired families)", n, f.deleted)
	}

	_, err = s.GetClient(ctx, f.oldClient.ID)
	wantErr(t, "GetClient expired", err, sso.ErrNotFound)
	_, err = s.GetDeviceAuthByUserCode(ctx, f.oldDevice.UserCodeDigest)
	wantErr(t, "GetDeviceAuthByUserCode expired", err, sso.ErrNotFound)
	_, err = getDevice(t, s, f.oldDevice.CodeDigest)
	wantErr(t, "UpdateDeviceAuth expired", err, sso.ErrNotFound)
	_, err = s.GetAuthCode(ctx, f.oldCode.Digest)
	wantErr(t, "GetAuthCode expired", err, sso.ErrNotFound)
	checkNotIssued(t, s, "expired family", f.oldFamily)
	wantErr(t, "RevokeFamily expired", s.RevokeFamily(ctx, f.oldFamily.Family.ID, f.before), sso.ErrNotFound)
	_, _, err = s.GetAccessToken(ctx, f.oldAccess.Digest)
	wantErr(t, "GetAccessToken expired", err, sso.ErrNotFound)
	_, err = s.GetSession(ctx, f.oldSession.Digest)
	wantErr(t, "GetSession expired", err, sso.ErrNotFound)

	for _, c := range []sso.Client{f.newClient, f.edgeClient} {
		got, err := s.GetClient(ctx, c.ID)
		must(t, "GetClient live", err)
		same(t, "live client", got, c)
	}
	got, err := s.GetDeviceAuthByUserCode(ctx, f.newDevice.UserCodeDigest)
	must(t, "GetDeviceAuthByUserCode live", err)
	same(t, "live device authorization", got, f.newDevice)
	code, err := s.GetAuthCode(ctx, f.newCode.Digest)
	must(t, "GetAuthCode live", err)
	same(t, "live code", code, f.newCode)
	checkIssued(t, s, "live family", sso.Issue{Family: f.newFamily.Family, Access: f.newAccess, Refresh: &f.nextRefresh})
	checkIssued(t, s, "live family's used refresh token", sso.Issue{Family: f.newFamily.Family, Access: f.newAccess, Refresh: f.newFamily.Refresh})
	for _, se := range []sso.Session{f.newSession, f.edgeSession} {
		got, err := s.GetSession(ctx, se.Digest)
		must(t, "GetSession live", err)
		same(t, "live session", got, se)
	}
	u, err := s.GetUser(ctx, f.user.ID)
	must(t, "GetUser", err)
	same(t, "user after collection", u, f.user)
	sec, err := s.Secret(ctx, "kept", func() ([]byte, error) { return []byte("regenerated"), nil })
	must(t, "Secret", err)
	if string(sec) != "secret" {
		t.Errorf("Secret after collection = %q, want the stored one", sec)
	}

	n, err = s.DeleteExpired(ctx, f.before)
	must(t, "DeleteExpired again", err)
	if n != 0 {
		t.Errorf("DeleteExpired again = %d, want 0", n)
	}

	// A collected window starts over; a live one keeps counting. The hit on
	// "old" lies inside its old window on purpose: had the window survived,
	// it would count 2.
	for _, h := range []struct {
		key  string
		d    time.Duration
		want int
	}{{"old", 5 * time.Minute, 1}, {"new", 56 * time.Minute, 2}} {
		n, err := s.Hit(ctx, h.key, 10*time.Minute, at(h.d))
		must(t, "Hit", err)
		if n != h.want {
			t.Errorf("Hit(%q) after collection = %d, want %d", h.key, n, h.want)
		}
	}
}
