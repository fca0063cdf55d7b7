package upstream_test

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/upstream"
	"github.com/ssooidc/ssooidc/internal/upstream/oidc"
	"github.com/ssooidc/ssooidc/internal/upstream/saml"
	"github.com/ssooidc/ssooidc/internal/upstreamtest"
)

// clock is the server's clock, moved by tests of expiry.
type clock struct{ off atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// rig is a server with every kind of upstream a refusal test needs: the
// forges (answers shaped by the test), a real OpenID Provider, and SAML
// providers with and without IdP-initiated sign-in.
type rig struct {
	srv   *servertest.Server
	clock *clock
	forge *upstreamtest.OIDCForge
	op    *upstreamtest.OP
	saml  *upstreamtest.SAMLForge
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{clock: &clock{}, forge: upstreamtest.NewOIDCForge(t), saml: upstreamtest.NewSAMLForge(t),
		op: upstreamtest.NewOP(t, []upstreamtest.User{{Username: "frank", Password: "op password 1", Email: "frank@example.com",
			EmailVerified: true, Groups: []string{"devs"}}})}
	r.srv = servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.Now = r.clock.Now
		c.Upstreams = func(base string) ([]upstream.Provider, error) {
			r.op.AllowRedirect(base + "/upstream/zitadel/callback")
			forge, err := oidc.New(oidc.Config{Name: "Forge", Issuer: r.forge.Issuer, ClientID: r.forge.ClientID,
				ClientSecret: r.forge.ClientSecret, RedirectURL: base + "/upstream/forge/callback", RequireVerifiedEmail: true, Now: r.clock.Now})
			if err != nil {
				return nil, err
			}
			zitadel, err := oidc.New(oidc.Config{Name: "Zitadel", Issuer: r.op.Issuer, ClientID: r.op.ClientID,
				ClientSecret: r.op.ClientSecret, RedirectURL: base + "/upstream/zitadel/callback", Scopes: []string{"profile", "email", "groups"}})
			if err != nil {
				return nil, err
			}
			samlOf := func(id string, idpInit bool) (*saml.Connector, error) {
				return saml.New(saml.Config{Name: "Forged SAML", MetadataURL: base + "/upstream/" + id + "/metadata",
					ACSURL: base + "/upstream/" + id + "/acs", IDPMetadata: r.saml.Metadata, AllowIDPInitiated: idpInit,
					Attributes: saml.Attributes{Email: "mail", Groups: "groups"}, Now: r.clock.Now})
			}
			sp, err := samlOf("forgesaml", false)
			if err != nil {
				return nil, err
			}
			unsolicited, err := samlOf("unsolicited", true)
			if err != nil {
				return nil, err
			}
			linker, err := oidc.New(oidc.Config{Name: "Linker", Issuer: r.forge.Issuer, ClientID: r.forge.ClientID,
				ClientSecret: r.forge.ClientSecret, RedirectURL: base + "/upstream/linker/callback", Now: r.clock.Now})
			if err != nil {
				return nil, err
			}
			domains := upstream.Policy{AllowedEmailDomains: []string{"example.com"}}
			return []upstream.Provider{{ID: "forge", Name: "Forge", Connector: forge, Policy: domains},
				{ID: "zitadel", Name: "Zitadel", Connector: zitadel},
				{ID: "forgesaml", Name: "Forged SAML", Connector: sp, Policy: domains},
				{ID: "unsolicited", Name: "Unsolicited SAML", Connector: unsolicited},
				{ID: "linker", Name: "Linker", Connector: linker, Policy: upstream.Policy{LinkByUserName: true}}}, nil
		}
	}))
	return r
}

// browser is an HTTP client with a cookie jar, as a browser keeps one.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second}
}

// page is a response as the person sees it.
type page struct {
	status int
	body   string
	url    string
}

func get(t *testing.T, c *http.Client, u string) page {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(b), url: resp.Request.URL.String()}
}

// state counts what a refused sign-in must not change.
func (r *rig) state(t *testing.T) (users, groups int) {
	t.Helper()
	ctx := context.Background()
	n, err := r.srv.Srv.People().CountUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gs, err := r.srv.Srv.People().ListGroups(ctx, sso.GroupQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return n, len(gs)
}

// refused checks a refusal: the page says what to do (want), with status;
// the log has a warn line with the reason; no user or group appeared.
func (r *rig) refused(t *testing.T, p page, status int, want, reason string, users, groups int) {
	t.Helper()
	if p.status != status || !strings.Contains(p.body, want) || !strings.Contains(p.body, "Back to sign-in") {
		t.Errorf("page %s: status %d, want %d with %q:\n%.1500s", p.url, p.status, status, want, p.body)
	}
	line := regexp.MustCompile(`\{[^\n]*"level":"WARN"[^\n]*"msg":"upstream sign-in refused"[^\n]*"reason":"` + reason + `"[^\n]*\}`)
	if !line.MatchString(r.srv.Logs()) {
		t.Errorf("no warn line with reason %q in the log:\n%s", reason, tailOf(r.srv.Logs(), 3000))
	}
	if u, g := r.state(t); u != users || g != groups {
		t.Errorf("after a refusal: %d users and %d groups, want %d and %d", u, g, users, groups)
	}
}

func tailOf(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// oidcSignIn starts a sign-in through provider id and follows every
// redirect to the last page.
func (r *rig) oidcSignIn(t *testing.T, c *http.Client, id string) page {
	t.Helper()
	return get(t, c, r.srv.URL+"/upstream/"+id+"/login?next=/device")
}

// TestOIDCRefusals: every bad answer of an OpenID Provider is refused
// with a page that says what to do, a warn line that says why, and no
// change to the directory; a good one signs in.
func TestOIDCRefusals(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct {
		name, alg       string
		otherKey        bool
		shape           func(map[string]any)
		want, reason    string
		status          int
		withLocalEveToo bool
	}{
		{name: "alg none", alg: "none", want: "could not be verified", reason: "token_invalid", status: 403},
		{name: "unlisted alg HS256", alg: "HS256", want: "could not be verified", reason: "token_invalid", status: 403},
		{name: "tampered (another key)", alg: "RS256", otherKey: true, want: "could not be verified", reason: "token_invalid", status: 403},
		{name: "wrong issuer", alg: "RS256", shape: func(c map[string]any) { c["iss"] = "https://evil.example" }, want: "could not be verified", reason: "token_invalid", status: 403},
		{name: "foreign audience", alg: "RS256", shape: func(c map[string]any) { c["aud"] = "another-client" }, want: "could not be verified", reason: "token_invalid", status: 403},
		{name: "expired", alg: "RS256", shape: func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }, want: "could not be verified", reason: "token_invalid", status: 403},
		{name: "wrong nonce", alg: "RS256", shape: func(c map[string]any) { c["nonce"] = "not-the-one" }, want: "could not be verified", reason: "token_invalid", status: 403},
		{name: "email outside the allowed domains", alg: "RS256", shape: func(c map[string]any) { c["email"] = "eve@evil.example" }, want: "is not in a domain allowed", reason: "email_domain", status: 403},
		{name: "unverified email", alg: "RS256", shape: func(c map[string]any) { c["email_verified"] = false }, want: "has not verified your email", reason: "email_unverified", status: 403},
		{name: "groups overage", alg: "RS256", shape: func(c map[string]any) {
			delete(c, "groups")
			c["_claim_names"] = map[string]any{"groups": "src1"}
			c["_claim_sources"] = map[string]any{"src1": map[string]any{"endpoint": "https://graph.example/x"}}
		}, want: "too many", reason: "groups_overage", status: 403},
		{name: "groups not strings", alg: "RS256", shape: func(c map[string]any) { c["groups"] = []any{1, 2} }, want: "does not understand", reason: "bad_claims", status: 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users, groups := r.state(t)
			r.forge.Shape(tc.alg, tc.otherKey, tc.shape)
			r.refused(t, r.oidcSignIn(t, browser(t), "forge"), tc.status, tc.want, tc.reason, users, groups)
		})
	}

	t.Run("a local user of the same name is not taken over", func(t *testing.T) {
		r.srv.AddUser(t, "eve", "local password 1")
		defer func() { _ = r.srv.Srv.Identity().DeleteUser(context.Background(), "eve") }()
		users, groups := r.state(t)
		r.forge.Shape("RS256", false, nil)
		r.refused(t, r.oidcSignIn(t, browser(t), "forge"), 403, "already exists here and is not linked", "name_taken", users, groups)
	})

	t.Run("a good answer signs in", func(t *testing.T) {
		r.forge.Shape("RS256", false, nil)
		p := r.oidcSignIn(t, browser(t), "forge")
		if p.status != 200 || !strings.Contains(p.url, "/device") || !strings.Contains(p.body, "Signed in as") {
			t.Fatalf("page %s: %d\n%.1000s", p.url, p.status, p.body)
		}
		u, err := r.srv.Srv.People().GetUserByName(context.Background(), "eve")
		if err != nil || u.PasswordHash != "" || u.ExternalIDs[0].Issuer != r.forge.Issuer || u.ExternalIDs[0].ID != "forge-subject-1" {
			t.Fatalf("user %+v: %v", u, err)
		}
	})
}

// TestOIDCStateAndNonceWithRealProvider: with zitadel's OpenID Provider,
// a state that does not match, a callback in another browser, a wrong
// nonce in its ID token and its error answer are refused.
func TestOIDCStateAndNonceWithRealProvider(t *testing.T) {
	r := newRig(t)
	users, groups := r.state(t)
	// Stop at our callback, to change what comes back.
	toCallback := func(c *http.Client) *url.URL {
		t.Helper()
		back, err := r.op.SignIn(c, r.srv.URL+"/upstream/zitadel/login?next=/device", "frank", "op password 1")
		if err != nil {
			t.Fatal(err)
		}
		return back
	}

	t.Run("state that does not match", func(t *testing.T) {
		c := browser(t)
		back := toCallback(c)
		q := back.Query()
		q.Set("state", strings.Repeat("A", 43))
		back.RawQuery = q.Encode()
		r.refused(t, get(t, c, back.String()), 400, "expired or was already used", "state_unknown", users, groups)
	})
	t.Run("callback in another browser", func(t *testing.T) {
		back := toCallback(browser(t))
		r.refused(t, get(t, browser(t), back.String()), 403, "started in another browser", "binding_mismatch", users, groups)
	})
	t.Run("wrong nonce", func(t *testing.T) {
		r.op.WrongNonce.Store(true)
		defer r.op.WrongNonce.Store(false)
		c := browser(t)
		r.refused(t, get(t, c, toCallback(c).String()), 403, "could not be verified", "token_invalid", users, groups)
	})
	t.Run("the provider says access_denied", func(t *testing.T) {
		c := browser(t)
		back := toCallback(c)
		q := url.Values{"state": {back.Query().Get("state")}, "error": {"access_denied"}}
		back.RawQuery = q.Encode()
		r.refused(t, get(t, c, back.String()), 403, "did not sign you in (access_denied)", "provider_error", users, groups)
	})
	t.Run("a used state", func(t *testing.T) {
		c := browser(t)
		back := toCallback(c)
		if p := get(t, c, back.String()); !strings.Contains(p.body, "Signed in as") {
			t.Fatalf("first use: %d %.800s", p.status, p.body)
		}
		users, groups := r.state(t)
		r.refused(t, get(t, c, back.String()), 400, "expired or was already used", "state_unknown", users, groups)
	})
}

// samlStart starts a SAML sign-in through provider id and returns the
// AuthnRequest's ID and the RelayState, as the IdP would receive them.
func (r *rig) samlStart(t *testing.T, c *http.Client, id string) (requestID, relay string) {
	t.Helper()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	defer func() { c.CheckRedirect = nil }()
	resp, err := c.Get(r.srv.URL + "/upstream/" + id + "/login?next=/device")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || !strings.HasPrefix(loc.String(), r.saml.SSOURL) {
		t.Fatalf("no redirect to the IdP: %v %v", loc, err)
	}
	raw, err := base64.StdEncoding.DecodeString(loc.Query().Get("SAMLRequest"))
	if err != nil {
		t.Fatal(err)
	}
	xml, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(` ID="([^"]+)"`).FindSubmatch(xml)
	if m == nil {
		t.Fatalf("no ID in %s", xml)
	}
	return string(m[1]), loc.Query().Get("RelayState")
}

// post posts a SAMLResponse to provider id's ACS and follows on.
func (r *rig) post(t *testing.T, c *http.Client, id, response, relay string) page {
	t.Helper()
	resp, err := c.PostForm(r.srv.URL+"/upstream/"+id+"/acs", url.Values{"SAMLResponse": {response}, "RelayState": {relay}})
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

// answer is a good answer to requestID for provider id.
func (r *rig) answer(id, requestID string) upstreamtest.Answer {
	base := r.srv.URL + "/upstream/" + id
	return upstreamtest.Answer{InResponseTo: requestID, Destination: base + "/acs", Audience: base + "/metadata",
		NameID: "grace", Attributes: map[string][]string{"mail": {"grace@example.com"}, "groups": {"devs", "ops"}}}
}

// TestSAMLRefusals: every bad SAML answer is refused with a page that
// says what to do, a warn line that says why, and no change to the
// directory; a good one signs in.
func TestSAMLRefusals(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct {
		name         string
		change       func(a *upstreamtest.Answer)
		tamper       func(xml string) string
		advance      time.Duration
		want, reason string
	}{
		{name: "unsigned", change: func(a *upstreamtest.Answer) { a.Unsigned = true }, want: "could not be verified", reason: "unsigned"},
		{name: "signed by another key", change: func(a *upstreamtest.Answer) { a.OtherKey = true }, want: "could not be verified", reason: "signature_invalid"},
		{name: "tampered after signing", tamper: func(x string) string { return strings.Replace(x, "grace@example.com", "admin@example.com", 1) },
			want: "could not be verified", reason: "signature_invalid"},
		{name: "expired", advance: 7 * time.Minute, want: "has expired", reason: "expired"},
		{name: "foreign audience", change: func(a *upstreamtest.Answer) { a.Audience = "https://another-sp.example/metadata" }, want: "meant for another service", reason: "wrong_audience"},
		{name: "wrong destination", change: func(a *upstreamtest.Answer) { a.Destination = "https://another-sp.example/acs" }, want: "meant for another service", reason: "wrong_audience"},
		{name: "wrong issuer", change: func(a *upstreamtest.Answer) { a.Issuer = "https://evil.example/idp" }, want: "does not come from", reason: "wrong_issuer"},
		{name: "answer to another request", change: func(a *upstreamtest.Answer) { a.InResponseTo = "id-someone-elses" }, want: "not for the sign-in you started", reason: "request_mismatch"},
		{name: "email outside the allowed domains", change: func(a *upstreamtest.Answer) { a.Attributes["mail"] = []string{"grace@evil.example"} }, want: "is not in a domain allowed", reason: "email_domain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users, groups := r.state(t)
			c := browser(t)
			reqID, relay := r.samlStart(t, c, "forgesaml")
			a := r.answer("forgesaml", reqID)
			if tc.change != nil {
				tc.change(&a)
			}
			resp, err := r.saml.Response(a)
			if err != nil {
				t.Fatal(err)
			}
			if tc.tamper != nil {
				raw, _ := base64.StdEncoding.DecodeString(resp)
				resp = base64.StdEncoding.EncodeToString([]byte(tc.tamper(string(raw))))
			}
			r.clock.Advance(tc.advance)
			defer r.clock.Advance(-tc.advance)
			r.refused(t, r.post(t, c, "forgesaml", resp, relay), 403, tc.want, tc.reason, users, groups)
		})
	}

	t.Run("a good answer signs in; posting it again is refused", func(t *testing.T) {
		c := browser(t)
		reqID, relay := r.samlStart(t, c, "forgesaml")
		resp, err := r.saml.Response(r.answer("forgesaml", reqID))
		if err != nil {
			t.Fatal(err)
		}
		p := r.post(t, c, "forgesaml", resp, relay)
		if p.status != 200 || !strings.Contains(p.body, "Signed in as") {
			t.Fatalf("page %s: %d\n%.1000s", p.url, p.status, p.body)
		}
		users, groups := r.state(t)
		r.refused(t, r.post(t, c, "forgesaml", resp, relay), 400, "expired or was already used", "state_unknown", users, groups)
	})

	t.Run("finished in another browser", func(t *testing.T) {
		users, groups := r.state(t)
		c := browser(t)
		reqID, relay := r.samlStart(t, c, "forgesaml")
		resp, _ := r.saml.Response(r.answer("forgesaml", reqID))
		r.refused(t, r.post(t, browser(t), "forgesaml", resp, relay), 403, "started in another browser", "binding_mismatch", users, groups)
	})

	t.Run("unsolicited while IdP-initiated sign-in is off", func(t *testing.T) {
		users, groups := r.state(t)
		resp, _ := r.saml.Response(r.answer("forgesaml", ""))
		r.refused(t, r.post(t, browser(t), "forgesaml", resp, ""), 403, "Sign-in must start here", "unsolicited", users, groups)
	})

	t.Run("IdP-initiated: a replayed assertion is refused", func(t *testing.T) {
		a := r.answer("unsolicited", "")
		a.NameID, a.Attributes = "heidi", map[string][]string{"mail": {"heidi@example.com"}}
		resp, _ := r.saml.Response(a)
		if p := r.post(t, browser(t), "unsolicited", resp, ""); !strings.Contains(p.body, "Signed in as") {
			t.Fatalf("first use: %d %.800s", p.status, p.body)
		}
		users, groups := r.state(t)
		r.refused(t, r.post(t, browser(t), "unsolicited", resp, ""), 403, "was already used", "replayed", users, groups)
	})
}
