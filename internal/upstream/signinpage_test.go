package upstream_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/upstream"
	"github.com/ssooidc/ssooidc/internal/upstream/oidc"
	"github.com/ssooidc/ssooidc/internal/upstreamtest"
)

// TestSignInPage: the sign-in page offers "Sign in with NAME" for every
// provider, returning to the page's next; with local_passwords false it
// hides the password form, and a password posted anyway is refused
// without a session.
func TestSignInPage(t *testing.T) {
	forge := upstreamtest.NewOIDCForge(t)
	for _, passwordsOff := range []bool{false, true} {
		srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
			c.NoLocalPasswords = passwordsOff
			c.Upstreams = func(base string) ([]upstream.Provider, error) {
				conn, err := oidc.New(oidc.Config{Name: "Forge", Issuer: forge.Issuer, ClientID: forge.ClientID,
					RedirectURL: base + "/upstream/forge/callback"})
				return []upstream.Provider{{ID: "forge", Name: "Forge & Co", Connector: conn}}, err
			}
		}))
		srv.AddUser(t, "alice", "correct horse battery")
		c := browser(t)
		p := get(t, c, srv.URL+"/signin?next=/device%3Fuser_code%3DABCD-EFGH")
		link := `href="/upstream/forge/login?next=%2Fdevice%3Fuser_code%3DABCD-EFGH"`
		if !strings.Contains(p.body, link) || !strings.Contains(p.body, "Sign in with Forge &amp; Co") {
			t.Errorf("no button %s:\n%.2000s", link, p.body)
		}
		if has := strings.Contains(p.body, `name="password"`); has == passwordsOff {
			t.Errorf("passwords off %v: the page has a password field: %v", passwordsOff, has)
		}
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := c.PostForm(srv.URL+"/signin", url.Values{"username": {"alice"}, "password": {"correct horse battery"}, "next": {"/device"}})
		if err != nil {
			t.Fatal(err)
		}
		got := read(t, resp)
		signedIn := len(resp.Cookies()) > 0
		if passwordsOff && (got.status != http.StatusForbidden || signedIn || !strings.Contains(got.body, "turned off")) {
			t.Errorf("a password was taken with passwords off: %d, cookie %v", got.status, signedIn)
		}
		if !passwordsOff && (got.status != http.StatusSeeOther || !signedIn) {
			t.Errorf("a password was refused with passwords on: %d", got.status)
		}
	}
}

// TestEndpoints: the SAML metadata is served at its stable URL; an
// unknown provider is a page that says so; one address may start at most
// 300 sign-ins per window, then gets a page that says to wait.
func TestEndpoints(t *testing.T) {
	r := newRig(t)
	c := browser(t)
	resp, err := c.Get(r.srv.URL + "/upstream/forgesaml/metadata")
	if err != nil {
		t.Fatal(err)
	}
	md := read(t, resp)
	base := r.srv.URL + "/upstream/forgesaml"
	if md.status != 200 || resp.Header.Get("Content-Type") != "application/samlmetadata+xml" ||
		!strings.Contains(md.body, `entityID="`+base+`/metadata"`) ||
		!strings.Contains(md.body, `Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="`+base+`/acs"`) {
		t.Errorf("metadata: %d %s\n%s", md.status, resp.Header.Get("Content-Type"), md.body)
	}
	if p := get(t, c, r.srv.URL+"/upstream/nope/login"); p.status != 404 || !strings.Contains(p.body, "no such identity provider") {
		t.Errorf("unknown provider: %d %.500s", p.status, p.body)
	}
	if p := get(t, c, r.srv.URL+"/upstream/zitadel/metadata"); p.status != 404 {
		t.Errorf("metadata of an OIDC provider: %d", p.status)
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for i := 1; i <= 301; i++ {
		resp, err := c.Get(r.srv.URL + "/upstream/forgesaml/login")
		if err != nil {
			t.Fatal(err)
		}
		p := read(t, resp)
		if i <= 300 && p.status != http.StatusSeeOther {
			t.Fatalf("start %d: %d", i, p.status)
		}
		if i == 301 && (p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Wait a few minutes")) {
			t.Fatalf("start 301: %d %.500s", p.status, p.body)
		}
	}
}
