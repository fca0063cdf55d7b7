package identity

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// TestSignInEvents: every password checked and refused is recorded with
// its reason (the name only when it is a user's), the failure that locks
// a limit adds signin.locked, an attempt the throttle refuses records
// nothing, a session records the sign-in with its method, and a sign-out
// by the person whose session it is is recorded.
func TestSignInEvents(t *testing.T) {
	f := newFixture(t, Options{Throttle: Throttle{UserFailures: 3}})
	store := f.store.(sso.Store)
	f.svc.rec = audit.New(store, slog.New(slog.DiscardHandler), f.clock.Now)
	alice := f.addUser(t, "alice", "alice's long password")
	bob := f.addUser(t, "bob", "bob's long password")
	ctx := context.Background()
	for range 3 {
		if _, err := f.svc.SignIn(ctx, "alice", "wrong password!", "192.0.2.7:5555"); sso.CodeOf(err) != sso.CodeAccessDenied {
			t.Fatalf("wrong password: %v", err)
		}
	}
	if _, err := f.svc.SignIn(ctx, "alice", "wrong password!", "192.0.2.7:5555"); sso.CodeOf(err) != sso.CodeTooManyRequests {
		t.Fatalf("the fourth: %v", err)
	}
	if _, err := f.svc.SignIn(ctx, "secret-typed-as-a-name", "x-password-x", "2001:db8::1"); sso.CodeOf(err) != sso.CodeAccessDenied {
		t.Fatalf("unknown name: %v", err)
	}
	if _, err := f.svc.Directory().UpdateUser(ctx, bob.ID, func(u *sso.User) error { u.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SignIn(ctx, "bob", "bob's long password", "192.0.2.8"); sso.CodeOf(err) != sso.CodeAccessDenied {
		t.Fatalf("disabled: %v", err)
	}
	cookie, _, err := f.svc.StartSession(sso.WithAddress(ctx, "192.0.2.9"), alice, "oidc:okta")
	if err != nil {
		t.Fatal(err)
	}
	// Ended by someone the context does not name: no event; by alice: one.
	other, _, _ := f.svc.StartSession(ctx, alice, "password")
	if err := f.svc.EndSession(ctx, other); err != nil {
		t.Fatal(err)
	}
	asAlice := sso.WithActor(ctx, sso.Actor{Type: sso.ActorUser, ID: alice.ID, Name: alice.Name})
	if err := f.svc.EndSession(asAlice, cookie); err != nil {
		t.Fatal(err)
	}

	evs, err := store.ListEvents(ctx, sso.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		if e.Actor.Type != sso.ActorUser {
			continue // the users' creation and bob's disabling
		}
		got = append(got, strings.Join([]string{e.Type, e.Actor.Name, e.Target.User, e.Address, e.Details["method"], e.Details["reason"],
			e.Details["scope"]}, " "))
	}
	want := []string{
		"signin.failed alice alice 192.0.2.7 password wrong_password ",
		"signin.failed alice alice 192.0.2.7 password wrong_password ",
		"signin.failed alice alice 192.0.2.7 password wrong_password ",
		"signin.locked alice alice 192.0.2.7 password  username failures",
		"signin.failed   2001:db8::/64 password unknown_user ",
		"signin.failed bob bob 192.0.2.8 password disabled ",
		"signin.succeeded alice alice 192.0.2.9 oidc:okta  ",
		"signin.succeeded alice alice  password  ",
		"signin.signed_out alice alice    ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, e := range evs {
		for _, v := range append([]string{e.Actor.Name, e.Target.Name, e.Target.User}, mapValues(e.Details)...) {
			if strings.Contains(v, "secret-typed") || strings.Contains(v, "password!") || strings.Contains(v, "long password") {
				t.Errorf("event %s holds %q", e.Type, v)
			}
		}
	}

}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
