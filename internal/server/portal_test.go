package server

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ssooidc/ssooidc/internal/iamtoken"
	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/web"
)

// TestPortalApplications: the portal shows a person the applications
// Identity Center's portal would: enabled, visible, with a web address,
// and assigned to them (directly or through a group) unless assignment is
// not required.
func TestPortalApplications(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), sqlite.SyncNormal)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := New(ctx, st, Config{Directory: Directory{Users: []identity.UserSpec{
		{Name: "alice", Password: "correct horse battery", Groups: []string{"devs"}},
		{Name: "bob", Password: "correct horse battery"},
	}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := st.GetUserByName(ctx, "alice")
	bob, _ := st.GetUserByName(ctx, "bob")
	devs, err := srv.People().GetGroupByName(ctx, "devs")
	if err != nil {
		t.Fatal(err)
	}
	reg := srv.Registry()
	mk := func(name, url, visibility string, assign *sso.AppAssignment, change func(*sso.Application) error) {
		t.Helper()
		a, err := reg.CreateApplication(ctx, sso.Application{Name: name, Description: "about " + name, ProviderARN: iamtoken.CustomProviderARN,
			Portal: sso.Portal{ApplicationURL: url, Visibility: visibility}})
		if err != nil {
			t.Fatal(err)
		}
		if assign != nil {
			assign.ApplicationARN = a.ARN
			if err := reg.CreateAssignment(ctx, *assign); err != nil {
				t.Fatal(err)
			}
		}
		if change != nil {
			if _, err := reg.UpdateApplication(ctx, a.ARN, "test", change); err != nil {
				t.Fatal(err)
			}
		}
	}
	toDevs := func() *sso.AppAssignment {
		return &sso.AppAssignment{PrincipalType: sso.PrincipalGroup, PrincipalID: devs.ID}
	}
	mk("Wiki", "https://wiki.example.com/", sso.Enabled, toDevs(), nil)
	mk("Hidden", "https://hidden.example.com/", sso.Disabled, toDevs(), nil)
	mk("Off", "https://off.example.com/", "", toDevs(), func(a *sso.Application) error { a.Status = sso.Disabled; return nil })
	mk("No address", "", "", toDevs(), nil)
	mk("Script", "javascript:alert(1)", "", toDevs(), nil)
	mk("Bob's", "https://bob.example.com/", "", &sso.AppAssignment{PrincipalType: sso.PrincipalUser, PrincipalID: bob.ID}, nil)
	mk("Everyone's", "https://all.example.com/", "", nil, func(a *sso.Application) error { a.AssignmentRequired = false; return nil })

	p := portalPages{apps: reg, st: st}
	names := func(u sso.User) []string {
		apps, err := p.Applications(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range apps {
			out = append(out, a.Name)
		}
		slices.Sort(out)
		return out
	}
	if got := names(alice); !slices.Equal(got, []string{"Everyone's", "Wiki"}) {
		t.Errorf("alice's applications: %v", got)
	}
	if got := names(bob); !slices.Equal(got, []string{"Bob's", "Everyone's"}) {
		t.Errorf("bob's applications: %v", got)
	}
	var _ web.Portal = p
}
