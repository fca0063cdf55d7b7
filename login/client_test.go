package login_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	dom "github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/login"
)

const password = "correct horse battery"

// headless is an environment without a display: the device flow, no
// browser.
var headless = &login.Environment{Headless: true, Reason: "test"}

func mySSO() *login.Session {
	return &login.Session{Name: "my-sso", StartURL: servertest.StartURL, Region: "us-east-1", Profile: "", AccountID: "222222222222", RoleName: "ReadOnly"}
}

// approver is a Prompter that approves every device code as alice, as a
// person at the verification page would, and counts the prompts.
type approver struct {
	t   testing.TB
	srv *servertest.Server

	mu      sync.Mutex
	prompts []login.Prompt
}

func (a *approver) Show(ctx context.Context, p *login.Prompt) {
	a.mu.Lock()
	a.prompts = append(a.prompts, *p)
	a.mu.Unlock()
	if p.Flow == login.FlowDevice {
		// Decide fails the test from this goroutine only through Errorf.
		if err := a.srv.Srv.Devices().Decide(context.Background(), p.UserCode, userID(a.t, a.srv, "alice"), true); err != nil {
			a.t.Errorf("approving %s: %v", p.UserCode, err)
		}
	}
	<-ctx.Done()
}

func (a *approver) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.prompts)
}

func userID(t testing.TB, srv *servertest.Server, name string) string {
	users, err := srv.Srv.Identity().ListUsers(context.Background())
	if err != nil {
		t.Error(err)
		return ""
	}
	for _, u := range users {
		if u.Name == name {
			return u.ID
		}
	}
	t.Errorf("no user %s", name)
	return ""
}

func newServer(t *testing.T, opts ...servertest.Option) *servertest.Server {
	srv := servertest.New(t, opts...)
	srv.AddUser(t, "alice", password, "devs")
	return srv
}

// options point a client at srv with a private cache.
func options(srv *servertest.Server, dir string, p login.Prompter) func(*login.Options) {
	return func(o *login.Options) {
		o.CacheDir = filepath.Join(dir, "sso", "cache")
		o.CredentialsCacheDir = filepath.Join(dir, "cli", "cache")
		o.Endpoint, o.PortalEndpoint = srv.URL, srv.URL
		o.Environment = headless
		o.Prompter = p
		o.Browser = login.BrowserFunc(func(context.Context, string) error { return login.ErrNoBrowser })
	}
}

// ops counts the requests of an operation the server logged since mark.
func ops(srv *servertest.Server, mark int, op string) int {
	return strings.Count(srv.Logs()[mark:], `"op":"`+op+`"`)
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// setExpiry rewrites the cached token's expiresAt.
func setExpiry(t *testing.T, c *login.Client, at time.Time) *login.Token {
	t.Helper()
	tok, err := c.CachedToken()
	if err != nil {
		t.Fatal(err)
	}
	tok.ExpiresAt = at
	if err := c.Cache().StoreToken(c.Session().CacheKey(), tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestDeviceLoginAndRefresh: a device login writes the CLI's token and
// registration files; Token leaves a fresh token alone and refreshes one
// inside the 15-minute window, rotating the refresh token.
func TestDeviceLoginAndRefresh(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	ap := &approver{t: t, srv: srv}
	c := login.New(mySSO(), options(srv, dir, ap))
	ctx := context.Background()
	tok, err := c.Login(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ap.count() != 1 || ap.prompts[0].UserCode == "" || !strings.HasPrefix(ap.prompts[0].URL, srv.URL+"/device?user_code=") {
		t.Fatalf("prompts %+v", ap.prompts)
	}
	file := readJSON(t, filepath.Join(dir, "sso", "cache", "0ad374308c5a4e22f723adf10145eafad7c4031c.json"))
	for _, k := range []string{"startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret", "registrationExpiresAt", "refreshToken"} {
		if s, _ := file[k].(string); s == "" {
			t.Errorf("token file lacks %s: %v", k, file)
		}
	}
	reg := readJSON(t, filepath.Join(dir, "sso", "cache", login.RegistrationKey(servertest.StartURL, "us-east-1", login.DefaultScopes, "my-sso")+".json"))
	if reg["clientId"] != tok.ClientID || reg["grantTypes"] != nil || reg["scopes"] == nil {
		t.Errorf("registration file %v", reg)
	}

	mark := len(srv.Logs())
	same, err := c.Token(ctx)
	if err != nil || same.AccessToken != tok.AccessToken || ops(srv, mark, "CreateToken") != 0 {
		t.Fatalf("fresh token was not used as is: %v", err)
	}
	old := setExpiry(t, c, time.Now().Add(12*time.Minute))
	nt, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if nt.AccessToken == old.AccessToken || nt.RefreshToken == old.RefreshToken || time.Until(nt.ExpiresAt) < 50*time.Minute || ops(srv, mark, "CreateToken") != 1 {
		t.Errorf("not refreshed: %+v", nt)
	}
	again, _ := c.CachedToken()
	if again.AccessToken != nt.AccessToken || again.RefreshToken != nt.RefreshToken {
		t.Error("the refreshed token was not written")
	}

	// A second login reuses the registration.
	mark = len(srv.Logs())
	if _, err := c.Login(ctx); err != nil {
		t.Fatal(err)
	}
	if ops(srv, mark, "RegisterClient") != 0 {
		t.Error("a valid cached registration was not reused")
	}
}

// TestConcurrentRefreshIsOne: 20 clients (as 20 processes would, each with
// its own open lock file) on a token inside the refresh window: one
// refresh reaches the server, all get the same new token.
func TestConcurrentRefreshIsOne(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	ctx := context.Background()
	first := login.New(mySSO(), options(srv, dir, &approver{t: t, srv: srv}))
	if _, err := first.Login(ctx); err != nil {
		t.Fatal(err)
	}
	old := setExpiry(t, first, time.Now().Add(11*time.Minute))
	mark := len(srv.Logs())
	var wg sync.WaitGroup
	tokens := make([]string, 20)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := login.New(mySSO(), options(srv, dir, nil)).Token(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			tokens[i] = tok.AccessToken
		}()
	}
	wg.Wait()
	if n := ops(srv, mark, "CreateToken"); n != 1 {
		t.Errorf("%d refreshes reached the server", n)
	}
	for _, tok := range tokens {
		if tok != tokens[0] || tok == old.AccessToken {
			t.Fatalf("tokens differ or were not refreshed: %v", tokens)
		}
	}
}

// fakeOIDC answers /token with body and status, and records the requests.
func fakeOIDC(t *testing.T, status int, body string) (*httptest.Server, *[]map[string]any) {
	var mu sync.Mutex
	var reqs []map[string]any
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		reqs = append(reqs, m)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if status != 200 {
			w.Header().Set("X-Amzn-ErrorType", "InvalidGrantException")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(s.Close)
	return s, &reqs
}

func seed(t *testing.T, dir string, expires time.Time, extra string) string {
	t.Helper()
	path := filepath.Join(dir, "0ad374308c5a4e22f723adf10145eafad7c4031c.json")
	body := `{"startUrl": "` + servertest.StartURL + `", "region": "us-east-1", "accessToken": "old", "expiresAt": "` +
		expires.UTC().Format(login.TimeFormat) + `", "clientId": "c", "clientSecret": "s", "registrationExpiresAt": "` +
		time.Now().Add(24*time.Hour).UTC().Format(login.TimeFormat) + `", "refreshToken": "r1"` + extra + `}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRefreshWithoutNewRefreshToken: a refresh response without a refresh
// token keeps the old one, and members we do not know stay in the file.
func TestRefreshWithoutNewRefreshToken(t *testing.T) {
	t.Parallel()
	fake, reqs := fakeOIDC(t, 200, `{"accessToken":"new","tokenType":"Bearer","expiresIn":3600}`)
	dir := t.TempDir()
	path := seed(t, dir, time.Now().Add(5*time.Minute), `, "x-tool": {"keep": [1, 2]}`)
	c := login.New(mySSO(), func(o *login.Options) { o.CacheDir = dir; o.Endpoint = fake.URL })
	tok, err := c.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "new" || tok.RefreshToken != "r1" {
		t.Errorf("token %+v", tok)
	}
	if r := (*reqs)[0]; r["grantType"] != "refresh_token" || r["refreshToken"] != "r1" || r["clientId"] != "c" {
		t.Errorf("request %v", r)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"refreshToken": "r1", "x-tool": {"keep": [1, 2]}}`) || !strings.Contains(string(b), `"accessToken": "new"`) {
		t.Errorf("file %s", b)
	}
}

// TestRefreshFailure: a failed refresh keeps a still-valid token (as
// botocore does); an expired one needs a login, and the error names the
// command.
func TestRefreshFailure(t *testing.T) {
	t.Parallel()
	fake, _ := fakeOIDC(t, 400, `{"error":"invalid_grant","error_description":"revoked"}`)
	dir := t.TempDir()
	seed(t, dir, time.Now().Add(5*time.Minute), "")
	s := mySSO()
	s.Profile = "dev"
	c := login.New(s, func(o *login.Options) { o.CacheDir = dir; o.Endpoint = fake.URL })
	tok, err := c.Token(context.Background())
	if err != nil || tok.AccessToken != "old" {
		t.Fatalf("valid token not kept: %v %v", tok, err)
	}
	seed(t, dir, time.Now().Add(-time.Minute), "")
	_, err = c.Token(context.Background())
	if !errors.Is(err, login.ErrLoginRequired) || !strings.HasSuffix(err.Error(), "run: ssooidc login --profile dev") {
		t.Errorf("expired: %v", err)
	}
	_, err = login.New(mySSO(), func(o *login.Options) { o.CacheDir = t.TempDir() }).Token(context.Background())
	if !errors.Is(err, login.ErrLoginRequired) || !strings.Contains(err.Error(), "not signed in") || !strings.Contains(err.Error(), "run: ssooidc login --sso-session my-sso") {
		t.Errorf("no token: %v", err)
	}
}

// TestReRegistration: a registration within 15 minutes of its expiry is
// replaced.
func TestReRegistration(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	c := login.New(mySSO(), options(srv, dir, &approver{t: t, srv: srv}))
	key := login.RegistrationKey(servertest.StartURL, "us-east-1", login.DefaultScopes, "my-sso")
	if _, err := c.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	reg, err := c.Cache().LoadRegistration(key)
	if err != nil {
		t.Fatal(err)
	}
	reg.ExpiresAt = time.Now().Add(14 * time.Minute)
	if err := c.Cache().StoreRegistration(key, reg); err != nil {
		t.Fatal(err)
	}
	tok, err := c.Login(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.ClientID == reg.ClientID || time.Until(tok.RegistrationExpiresAt) < 24*time.Hour {
		t.Errorf("not registered again: %+v", tok)
	}
}

// TestOneLoginAtATime: two logins of one session at once: the second
// waits for the first and takes its token, without a second prompt.
func TestOneLoginAtATime(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	ap := &approver{t: t, srv: srv}
	slow := login.PrompterFunc(func(ctx context.Context, p *login.Prompt) {
		time.Sleep(300 * time.Millisecond) // the second login arrives meanwhile
		ap.Show(ctx, p)
	})
	var waits []string
	var mu sync.Mutex
	mark := len(srv.Logs())
	var wg sync.WaitGroup
	toks := make([]*login.Token, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 100 * time.Millisecond)
			c := login.New(mySSO(), options(srv, dir, slow), func(o *login.Options) {
				o.OnWait = func(h string) { mu.Lock(); waits = append(waits, h); mu.Unlock() }
			})
			tok, err := c.Login(context.Background())
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		}()
	}
	wg.Wait()
	if ap.count() != 1 || ops(srv, mark, "StartDeviceAuthorization") != 1 {
		t.Errorf("%d prompts, %d device authorizations", ap.count(), ops(srv, mark, "StartDeviceAuthorization"))
	}
	if len(waits) != 1 || !strings.HasPrefix(waits[0], "login by process ") {
		t.Errorf("waits %v", waits)
	}
	if toks[0] == nil || toks[1] == nil || toks[0].AccessToken != toks[1].AccessToken {
		t.Error("the waiting login did not take the first one's token")
	}
}

// browserOverHTTP is a Browser that does what a person does on the
// /authorize page, over plain HTTP: sign in, Allow, follow the redirect
// to the loopback callback.
func browserOverHTTP(t *testing.T, srv *servertest.Server, opened chan<- string) login.Browser {
	return login.BrowserFunc(func(ctx context.Context, authURL string) error {
		opened <- authURL
		go func() {
			jar, _ := cookiejar.New(nil)
			hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := hc.PostForm(srv.URL+"/signin", url.Values{"username": {"alice"}, "password": {password}, "next": {"/device"}})
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			u, _ := url.Parse(authURL)
			resp, err = hc.PostForm(srv.URL+"/authorize", url.Values{"request": {u.RawQuery}, "decision": {"allow"}})
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			loc := resp.Header.Get("Location")
			if !strings.HasPrefix(loc, "http://127.0.0.1:") {
				t.Errorf("consent answered %d %q", resp.StatusCode, loc)
				return
			}
			resp, err = http.Get(loc)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		}()
		return nil
	})
}

// TestPKCELogin: the authorization-code flow with the callback on
// 127.0.0.1, the registration the AWS CLI makes, and a refreshable token.
func TestPKCELogin(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	opened := make(chan string, 1)
	ap := &approver{t: t, srv: srv}
	c := login.New(mySSO(), options(srv, dir, ap), func(o *login.Options) {
		o.Environment = &login.Environment{CanOpenBrowser: true}
		o.Browser = browserOverHTTP(t, srv, opened)
	})
	tok, err := c.Login(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	authURL := <-opened
	u, _ := url.Parse(authURL)
	q := u.Query()
	redirect, _ := url.Parse(q.Get("redirect_uri"))
	if u.Path != "/authorize" || redirect.Hostname() != "127.0.0.1" || redirect.Path != "/oauth/callback" || q.Get("code_challenge_method") != "S256" || q.Get("scopes") != "sso:account:access" {
		t.Errorf("authorize URL %s", authURL)
	}
	if ap.count() != 1 || ap.prompts[0].Flow != login.FlowPKCE || !ap.prompts[0].BrowserOpened {
		t.Errorf("prompt %+v", ap.prompts)
	}
	reg := readJSON(t, filepath.Join(dir, "sso", "cache", login.RegistrationKey(servertest.StartURL, "us-east-1", login.DefaultScopes, "my-sso")+".json"))
	if g, _ := reg["grantTypes"].([]any); len(g) != 2 || g[0] != "authorization_code" {
		t.Errorf("registration %v", reg)
	}
	if tok.RefreshToken == "" {
		t.Error("no refresh token")
	}
	setExpiry(t, c, time.Now().Add(time.Minute))
	if nt, err := c.Token(context.Background()); err != nil || nt.AccessToken == tok.AccessToken {
		t.Errorf("refresh of a PKCE token: %v", err)
	}
}

// TestPKCECallbackChecks: a callback with another state is refused while
// the login keeps waiting; an error ends it; ctx cancels it.
func TestPKCECallbackChecks(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		reply func(redirect string, q url.Values) string
		want  error
	}{
		{"denied", func(r string, q url.Values) string {
			return r + "?error=access_denied&error_description=no&state=" + q.Get("state")
		}, login.ErrAccessDenied},
		{"cancelled", func(r string, q url.Values) string { return "" }, context.Canceled},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		c := login.New(mySSO(), options(srv, dir, nil), func(o *login.Options) {
			o.Flow = login.FlowPKCE
			o.Prompter = login.PrompterFunc(func(pctx context.Context, p *login.Prompt) {
				u, _ := url.Parse(p.URL)
				q := u.Query()
				redirect := q.Get("redirect_uri")
				resp, err := http.Get(redirect + "?code=x&state=forged")
				if err != nil || resp.StatusCode != 400 {
					t.Errorf("forged state: %v %v", err, resp)
				}
				if resp != nil {
					resp.Body.Close()
				}
				if resp, err := http.Get(strings.Replace(redirect, "127.0.0.1", "localhost", 1) + "/../other"); err == nil {
					resp.Body.Close()
				}
				if r := tc.reply(redirect, q); r != "" {
					if resp, err := http.Get(r); err == nil {
						resp.Body.Close()
					}
				} else {
					cancel()
				}
				<-pctx.Done()
			})
		})
		_, err := c.Login(ctx)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
		cancel()
	}
}

// TestRoleCredentials: credentials through the portal, cached in the AWS
// CLI's format and reused; logout ends the session.
func TestRoleCredentials(t *testing.T) {
	t.Parallel()
	srv := newServer(t, servertest.WithConfig(func(c *server.Config) {
		c.Issuer = rolecreds.New(rolecreds.Config{Static: map[string]rolecreds.Static{"222222222222": {AccessKeyID: "AKIASTATICEXAMPLE", SecretAccessKey: "static-secret"}}})
		c.Directory = server.Directory{
			Accounts:       []dom.Account{{ID: "222222222222", Name: "Sandbox", Source: dom.SourceStatic}},
			PermissionSets: []dom.PermissionSet{{Name: "ReadOnly", SessionDuration: 2 * time.Hour}},
			Assignments:    []server.AssignmentDecl{{AccountID: "222222222222", PermissionSet: "ReadOnly", Group: "devs"}},
		}
	}))
	dir := t.TempDir()
	ctx := context.Background()
	c := login.New(mySSO(), options(srv, dir, &approver{t: t, srv: srv}), func(o *login.Options) { o.AutoLogin = true })
	// AutoLogin: the first call signs in.
	creds, err := c.CredentialsProvider("222222222222", "ReadOnly").Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKeyID != "AKIASTATICEXAMPLE" || !creds.CanExpire || time.Until(creds.Expires) < time.Hour {
		t.Errorf("credentials %+v", creds)
	}
	path := filepath.Join(dir, "cli", "cache", login.RoleCredentialsKey("222222222222", "ReadOnly", "my-sso", "")+".json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"ProviderType": "sso", "Credentials": {"AccessKeyId": "AKIASTATICEXAMPLE", "SecretAccessKey": "static-secret", "SessionToken": `) ||
		!strings.HasSuffix(string(b), `Z", "AccountId": "222222222222"}}`) {
		t.Errorf("cache file %s", b)
	}
	mark := len(srv.Logs())
	if again, err := c.RoleCredentials(ctx, "222222222222", "ReadOnly"); err != nil || again.AccessKeyID != creds.AccessKeyID || ops(srv, mark, "GetRoleCredentials") != 0 {
		t.Errorf("cache not used: %v", err)
	}
	ts := c.TokenSource(ctx)
	ot, err := ts.Token()
	if err != nil || ot.AccessToken == "" {
		t.Fatal(err)
	}
	if err := c.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CachedToken(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("token file after logout: %v", err)
	}
	if err := c.RemoveRoleCredentials("222222222222", "ReadOnly"); err != nil {
		t.Fatal(err)
	}
	if ops(srv, mark, "Logout") != 1 {
		t.Error("no portal Logout")
	}
}
