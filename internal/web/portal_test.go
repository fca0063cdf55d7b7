package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// fakePortal is a Portal with two accounts of alice's: Production (STS,
// console) with Admin and ReadOnly, Sandbox (fixed credentials whose
// secret has characters every shell treats specially, and no session
// token).
type fakePortal struct {
	mu      sync.Mutex
	console []string // account/role of every ConsoleURL
}

const weirdSecret = `se'cr"et$HOME&x%PATH%`

func (p *fakePortal) Accounts(ctx context.Context, u sso.User) ([]PortalAccount, error) {
	if u.ID != aliceID {
		return nil, nil
	}
	return []PortalAccount{
		{ID: "222222222222", Name: "Sandbox", Roles: []string{"ReadOnly"}},
		{ID: "111111111111", Name: "Production", Email: "prod@example.com", Roles: []string{"Admin", "Read&Only"}, Console: true},
	}, nil
}

func (p *fakePortal) Credentials(ctx context.Context, u sso.User, accountID, role string) (RoleCredentials, error) {
	switch {
	case accountID == "111111111111" && role == "Admin":
		return RoleCredentials{AccountID: accountID, AccountName: "Production", Role: role, AccessKeyID: "ASIAEXAMPLE",
			SecretAccessKey: "se/cr+et", SessionToken: "tok/en=", Expiration: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}, nil
	case accountID == "222222222222" && role == "ReadOnly":
		return RoleCredentials{AccountID: accountID, AccountName: "Sandbox", Role: role, AccessKeyID: "AKIAFIXED",
			SecretAccessKey: weirdSecret, Expiration: time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC), Fixed: true}, nil
	case accountID == "333333333333":
		return RoleCredentials{}, &sso.Error{Code: sso.CodeTooManyRequests, Message: "too many", RetryAfter: 10 * time.Second}
	case accountID == "444444444444":
		return RoleCredentials{}, &sso.Error{Code: sso.CodeInternal, Message: "internal", Err: errDisk}
	}
	return RoleCredentials{}, sso.Errorf(sso.CodeResourceNotFound, "no role %s in %s", role, accountID)
}

func (p *fakePortal) ConsoleURL(ctx context.Context, u sso.User, accountID, role string) (string, error) {
	if _, err := p.Credentials(ctx, u, accountID, role); err != nil {
		return "", err
	}
	p.mu.Lock()
	p.console = append(p.console, accountID+"/"+role)
	p.mu.Unlock()
	return "https://signin.aws.amazon.com/federation?Action=login&SigninToken=x", nil
}

func (p *fakePortal) Applications(ctx context.Context, u sso.User) ([]PortalApplication, error) {
	return []PortalApplication{{Name: "Wiki", Description: "the team's wiki", URL: "https://wiki.example.com/"}}, nil
}

// fakeSecurity is a Security for alice: one browser session besides the
// test client's, one tool's.
type fakeSecurity struct {
	mu      sync.Mutex
	ended   []string
	changed []string // new passwords
	all     int
	noPw    bool
}

func (s *fakeSecurity) HasPassword(ctx context.Context, u sso.User) (bool, error) {
	return !s.noPw, nil
}

func (s *fakeSecurity) ChangePassword(ctx context.Context, u sso.User, current, next, remoteAddr, keepCookie string) error {
	if sso.ActorFrom(ctx).ID != u.ID {
		return sso.Errorf(sso.CodeInternal, "no actor")
	}
	switch {
	case current != alicePassword:
		return sso.Errorf(sso.CodeAccessDenied, "Your current password is not right.")
	case len(next) < 8:
		return sso.Errorf(sso.CodeInvalidRequest, "A password has at least 8 characters.")
	}
	s.mu.Lock()
	s.changed = append(s.changed, next)
	s.mu.Unlock()
	return nil
}

func (s *fakeSecurity) Sessions(ctx context.Context, u sso.User, cookie string) ([]BrowserSession, []ToolSession, error) {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	return []BrowserSession{
			{ID: "b0000000000000000000000000000001", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/130.0",
				Address: "192.0.2.1", CreatedAt: t0, ExpiresAt: t0.Add(8 * time.Hour), Current: cookie != ""},
			{ID: "b0000000000000000000000000000002", UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/604.1",
				Address: "2001:db8:1::/64", CreatedAt: t0.Add(-24 * time.Hour), ExpiresAt: t0.Add(-16 * time.Hour)}},
		[]ToolSession{{ID: "f0000000000000000000000000000001", ClientName: "botocore-client-my-sso", CreatedAt: t0,
			LastUsed: t0.Add(30 * time.Minute), ExpiresAt: t0.Add(8 * time.Hour), Refreshable: true}}, nil
}

func (s *fakeSecurity) end(id string) error {
	if !strings.HasPrefix(id, "b0") && !strings.HasPrefix(id, "f0") {
		return sso.Errorf(sso.CodeResourceNotFound, "no session")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = append(s.ended, id)
	return nil
}

func (s *fakeSecurity) EndBrowser(ctx context.Context, u sso.User, id string) error { return s.end(id) }
func (s *fakeSecurity) EndTool(ctx context.Context, u sso.User, id string) error    { return s.end(id) }
func (s *fakeSecurity) EndAll(ctx context.Context, u sso.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all++
	return nil
}

// withPortal serves the portal and the Security page over fakes.
func withPortal(p *fakePortal, sec *fakeSecurity) siteOption {
	return func(o *Options) {
		o.Portal, o.Security = p, sec
		o.StartURLs, o.Region, o.PublicURL = []string{"https://d-1234567890.awsapps.com/start"}, "eu-west-1", "http://sso.test"
	}
}

func TestPortalPages(t *testing.T) {
	p, sec := &fakePortal{}, &fakeSecurity{}
	s := newSite(t, withPortal(p, sec))
	creds := "/start/credentials?account_id=111111111111&role_name=Admin"
	fixed := "/start/credentials?account_id=222222222222&role_name=ReadOnly"
	for _, tc := range []struct {
		name     string
		signedIn bool
		target   string
		header   []string
		status   int
		location string
		want     []string
		dontWant []string
	}{
		{name: "signed out", target: "/start", status: 303, location: "/signin?next=%2Fstart"},
		{name: "credentials, signed out", target: creds, status: 303, location: "/signin?next=" + url.QueryEscape(creds)},
		{name: "accounts", signedIn: true, target: "/start", status: 200,
			want: []string{"<title>AWS access portal · ssooidc</title>", `<html lang="en">`, "Your AWS access",
				// Sorted by name, Production first; both open (a few accounts).
				`<span class="acct-name">Production</span>`, "prod@example.com", "2 accounts shown of 2",
				`href="/start/credentials?account_id=111111111111&amp;role_name=Read%26Only"`,
				`href="/start/console?account_id=111111111111&amp;role_name=Admin"`, "<details open>",
				`<script src="` + scriptPath + `" defer></script>`, `aria-current="page">Accounts</a>`,
				`href="https://wiki.example.com/"`, "the team&#39;s wiki", `data-search="production 111111111111 prod@example.com"`},
			dontWant: []string{`console?account_id=222222222222`, "<script>"}},
		{name: "filtered", signedIn: true, target: "/start?q=PROD+1111", status: 200,
			want:     []string{"1 account shown of 2", `value="PROD 1111"`, "<details open>"},
			dontWant: []string{"Sandbox"}},
		{name: "filtered, none", signedIn: true, target: "/start?q=" + url.QueryEscape(`"><b>x`), status: 200,
			want:     []string{"No account matches &ldquo;&#34;&gt;&lt;b&gt;x&rdquo;", `href="/start">Show all accounts`},
			dontWant: []string{"<b>x"}},
		{name: "credentials", signedIn: true, target: creds, status: 200,
			want: []string{"Command line access", "Role <strong>Admin</strong> in <strong>Production</strong>",
				"export AWS_ACCESS_KEY_ID=&#39;ASIAEXAMPLE&#39;", "export AWS_SESSION_TOKEN=&#39;tok/en=&#39;",
				"$Env:AWS_SECRET_ACCESS_KEY=&#39;se/cr&#43;et&#39;", "set AWS_SESSION_TOKEN=tok/en=",
				"[111111111111_Admin]\naws_access_key_id = ASIAEXAMPLE", "aws_session_token = tok/en=",
				"at 10:00 UTC on 1 March, in 60 minutes", `datetime="2026-03-01T10:00:00Z"`,
				"https://d-1234567890.awsapps.com/start", "sso_region = eu-west-1", "[profile Admin-111111111111]",
				"sso_account_id = 111111111111", "export AWS_ENDPOINT_URL_SSO_OIDC=http://sso.test", "--profile Admin-111111111111",
				`data-copy="bash or zsh (macOS and Linux)"`, `tabindex="0"`}},
		{name: "fixed credentials: quoted, no session token", signedIn: true, target: fixed, status: 200,
			want: []string{"fixed credentials: they do not expire",
				"export AWS_SECRET_ACCESS_KEY=&#39;se&#39;\\&#39;&#39;cr&#34;et$HOME&amp;x%PATH%&#39;",
				"$Env:AWS_SECRET_ACCESS_KEY=&#39;se&#39;&#39;cr&#34;et$HOME&amp;x%PATH%&#39;",
				"set &#34;AWS_SECRET_ACCESS_KEY=se&#39;cr&#34;et$HOME&amp;x%PATH%&#34;"},
			dontWant: []string{"AWS_SESSION_TOKEN", "aws_session_token", "These credentials expire"}},
		{name: "no such role", signedIn: true, target: "/start/credentials?account_id=999999999999&role_name=Admin", status: 404,
			want: []string{"No such role", `href="/start">Back to your accounts`}},
		{name: "not a role", signedIn: true, target: "/start/credentials?account_id=abc&role_name=Admin", status: 400,
			want: []string{"Choose a role"}},
		{name: "too many", signedIn: true, target: "/start/credentials?account_id=333333333333&role_name=Admin", status: 429,
			want: []string{"Wait a moment"}},
		{name: "internal", signedIn: true, target: "/start/credentials?account_id=444444444444&role_name=Admin", status: 500,
			want: []string{"Something went wrong", `href="/start"`}, dontWant: []string{"sqlite", "malformed"}},
		{name: "console", signedIn: true, target: "/start/console?account_id=111111111111&role_name=Admin",
			header: []string{"Sec-Fetch-Site", "same-origin"}, status: 303,
			location: "https://signin.aws.amazon.com/federation?Action=login&SigninToken=x"},
		{name: "console, typed", signedIn: true, target: "/start/console?account_id=111111111111&role_name=Admin",
			header: []string{"Sec-Fetch-Site", "none"}, status: 303,
			location: "https://signin.aws.amazon.com/federation?Action=login&SigninToken=x"},
		{name: "console from another site", signedIn: true, target: "/start/console?account_id=111111111111&role_name=Admin",
			header: []string{"Sec-Fetch-Site", "cross-site"}, status: 403, want: []string{"Open the console from your portal"}},
		{name: "script", target: scriptPath, status: 200, want: []string{"navigator.clipboard"}},
		{name: "other script", target: "/static/js/portal.0000.js", status: 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := s.client(t, false)
			if tc.signedIn {
				c = s.signedIn(t, false)
			}
			r := do(t, c, "GET", s.srv.URL+tc.target, nil, tc.header...)
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.StatusCode, tc.status, r.body)
			}
			if tc.location != "" && r.Header.Get("Location") != tc.location {
				t.Errorf("Location %q, want %q", r.Header.Get("Location"), tc.location)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, w := range tc.dontWant {
				if strings.Contains(r.body, w) {
					t.Errorf("body has %q", w)
				}
			}
			if t.Failed() && tc.status == 200 {
				t.Log(r.body)
			}
		})
	}
	if len(p.console) != 2 {
		t.Errorf("console sign-ins: %v (the cross-site one must not make credentials)", p.console)
	}
}

// TestPortalScriptPolicy: pages with the script allow it by URL only (no
// inline script, no eval); the others allow none.
func TestPortalScriptPolicy(t *testing.T) {
	s := newSite(t, withPortal(&fakePortal{}, &fakeSecurity{}))
	c := s.signedIn(t, false)
	for target, want := range map[string]string{
		"/start":    "default-src 'none'; script-src 'self'; style-src 'self'",
		"/security": "default-src 'none'; style-src 'self'",
		"/device":   "default-src 'none'; style-src 'self'",
	} {
		r := do(t, c, "GET", s.srv.URL+target, nil)
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.HasPrefix(csp, want) || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", target, csp)
		}
		if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " onclick") {
			t.Errorf("%s has inline script", target)
		}
	}
}

func TestStartPaths(t *testing.T) {
	got := startPaths("https://sso.example.com", []string{"https://d-1234567890.awsapps.com/start",
		"https://sso.example.com/portal", "https://SSO.example.com/start", "https://sso.example.com/a/../b",
		"https://sso.example.com/{x}", "https://sso.example.com/", "https://sso.example.com/team/a-1_b.c"})
	want := []string{"/portal", "/start", "/team/a-1_b.c"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("startPaths = %v, want %v", got, want)
	}
	// A start URL on this server at /portal serves the portal; one whose
	// path a page has already (/device) does not take it over.
	s := newSite(t, withPortal(&fakePortal{}, &fakeSecurity{}), func(o *Options) {
		o.PublicURL = "http://sso.test"
		o.StartURLs = []string{"http://sso.test/portal", "http://sso.test/device"}
	})
	c := s.signedIn(t, false)
	if r := do(t, c, "GET", s.srv.URL+"/portal", nil); r.StatusCode != 200 || !strings.Contains(r.body, "Your AWS access") {
		t.Errorf("/portal: %d", r.StatusCode)
	}
	if r := do(t, c, "GET", s.srv.URL+"/device", nil); !strings.Contains(r.body, "Sign in a device") {
		t.Errorf("/device was taken over: %d", r.StatusCode)
	}
	if !strings.Contains(s.logs.String(), "a start URL's path is served by another page") {
		t.Error("the clash was not logged")
	}
}

func TestSecurityPage(t *testing.T) {
	sec := &fakeSecurity{}
	s := newSite(t, withPortal(&fakePortal{}, sec), func(o *Options) {
		o.FactorCount = func(ctx context.Context, userID string) (int, error) { return 2, nil }
	})
	c := s.signedIn(t, false)
	r := do(t, c, "GET", s.srv.URL+"/security", nil)
	for _, w := range []string{"<title>Security · ssooidc</title>", `action="/security/password"`, `autocomplete="new-password"`,
		"Firefox on Linux", "This browser", "192.0.2.1", "Safari on iPhone", "botocore-client-my-sso",
		"Refreshes its tokens until it ends", "Last refreshed", "1 Mar 2026, 08:30 UTC (30 minutes ago)",
		"1 Mar 2026, 16:00 UTC (in 7 hours)", `name="kind" value="tool"`, `name="id" value="f0000000000000000000000000000001"`,
		"You have 2 second factors.", `href="/security/mfa"`, "Sign out everywhere", `aria-current="page">Security</a>`} {
		if !strings.Contains(r.body, w) {
			t.Errorf("the Security page lacks %q", w)
		}
	}
	if t.Failed() {
		t.Log(r.body)
	}
	origin := []string{"Origin", s.srv.URL}
	post := func(path string, form url.Values) response {
		return do(t, c, "POST", s.srv.URL+path, form, origin...)
	}
	pw := func(cur, n1, n2 string) url.Values {
		return url.Values{"current_password": {cur}, "new_password": {n1}, "new_password_again": {n2}}
	}
	for _, tc := range []struct {
		form   url.Values
		status int
		want   string
	}{
		{pw("", "a", "a"), 400, msgPasswordMissing},
		{pw(alicePassword, "new secret one", "new secret two"), 400, msgPasswordsDiffer},
		{pw("wrong", "new secret one", "new secret one"), 403, "Your current password is not right."},
		{pw(alicePassword, "short", "short"), 400, "at least 8 characters"},
	} {
		r := post("/security/password", tc.form)
		if r.StatusCode != tc.status || !strings.Contains(r.body, tc.want) || !strings.Contains(r.body, `role="alert"`) {
			t.Errorf("password form %v: %d, lacks %q", tc.form, r.StatusCode, tc.want)
		}
	}
	r = post("/security/password", pw(alicePassword, "new secret one", "new secret one"))
	if r.StatusCode != 303 || r.Header.Get("Location") != "/security?done=password" || len(sec.changed) != 1 {
		t.Errorf("password change: %d %q %v", r.StatusCode, r.Header.Get("Location"), sec.changed)
	}
	if r := do(t, c, "GET", s.srv.URL+"/security?done=password", nil); !strings.Contains(r.body, msgPasswordChanged) {
		t.Error("no confirmation after the change")
	}
	if r := do(t, c, "GET", s.srv.URL+"/security?done=%3Cb%3Eowned", nil); strings.Contains(r.body, "owned") {
		t.Error("?done= text reached the page")
	}
	r = post("/security/sessions/end", url.Values{"kind": {"tool"}, "id": {"f0000000000000000000000000000001"}})
	if r.StatusCode != 303 || r.Header.Get("Location") != "/security?done=tool" {
		t.Errorf("ending a tool: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	r = post("/security/sessions/end", url.Values{"kind": {"browser"}, "id": {"nope"}})
	if r.StatusCode != 404 || !strings.Contains(r.body, "had ended already") {
		t.Errorf("ending an unknown session: %d", r.StatusCode)
	}
	if r := post("/security/sessions/end", url.Values{"kind": {"other"}, "id": {"b0"}}); r.StatusCode != 400 {
		t.Errorf("a bad kind: %d", r.StatusCode)
	}
	// Another site cannot end sessions (CSRF).
	r = do(t, c, "POST", s.srv.URL+"/security/sessions/end-all", url.Values{}, "Origin", "https://evil.example")
	if r.StatusCode != 403 || sec.all != 0 {
		t.Errorf("cross-site sign out everywhere: %d, %d ended", r.StatusCode, sec.all)
	}
	r = post("/security/sessions/end-all", url.Values{})
	if r.StatusCode != 200 || sec.all != 1 || !strings.Contains(r.body, "You are signed out everywhere") ||
		!strings.Contains(r.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("sign out everywhere: %d, %d, %q", r.StatusCode, sec.all, r.Header.Get("Set-Cookie"))
	}
	if len(sec.ended) != 1 {
		t.Errorf("ended %v", sec.ended)
	}

	// A person with no password here: no form.
	sec.noPw = true
	r = do(t, s.signedIn(t, false), "GET", s.srv.URL+"/security", nil)
	if strings.Contains(r.body, `action="/security/password"`) || !strings.Contains(r.body, "your password is kept and changed there") {
		t.Error("the password form shows for a person without a password here")
	}
}

func TestBrowserName(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0": "Edge on Windows",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15":            "Safari on macOS",
		"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36":                      "Chrome on Android",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/130.0 Safari/537.36":                     "Headless Chrome on Linux",
		"curl/8.5.0": "curl",
		"":           "Unknown browser",
		"something":  "A browser",
	} {
		if got := browserName(ua); got != want {
			t.Errorf("browserName(%q) = %q, want %q", ua, got, want)
		}
	}
}

// TestNotFound: a person's browser gets a page, an API client the AWS
// error its SDK reads.
func TestNotFound(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-ErrorType", "InvalidRequestException")
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"__type":"InvalidRequestException"}`))
	})
	for _, withPortal := range []bool{false, true} {
		o := Options{People: newFakePeople(time.Now)}
		if withPortal {
			o.Portal = &fakePortal{}
		}
		h := New(o).NotFound(api)
		for _, c := range []struct {
			method string
			header []string
			page   bool
		}{
			{"GET", []string{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, true},
			{"HEAD", []string{"Accept", "text/html"}, true},
			{"GET", []string{"Accept", "application/xhtml+xml"}, true},
			{"GET", nil, false},
			{"GET", []string{"Accept", "*/*"}, false},
			{"GET", []string{"Accept", "application/json"}, false},
			{"POST", []string{"Accept", "text/html"}, false},
			{"GET", []string{"Accept", "text/html", "X-Amz-Target", "AWSIdentityStore.ListUsers"}, false},
			{"GET", []string{"Accept", "text/html", "x-amz-sso_bearer_token", "tok"}, false},
			{"GET", []string{"Accept", "text/html", "Authorization", "AWS4-HMAC-SHA256 ..."}, false},
		} {
			req := httptest.NewRequest(c.method, "/no/such/page", nil)
			for i := 0; i+1 < len(c.header); i += 2 {
				req.Header.Set(c.header[i], c.header[i+1])
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.String()
			if c.page {
				link := `href="/device"`
				if withPortal {
					link = `href="/start"`
				}
				if rec.Code != 404 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
					(c.method == "GET" && (!strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "<title>Page not found · ssooidc</title>") ||
						!strings.Contains(body, link))) {
					t.Errorf("%s %v: %d %q\n%s", c.method, c.header, rec.Code, rec.Header().Get("Content-Type"), body)
				}
			} else if rec.Code != 400 || rec.Header().Get("X-Amzn-ErrorType") != "InvalidRequestException" {
				t.Errorf("%s %v: %d, not the API's answer", c.method, c.header, rec.Code)
			}
		}
	}
}

// fakeAuthorizer knows one client, "good", whose redirect URI is the AWS
// CLI's loopback listener.
type fakeAuthorizer struct{}

func (fakeAuthorizer) Prompt(ctx context.Context, q url.Values) (AuthorizePrompt, string, error) {
	switch q.Get("client_id") {
	case "good":
		return AuthorizePrompt{ClientName: "botocore-client-my-sso", Scopes: []string{"sso:account:access", "app:custom"},
			RedirectURI: "http://127.0.0.1:4321/oauth/callback"}, "", nil
	case "expired":
		return AuthorizePrompt{}, "", sso.Errorf(sso.CodeInvalidClient, "the application's registration has expired; start the login again from it")
	case "":
		return AuthorizePrompt{}, "", sso.Errorf(sso.CodeInvalidRequest, "the request has no client_id")
	}
	return AuthorizePrompt{}, "", sso.Errorf(sso.CodeInvalidClient, "the application that sent you here is not registered; start the login again from it")
}

func (fakeAuthorizer) Decide(ctx context.Context, q url.Values, userID string, approve bool) (string, error) {
	return "http://127.0.0.1:4321/oauth/callback?code=x", nil
}

// TestAuthorizeLooseEnds: the /authorize consent page asks no code it does
// not show and says where the answer goes and what the scopes grant; a
// request it cannot answer is explained in sentences, and its link leads
// somewhere (the portal), never to the device flow's code page.
func TestAuthorizeLooseEnds(t *testing.T) {
	for _, portal := range []bool{true, false} {
		s := newSite(t, func(o *Options) {
			o.Authorizer = fakeAuthorizer{}
			if portal {
				o.Portal, o.Security = &fakePortal{}, &fakeSecurity{}
			}
		})
		c := s.signedIn(t, false)
		r := do(t, c, "GET", s.srv.URL+"/authorize?client_id=good&response_type=code", nil)
		for _, w := range []string{"Allow this application?", "Your answer goes to", "this computer (127.0.0.1:4321)",
			"See your AWS accounts and roles, and get credentials for them", "<code>sso:account:access</code>",
			"Access the application calls \u201capp:custom\u201d", "If you did not, or you do not know this application, choose Deny."} {
			if !strings.Contains(r.body, w) {
				t.Errorf("the consent page lacks %q", w)
			}
		}
		if strings.Contains(r.body, "this code") {
			t.Error("the consent page talks of a code it does not show")
		}
		for q, want := range map[string]string{
			"client_id=nope":     "The application that sent you here is not registered with this server. Start the login again from your application (for the AWS CLI, run aws sso login again).",
			"client_id=expired":  "The application&#39;s registration has expired.",
			"response_type=code": "This sign-in link is incomplete or damaged (the request has no client_id).",
		} {
			r := do(t, c, "GET", s.srv.URL+"/authorize?"+q, nil)
			if r.StatusCode != 400 || !strings.Contains(r.body, want) || !strings.Contains(r.body, "This sign-in request is not valid") {
				t.Errorf("/authorize?%s: %d, lacks %q\n%s", q, r.StatusCode, want, r.body)
			}
			if strings.Contains(r.body, `href="/device"`) {
				t.Errorf("/authorize?%s links to the device code page, a dead end here", q)
			}
			if portal != strings.Contains(r.body, `href="/start">Go to your AWS access portal`) {
				t.Errorf("/authorize?%s, portal %v: the link to the portal", q, portal)
			}
		}
	}
}

func TestReturnsTo(t *testing.T) {
	for uri, want := range map[string]string{
		"http://127.0.0.1:4321/oauth/callback": "this computer (127.0.0.1:4321)",
		"http://[::1]:8080/cb":                 "this computer ([::1]:8080)",
		"https://app.example.com/callback":     "app.example.com",
		"com.example.app:/cb":                  "the app that opens com.example.app: links",
		"::::":                                 "",
	} {
		if got := returnsTo(uri); got != want {
			t.Errorf("returnsTo(%q) = %q, want %q", uri, got, want)
		}
	}
}
