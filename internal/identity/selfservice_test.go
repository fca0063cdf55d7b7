package identity

import (
	"context"
	"testing"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// TestChangePassword: a person changes their own password with the
// current one; the other browser sessions end, the one that changed it
// stays; the old password stops working and the new one works.
func TestChangePassword(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u, err := f.svc.AddUser(ctx, UserSpec{Name: "alice", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	ctx = sso.WithUserAgent(sso.WithAddress(ctx, "192.0.2.7"), "Mozilla/5.0 Firefox/130.0")
	keep, _, err := f.svc.StartSession(ctx, u, "password")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := f.svc.StartSession(ctx, u, "password")
	if err != nil {
		t.Fatal(err)
	}
	se, err := f.store.GetSession(ctx, f.digester.Digest(sso.KindSession, keep))
	if err != nil || se.UserAgent != "Mozilla/5.0 Firefox/130.0" || se.Address != "192.0.2.7" || len(se.ID) != 32 {
		t.Errorf("a session records %+v, %v", se, err)
	}

	for _, c := range []struct {
		name, current, next string
		code                sso.Code
	}{
		{"wrong current", "not it at all", "a brand new secret", sso.CodeAccessDenied},
		{"too short", "correct horse battery", "short", sso.CodeInvalidRequest},
		{"the same", "correct horse battery", "correct horse battery", sso.CodeInvalidRequest},
	} {
		if err := f.svc.ChangePassword(ctx, u, c.current, c.next, "192.0.2.7", keep); sso.CodeOf(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	if _, err := f.svc.SessionUser(ctx, other); err != nil {
		t.Fatal("a refused change ended a session")
	}
	if err := f.svc.ChangePassword(ctx, u, "correct horse battery", "a brand new secret", "192.0.2.7", keep); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SessionUser(ctx, keep); err != nil {
		t.Errorf("the session that changed the password ended: %v", err)
	}
	if _, err := f.svc.SessionUser(ctx, other); sso.CodeOf(err) != sso.CodeUnauthorized {
		t.Errorf("another browser is still signed in: %v", err)
	}
	if _, err := f.svc.SignIn(ctx, "alice", "correct horse battery", "192.0.2.7"); sso.CodeOf(err) != sso.CodeAccessDenied {
		t.Errorf("the old password: %v", err)
	}
	if _, err := f.svc.SignIn(ctx, "alice", "a brand new secret", "192.0.2.7"); err != nil {
		t.Errorf("the new password: %v", err)
	}
}

// TestChangePasswordThrottled: the current password is checked as a
// sign-in is, so the form is no faster way to guess it.
func TestChangePasswordThrottled(t *testing.T) {
	f := newFixture(t, Options{Throttle: Throttle{UserFailures: 3}})
	ctx := context.Background()
	u, err := f.svc.AddUser(ctx, UserSpec{Name: "alice", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := f.svc.ChangePassword(ctx, u, "guess", "a brand new secret", "192.0.2.7", ""); sso.CodeOf(err) != sso.CodeAccessDenied {
			t.Fatalf("a wrong guess: %v", err)
		}
	}
	if err := f.svc.ChangePassword(ctx, u, "correct horse battery", "a brand new secret", "192.0.2.7", ""); sso.CodeOf(err) != sso.CodeTooManyRequests {
		t.Errorf("the right password after the limit: %v, want TooManyRequests", err)
	}
}

// TestChangePasswordNoLocalPassword: a person who signs in through an
// identity provider has no password here to change.
func TestChangePasswordNoLocalPassword(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u, err := f.svc.AddUser(ctx, UserSpec{Name: "bob", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Directory().UpdateUser(ctx, u.ID, func(cur *sso.User) error { cur.PasswordHash = ""; return nil }); err != nil {
		t.Fatal(err)
	}
	if has, err := f.svc.HasPassword(ctx, u.ID); err != nil || has {
		t.Errorf("HasPassword = %v, %v", has, err)
	}
	if err := f.svc.ChangePassword(ctx, u, "anything", "a brand new secret", "192.0.2.7", ""); sso.CodeOf(err) != sso.CodeInvalidRequest {
		t.Errorf("ChangePassword without a local password: %v", err)
	}
}
