package authcode

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/clients"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/tokens"
	"github.com/ssooidc/ssooidc/wire"
)

// FuzzAuthorize: whatever query /authorize gets, it is shown our own page
// (an *sso.Error), or the browser is sent to a redirect URI registered for
// the client: never anywhere else (no open redirect), and never before the
// client and its redirect URI are known.
func FuzzAuthorize(f *testing.F) {
	st, err := sqlite.Open(f.Context(), filepath.Join(f.TempDir(), "ssooidc.db"), sqlite.SyncNormal)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	key, _ := sso.RandomKey()
	d := sso.NewDigester(key)
	cl := clients.New(st, d, clients.Options{})
	str := func(s string) *string { return &s }
	reg, err := cl.Register(f.Context(), wire.RegisterClientRequest{ClientName: str("fuzz"), ClientType: str("public"),
		Scopes: []string{"sso:account:access"}, GrantTypes: []string{"authorization_code"},
		RedirectURIs: []string{"http://127.0.0.1/oauth/callback", "com.example.app:/cb"}}, "192.0.2.1")
	if err != nil {
		f.Fatal(err)
	}
	registered := []string{"http://127.0.0.1/oauth/callback", "com.example.app:/cb"}
	svc := New(st, st, cl, d, tokens.NewMinter(d, time.Hour, 8*time.Hour), Options{Used: cl.MarkUsed})
	good := url.Values{"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {"http://127.0.0.1:5000/oauth/callback"},
		"state": {"s"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	f.Add(good.Encode())
	for k, v := range map[string]string{"response_type": "token", "redirect_uri": "https://evil.example.net/landing",
		"code_challenge_method": "plain", "scopes": "admin"} {
		q := url.Values{}
		for kk, vv := range good {
			q[kk] = vv
		}
		q.Set(k, v)
		f.Add(q.Encode())
	}
	f.Add(good.Encode() + "&redirect_uri=https://evil.example.net/")
	f.Add("client_id=" + reg.ClientID + "&redirect_uri=com.example.app:/cb&response_type=token")
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return // the page refuses what does not parse
		}
		r, err := svc.Validate(t.Context(), q)
		var re *RedirectError
		var target string
		switch {
		case errors.As(err, &re):
			target = re.URL
		case err != nil:
			var se *sso.Error
			if !errors.As(err, &se) || se.Code == sso.CodeInternal {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		default:
			target = r.RedirectURI
		}
		ok := false
		for _, reg := range registered {
			if sso.MatchRedirectURI(reg, q.Get("redirect_uri")) && strings.HasPrefix(target, strings.SplitN(q.Get("redirect_uri"), "?", 2)[0]) {
				ok = true
			}
		}
		u, perr := url.Parse(target)
		if !ok || perr != nil || (u.Scheme != "com.example.app" && u.Hostname() != "127.0.0.1") {
			t.Fatalf("%q sends the browser to %q", raw, target)
		}
	})
}
