package e2e

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/ssooidc/ssooidc/internal/browsertest"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
)

// The AWS CLI's PKCE client, replicated from its source (WIRE.md 5.2:
// awscli/botocore/utils.py SSOTokenFetcherAuth and
// awscli/customizations/sso/utils.py AuthCodeFetcher, CLI 2.22 to 2.36).

// cliVerifier is 64 characters drawn from [A-Za-z0-9-._~].
func cliVerifier() string {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	b := make([]byte, 64)
	r := make([]byte, 64)
	_, _ = rand.Read(r)
	for i := range b {
		b[i] = set[int(r[i])%len(set)]
	}
	return string(b)
}

// cliChallenge is base64.urlsafe_b64encode(sha256(verifier)): 44 characters
// ending in one '=', which the CLI strips with [:-1] in the URL.
func cliChallenge(verifier string) string {
	s := sha256.Sum256([]byte(verifier))
	return base64.URLEncoding.EncodeToString(s[:])
}

// percentEncode is botocore's percent_encode: only alphanumerics and -._~
// stay as they are.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// cliAuthorizeURL builds the URL exactly as the CLI: this parameter order,
// percent_encode on the values, "scopes" space-joined, and the challenge
// appended raw without its '='.
func cliAuthorizeURL(base, clientID, redirectURI, state string, scopes []string, challenge string) string {
	return base + "/authorize?response_type=code" +
		"&client_id=" + percentEncode(clientID) +
		"&redirect_uri=" + percentEncode(redirectURI) +
		"&state=" + percentEncode(state) +
		"&code_challenge_method=S256" +
		"&scopes=" + percentEncode(strings.Join(scopes, " ")) +
		"&code_challenge=" + challenge[:len(challenge)-1]
}

// postRaw sends body bytes as botocore does (its json.dumps separators,
// its member order) and decodes the answer.
func postRaw(t *testing.T, url, body string, out any) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: %q", url, b)
		}
	}
	return resp.StatusCode
}

func uuid4() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// TestAWSCLIPKCELogin reproduces the AWS CLI's PKCE login to the byte:
// its RegisterClient body, its authorize URL, a loopback listener on a
// random port, the approval in a real browser on our pages, its
// CreateToken body; then the tokens refresh.
func TestAWSCLIPKCELogin(t *testing.T) {
	srv := servertest.New(t)
	srv.AddUser(t, "alice", "correct horse battery")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var reg struct{ ClientID, ClientSecret string }
	body := `{"clientName": "botocore-client-my-sso", "clientType": "public", "grantTypes": ["authorization_code", "refresh_token"], ` +
		`"redirectUris": ["http://127.0.0.1/oauth/callback"], "issuerUrl": "` + servertest.StartURL + `", "scopes": ["sso:account:access"]}`
	if st := postRaw(t, srv.URL+"/client/register", body, &reg); st != 200 {
		t.Fatalf("RegisterClient: %d", st)
	}
	var regMap map[string]any
	postRaw(t, srv.URL+"/client/register", body, &regMap)
	clientID, clientSecret := regMap["clientId"].(string), regMap["clientSecret"].(string)

	// The CLI's callback listener: any GET path, 200 and a page.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan url.Values, 1)
	cb := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html><body>Request approved. You may close this window.</body></html>")
		select {
		case got <- r.URL.Query():
		default:
		}
	})}
	go cb.Serve(l)
	defer cb.Close()
	port := l.Addr().(*net.TCPAddr).Port
	redirectURI := fmt.Sprintf("http://127.0.0.1:%d/oauth/callback", port)

	verifier := cliVerifier()
	challenge := cliChallenge(verifier)
	if len(challenge) != 44 || !strings.HasSuffix(challenge, "=") {
		t.Fatalf("challenge %q", challenge)
	}
	state := uuid4()
	authURL := cliAuthorizeURL(srv.URL, clientID, redirectURI, state, []string{"sso:account:access"}, challenge)
	want := srv.URL + "/authorize?response_type=code&client_id=" + clientID +
		"&redirect_uri=http%3A%2F%2F127.0.0.1%3A" + fmt.Sprint(port) + "%2Foauth%2Fcallback&state=" + state +
		"&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=" + challenge[:43]
	if authURL != want {
		t.Fatalf("authorize URL\n got %s\nwant %s", authURL, want)
	}

	b := browsertest.New(t)
	if err := b.Navigate(ctx, authURL); err != nil {
		t.Fatal(err)
	}
	if err := b.SignIn(ctx, "alice", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if text, _ := b.Text(ctx); !strings.Contains(text, "botocore-client-my-sso") || !strings.Contains(text, "sso:account:access") {
		t.Errorf("consent page does not name the client and scope: %q", text)
	}
	if err := b.Click(ctx, "Allow"); err != nil {
		t.Fatal(err)
	}
	var q url.Values
	select {
	case q = <-got:
	case <-ctx.Done():
		t.Fatal("the browser never reached the loopback callback")
	}
	if q.Get("state") != state || q.Get("code") == "" || q.Get("error") != "" {
		t.Fatalf("callback query %v", q)
	}
	if text, _ := b.Text(ctx); !strings.Contains(text, "Request approved") {
		t.Errorf("the browser did not land on the callback page: %q", text)
	}

	var tok map[string]any
	tokenBody := fmt.Sprintf(`{"grantType": "authorization_code", "clientId": %q, "clientSecret": %q, "redirectUri": %q, "codeVerifier": %q, "code": %q}`,
		clientID, clientSecret, redirectURI, verifier, q.Get("code"))
	if st := postRaw(t, srv.URL+"/token", tokenBody, &tok); st != 200 {
		t.Fatalf("CreateToken: %d %v", st, tok)
	}
	if tok["accessToken"] == "" || tok["expiresIn"] != float64(3600) || tok["refreshToken"] == nil || tok["tokenType"] != "Bearer" {
		t.Fatalf("token %v", tok)
	}
	if _, err := refresh(sdk(srv), registered{clientID, clientSecret}, tok["refreshToken"].(string)); err != nil {
		t.Fatalf("refresh of a PKCE token: %v", err)
	}
	_ = reg
}

// pkceHarness drives /authorize over plain HTTP with a signed-in cookie.
type pkceHarness struct {
	t      *testing.T
	srv    *servertest.Server
	http   *http.Client
	client registered
}

// signedInClient is an HTTP client signed in as alice on the pages, that
// does not follow redirects.
func signedInClient(t *testing.T, srv *servertest.Server) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.PostForm(srv.URL+"/signin", url.Values{"username": {"alice"}, "password": {"correct horse battery"}, "next": {"/device"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %v %v", err, resp)
	}
	resp.Body.Close()
	return hc
}

func newPKCEHarness(t *testing.T, opts ...servertest.Option) *pkceHarness {
	srv := servertest.New(t, opts...)
	srv.AddUser(t, "alice", "correct horse battery")
	hc := signedInClient(t, srv)
	out, err := sdk(srv).RegisterClient(context.Background(), &ssooidc.RegisterClientInput{
		ClientName: aws.String("pkce"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"},
		GrantTypes: []string{"authorization_code", "refresh_token"}, RedirectUris: []string{"http://127.0.0.1/oauth/callback"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &pkceHarness{t: t, srv: srv, http: hc, client: registered{*out.ClientId, *out.ClientSecret}}
}

// authorize sends GET /authorize with q; it returns the status and the
// Location (empty when the answer is a page).
func (h *pkceHarness) authorize(q url.Values) (int, string) {
	resp, err := h.http.Get(h.srv.URL + "/authorize?" + q.Encode())
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

func (h *pkceHarness) query(clientID, redirectURI, challenge, method, state string) url.Values {
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
		"state": {state}, "scopes": {"sso:account:access"}}
	if challenge != "" {
		q.Set("code_challenge", challenge)
	}
	if method != "" {
		q.Set("code_challenge_method", method)
	}
	return q
}

// code approves on the consent form and returns the code.
func (h *pkceHarness) code(clientID, redirectURI, challenge, state string) string {
	q := h.query(clientID, redirectURI, challenge, "S256", state)
	resp, err := h.http.PostForm(h.srv.URL+"/authorize", url.Values{"request": {q.Encode()}, "decision": {"allow"}})
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusSeeOther || loc.Query().Get("code") == "" {
		h.t.Fatalf("consent: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if loc.Query().Get("state") != state {
		h.t.Errorf("state %q, want %q", loc.Query().Get("state"), state)
	}
	return loc.Query().Get("code")
}

func (h *pkceHarness) exchange(c registered, code, redirectURI, verifier string) error {
	_, err := sdk(h.srv).CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		ClientId: &c.id, ClientSecret: &c.secret, GrantType: aws.String("authorization_code"),
		Code: &code, RedirectUri: &redirectURI, CodeVerifier: &verifier,
	})
	return err
}

func TestPKCENegative(t *testing.T) {
	clk := &clock{}
	h := newPKCEHarness(t, servertest.WithConfig(func(c *server.Config) { c.Now = clk.Now }))
	verifier := cliVerifier()
	challenge := strings.TrimRight(cliChallenge(verifier), "=")
	cb := "http://127.0.0.1:49152/oauth/callback"
	state := "st@te with spaces & symbols/+="

	t.Run("redirect URIs that must not be redirected to", func(t *testing.T) {
		for _, bad := range []string{
			"http://evil.example.com/oauth/callback", // another host
			"http://127.0.0.1:49152/oauth/other",     // loopback, another path
			"https://127.0.0.1:49152/oauth/callback", // another scheme
			"http://127.0.0.2:49152/oauth/callback",  // another loopback address
		} {
			st, loc := h.authorize(h.query(h.client.id, bad, challenge, "S256", state))
			if st != http.StatusBadRequest || loc != "" {
				t.Errorf("%s: status %d location %q (must be our page, never a redirect)", bad, st, loc)
			}
		}
		st, loc := h.authorize(h.query("no-such-client", cb, challenge, "S256", state))
		if st != http.StatusBadRequest || loc != "" {
			t.Errorf("unknown client: %d %q", st, loc)
		}
	})
	redirected := func(t *testing.T, q url.Values, wantErr string) {
		t.Helper()
		st, loc := h.authorize(q)
		u, _ := url.Parse(loc)
		if st != http.StatusFound || !strings.HasPrefix(loc, cb+"?") || u.Query().Get("error") != wantErr {
			t.Fatalf("status %d location %q, want an %s redirect", st, loc, wantErr)
		}
		if u.Query().Get("state") != state {
			t.Errorf("state %q not echoed unchanged", u.Query().Get("state"))
		}
	}
	t.Run("plain method", func(t *testing.T) {
		redirected(t, h.query(h.client.id, cb, verifier, "plain", state), "invalid_request")
	})
	t.Run("missing challenge", func(t *testing.T) {
		redirected(t, h.query(h.client.id, cb, "", "", state), "invalid_request")
	})
	t.Run("unknown scope", func(t *testing.T) {
		q := h.query(h.client.id, cb, challenge, "S256", state)
		q.Set("scopes", "sso:account:access admin:everything")
		redirected(t, q, "invalid_scope")
	})
	t.Run("deny", func(t *testing.T) {
		q := h.query(h.client.id, cb, challenge, "S256", state)
		resp, err := h.http.PostForm(h.srv.URL+"/authorize", url.Values{"request": {q.Encode()}, "decision": {"deny"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		u, _ := url.Parse(resp.Header.Get("Location"))
		if u.Query().Get("error") != "access_denied" || u.Query().Get("state") != state {
			t.Errorf("deny: %q", resp.Header.Get("Location"))
		}
	})
	t.Run("consent page for a valid request", func(t *testing.T) {
		st, loc := h.authorize(h.query(h.client.id, cb, challenge, "S256", state))
		if st != http.StatusOK || loc != "" {
			t.Errorf("status %d location %q", st, loc)
		}
	})
	t.Run("wrong verifier", func(t *testing.T) {
		code := h.code(h.client.id, cb, challenge, state)
		err := h.exchange(h.client, code, cb, cliVerifier())
		wantErr[*types.InvalidGrantException](t, err, 400)
	})
	t.Run("redirect URI differs from the one at /authorize", func(t *testing.T) {
		code := h.code(h.client.id, cb, challenge, state)
		err := h.exchange(h.client, code, "http://127.0.0.1:49153/oauth/callback", verifier)
		wantErr[*types.InvalidGrantException](t, err, 400)
	})
	t.Run("code of another client", func(t *testing.T) {
		code := h.code(h.client.id, cb, challenge, state)
		other := newPKCEClient(t, h)
		err := h.exchange(other, code, cb, verifier)
		wantErr[*types.InvalidGrantException](t, err, 400)
	})
	t.Run("code reuse revokes what the first redemption issued", func(t *testing.T) {
		code := h.code(h.client.id, cb, challenge, state)
		out, err := sdk(h.srv).CreateToken(context.Background(), &ssooidc.CreateTokenInput{
			ClientId: &h.client.id, ClientSecret: &h.client.secret, GrantType: aws.String("authorization_code"),
			Code: &code, RedirectUri: &cb, CodeVerifier: &verifier,
		})
		if err != nil {
			t.Fatal(err)
		}
		err = h.exchange(h.client, code, cb, verifier)
		wantErr[*types.InvalidGrantException](t, err, 400)
		_, err = refresh(sdk(h.srv), h.client, *out.RefreshToken)
		wantErr[*types.InvalidGrantException](t, err, 400)
	})
	t.Run("expired code", func(t *testing.T) {
		code := h.code(h.client.id, cb, challenge, state)
		clk.Advance(6 * time.Minute)
		err := h.exchange(h.client, code, cb, verifier)
		wantErr[*types.InvalidGrantException](t, err, 400)
	})
}

func newPKCEClient(t *testing.T, h *pkceHarness) registered {
	out, err := sdk(h.srv).RegisterClient(context.Background(), &ssooidc.RegisterClientInput{
		ClientName: aws.String("other"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"},
		GrantTypes: []string{"authorization_code"}, RedirectUris: []string{"http://127.0.0.1/oauth/callback"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return registered{*out.ClientId, *out.ClientSecret}
}
