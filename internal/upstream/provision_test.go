package upstream_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/upstream"
)

// signedIn signs in through provider id with the forge's next answer
// shaped by shape, and fails unless it worked.
func (r *rig) signedIn(t *testing.T, id string, shape func(map[string]any)) sso.User {
	t.Helper()
	r.forge.Shape("RS256", false, shape)
	p := r.oidcSignIn(t, browser(t), id)
	if p.status != 200 || !strings.Contains(p.body, "Signed in as") {
		t.Fatalf("sign-in through %s: %d %.600s", id, p.status, p.body)
	}
	u, err := r.srv.Srv.People().GetUserByName(context.Background(), userName(shape))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// userName is the user name a shaped answer carries.
func userName(shape func(map[string]any)) string {
	c := map[string]any{"preferred_username": "eve"}
	shape(c)
	s, _ := c["preferred_username"].(string)
	return s
}

// memberships returns the user's groups by name, with their source.
func (r *rig) memberships(t *testing.T, userID string) []string {
	t.Helper()
	ctx := context.Background()
	ms, err := r.srv.Srv.People().ListMemberships(ctx, sso.MembershipQuery{UserID: userID})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		g, err := r.srv.Srv.People().GetGroup(ctx, m.GroupID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, g.DisplayName+"/"+m.Source)
	}
	slices.Sort(out)
	return out
}

// TestGroupsFollowTheProvider: the first sign-in creates the user with no
// password and the provider's groups; a later one takes the provider's new
// email, display name and groups, and leaves memberships of other sources
// alone; a disabled user is refused.
func TestGroupsFollowTheProvider(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	kim := func(groups []string, email, name string) func(map[string]any) {
		return func(c map[string]any) {
			c["sub"], c["preferred_username"], c["email"], c["name"], c["groups"] = "kim-1", "kim", email, name, groups
		}
	}
	u := r.signedIn(t, "forge", kim([]string{"devs", "ops"}, "kim@example.com", "Kim One"))
	if u.PasswordHash != "" || u.Email != "kim@example.com" || u.DisplayName != "Kim One" || u.CreatedBy != "upstream:forge" {
		t.Errorf("created %+v", u)
	}
	src := upstream.Source("forge")
	if got := r.memberships(t, u.ID); !slices.Equal(got, []string{"devs/" + src, "ops/" + src}) {
		t.Errorf("memberships %v", got)
	}
	admins, err := r.srv.Srv.People().EnsureGroup(ctx, "admins")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.srv.Srv.People().AddMember(ctx, admins.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	u = r.signedIn(t, "forge", kim([]string{"ops"}, "kim.one@example.com", "Kim Two"))
	if u.Email != "kim.one@example.com" || u.DisplayName != "Kim Two" || len(u.ExternalIDs) != 1 {
		t.Errorf("updated %+v", u)
	}
	if got := r.memberships(t, u.ID); !slices.Equal(got, []string{"admins/", "ops/" + src}) {
		t.Errorf("memberships after the provider dropped devs: %v", got)
	}

	// The audit trail has the sign-ins with their method and the user.
	evs, err := r.srv.Store.ListEvents(ctx, sso.EventQuery{User: "kim"})
	if err != nil {
		t.Fatal(err)
	}
	signins := 0
	for _, e := range evs {
		if e.Type == audit.SignInSucceeded && e.Details["method"] == "oidc:forge" && e.Address == "127.0.0.1" {
			signins++
		}
	}
	if signins != 2 {
		t.Errorf("%d sign-in events of kim through oidc:forge, want 2: %+v", signins, evs)
	}

	if _, err := r.srv.Srv.People().UpdateUser(ctx, u.ID, func(cur *sso.User) error { cur.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	users, groups := r.state(t)
	r.forge.Shape("RS256", false, kim([]string{"devs", "new-group"}, "kim@example.com", "Kim Three"))
	r.refused(t, r.oidcSignIn(t, browser(t), "forge"), 403, "Your account is disabled", "user_disabled", users, groups)
	if got := r.memberships(t, u.ID); !slices.Equal(got, []string{"admins/", "ops/" + src}) {
		t.Errorf("memberships changed by a refused sign-in: %v", got)
	}
}

// TestLinkByUserName: with link_by user_name, the first sign-in adopts the
// local user of the same name (who keeps the password); a second person
// of the provider with that name is refused.
func TestLinkByUserName(t *testing.T) {
	r := newRig(t)
	r.srv.AddUser(t, "ivan", "local password 1")
	ivan := func(sub string) func(map[string]any) {
		return func(c map[string]any) {
			c["sub"], c["preferred_username"], c["email"] = sub, "ivan", "ivan@example.com"
		}
	}
	u := r.signedIn(t, "linker", ivan("ivan-at-forge"))
	if u.PasswordHash == "" || len(u.ExternalIDs) != 1 || u.ExternalIDs[0].ID != "ivan-at-forge" {
		t.Errorf("linked user %+v", u)
	}
	users, groups := r.state(t)
	r.forge.Shape("RS256", false, ivan("another-ivan"))
	r.refused(t, r.oidcSignIn(t, browser(t), "linker"), 403, "belongs to another person", "name_taken", users, groups)
}
