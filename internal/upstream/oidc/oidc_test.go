package oidc_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/upstream"
	"github.com/ssooidc/ssooidc/internal/upstream/oidc"
	"github.com/ssooidc/ssooidc/internal/upstreamtest"
)

// TestUserInfoAndNestedGroups: against zitadel's OpenID Provider set up
// to put profile, email and groups only at its UserInfo endpoint, and the
// groups inside an object, get_user_info and a dotted claim path find
// them.
func TestUserInfoAndNestedGroups(t *testing.T) {
	op := upstreamtest.NewOP(t, []upstreamtest.User{{Username: "lena", Password: "op password 1", GivenName: "Lena",
		FamilyName: "Ray", Email: "lena@example.com", EmailVerified: true, Groups: []string{"devs", "ops"}}},
		upstreamtest.ClaimsOnlyAtUserInfo(), upstreamtest.GroupsClaim("org.groups"))
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.Upstreams = func(base string) ([]upstream.Provider, error) {
			op.AllowRedirect(base + "/upstream/op/callback")
			conn, err := oidc.New(oidc.Config{Name: "OP", Issuer: op.Issuer, ClientID: op.ClientID, ClientSecret: op.ClientSecret,
				RedirectURL: base + "/upstream/op/callback", Scopes: []string{"profile", "email", "groups"},
				UserInfo: true, RequireVerifiedEmail: true, Claims: oidc.Claims{Groups: "org.groups"}})
			return []upstream.Provider{{ID: "op", Name: "OP", Connector: conn}}, err
		}
	}))
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	back, err := op.SignIn(c, srv.URL+"/upstream/op/login?next=/device", "lena", "op password 1")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(back.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/device" {
		t.Fatalf("after the callback: %s at %s\n%s", resp.Status, resp.Request.URL, srv.Logs())
	}
	ctx := context.Background()
	u, err := srv.Srv.People().GetUserByName(ctx, "lena")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "lena@example.com" || u.DisplayName != "Lena Ray" {
		t.Errorf("user %+v", u)
	}
	groups, err := srv.Srv.People().UserGroups(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range groups {
		names = append(names, g.DisplayName)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"devs", "ops"}) {
		t.Errorf("groups %v", names)
	}
}
