package ssooidctest

import (
	"context"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// TestDeclarationErrors: a declaration the service refuses fails New
// with the service's reason.
func TestDeclarationErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []Option
		want string
	}{
		{"short account ID", []Option{WithAccounts(Account{ID: "12"})}, "config account 12"},
		{"bad user name", []Option{WithUsers(User{Name: "no spaces allowed"})}, `config user "no spaces allowed"`},
		{"short password", []Option{WithUsers(User{Name: "alice", Password: "short"})}, "at least 8 characters"},
		{"user and group", []Option{WithAssignments(Assignment{AccountID: "111111111111", PermissionSet: "P", User: "a", Group: "g"})},
			"exactly one of user and group"},
		{"bad session duration", []Option{WithPermissionSets(PermissionSet{Name: "P", SessionDuration: 1})}, "config permission set P"},
		{"bad start URL", []Option{WithStartURL("d-1234567890.awsapps.com/start")}, "not an absolute https URL"},
		{"another start URL", []Option{WithStartURL("https://d-0000000000.awsapps.com/start")}, ""},
	} {
		o := options{startURL: DefaultStartURL, region: DefaultRegion}
		for _, opt := range tc.opts {
			opt(&o)
		}
		s, err := start(t.TempDir(), &o)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else {
				s.Close()
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if s != nil {
			s.Close()
		}
	}
}

// TestDecisionsAudited: the kit's decisions are audited like any other,
// with the actor ssooidctest, and auto-approve's with its own.
func TestDecisionsAudited(t *testing.T) {
	t.Parallel()
	s := New(t, WithUsers(User{Name: "alice", Password: "correct horse battery"}))
	if _, err := s.Login("alice"); err != nil {
		t.Fatal(err)
	}
	auto := New(t, WithAutoApprove("ci"))
	if _, err := auto.Login("ci"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		srv   *Server
		actor sso.Actor
		user  string
	}{{s, sso.Actor{Type: sso.ActorAdmin, ID: "ssooidctest"}, "alice"}, {auto, sso.Actor{Type: sso.ActorAdmin, ID: "auto-approve"}, "ci"}} {
		evs, err := tc.srv.store.ListEvents(context.Background(), sso.EventQuery{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range evs {
			if e.Type != audit.DeviceApproved {
				continue
			}
			n++
			if e.Actor != tc.actor || e.Target.User != tc.user || e.Target.Name != "ssooidctest-"+tc.user {
				t.Errorf("event %+v", e)
			}
		}
		if n != 1 {
			t.Errorf("%d device.approved events, want 1", n)
		}
	}
	// A declared password signs in on the pages, verified with the
	// parameters of its cheap hash.
	u, err := s.srv.Identity().SignIn(context.Background(), "alice", "correct horse battery", "127.0.0.1")
	if err != nil || u.Name != "alice" {
		t.Errorf("sign-in with the declared password: %v", err)
	}
	if _, err := s.srv.Identity().SignIn(context.Background(), "alice", "wrong horse battery", "127.0.0.1"); sso.CodeOf(err) != sso.CodeAccessDenied {
		t.Errorf("a wrong password: %v", err)
	}
}
