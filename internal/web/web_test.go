package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestPages walks every page state: what each request answers, where it
// redirects, and what the page says.
func TestPages(t *testing.T) {
	consentGood := "/device/consent?user_code=BCDF-GHJK"
	tests := []struct {
		name     string
		signedIn bool
		method   string
		target   string
		form     url.Values
		status   int
		location string   // for redirects
		want     []string // in the body
		dontWant []string
	}{
		{name: "code page", method: "GET", target: "/device", status: 200,
			want: []string{`<label for="user_code">Code</label>`, `id="user_code" name="user_code"`, `>Continue</button>`,
				`<html lang="en">`, `<title>Sign in a device · ssooidc</title>`, `value=""`},
			dontWant: []string{"Sign out", `role="alert"`}},
		{name: "code page prefilled", method: "GET", target: "/device?user_code=BCDF-GHJK", status: 200,
			want: []string{`value="BCDF-GHJK"`}},
		{name: "code page escapes", method: "GET", target: "/device?user_code=" + url.QueryEscape(`"><script>x</script>`), status: 200,
			want: []string{`value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"`}, dontWant: []string{"<script>"}},
		{name: "code page signed in", signedIn: true, method: "GET", target: "/device", status: 200,
			want: []string{"Signed in as <strong>Alice Liddell (alice)</strong>", `action="/signout"`, `>Sign out</button>`,
				`name="next" value="/device"`}},
		{name: "empty code", method: "POST", target: "/device", form: url.Values{"user_code": {"  "}}, status: 400,
			want: []string{`role="alert"`, msgEnterCode, `aria-invalid="true"`}},
		{name: "wrong code", signedIn: true, method: "POST", target: "/device", form: url.Values{"user_code": {"BBBB-BBBB"}}, status: 400,
			want: []string{msgInvalidCode, `value="BBBB-BBBB"`}},
		{name: "wrong code, signed out", method: "POST", target: "/device", form: url.Values{"user_code": {"BBBB-BBBB"}}, status: 303,
			location: "/signin?next=" + url.QueryEscape("/device/consent?user_code=BBBB-BBBB")},
		{name: "not a code", signedIn: true, method: "POST", target: "/device", form: url.Values{"user_code": {"hello!"}}, status: 400,
			want: []string{msgInvalidCode}},
		{name: "not a code, signed out", method: "POST", target: "/device", form: url.Values{"user_code": {"hello!"}}, status: 303,
			location: "/signin?next=" + url.QueryEscape("/device/consent?user_code="+url.QueryEscape("hello!"))},
		{name: "expired code", signedIn: true, method: "POST", target: "/device", form: url.Values{"user_code": {"vwxz-bcdf"}}, status: 400,
			want: []string{msgExpiredCode}},
		{name: "backend failure", signedIn: true, method: "POST", target: "/device", form: url.Values{"user_code": {"ZZZZZZZZ"}}, status: 500,
			want: []string{"Something went wrong", "Try again in a moment", `href="/device"`}, dontWant: []string{"sqlite", "malformed", "internal"}},
		{name: "good code, signed out", method: "POST", target: "/device", form: url.Values{"user_code": {"bcdf ghjk"}}, status: 303,
			location: "/signin?next=" + url.QueryEscape(consentGood)},
		{name: "good code, look-alikes", method: "POST", target: "/device", form: url.Values{"user_code": {"8cdf6hjk"}}, status: 303,
			location: "/signin?next=" + url.QueryEscape(consentGood)},
		{name: "good code, signed in", signedIn: true, method: "POST", target: "/device", form: url.Values{"user_code": {"bcdfghjk"}}, status: 303,
			location: consentGood},
		{name: "consent, signed out", method: "GET", target: consentGood, status: 303,
			location: "/signin?next=" + url.QueryEscape(consentGood)},
		{name: "consent", signedIn: true, method: "GET", target: consentGood, status: 200,
			want: []string{"Allow this device?", `<p class="code" aria-labelledby="code-label">BCDF-GHJK</p>`, "<strong>AWS CLI</strong>",
				"<li><span>See your AWS accounts and roles, and get credentials for them</span> <code>sso:account:access</code></li>",
				"<li><span>Amazon Q Developer: suggest code</span> <code>codewhisperer:completions</code></li>", "https://d-1234567890.awsapps.com/start",
				"in 10 minutes", `action="/device/decide"`, `name="user_code" value="BCDF-GHJK"`,
				`name="decision" value="deny" class="secondary">Deny</button>`, `name="decision" value="allow" class="primary">Allow</button>`,
				`name="next" value="/device/consent?user_code=BCDF-GHJK"`},
			dontWant: []string{"no scope in particular"}},
		{name: "consent, no scopes", signedIn: true, method: "GET", target: "/device/consent?user_code=lmnp-qrst", status: 200,
			want: []string{"(it asked for no scope in particular)", "An application that gave no name", "LMNP-QRST"}},
		{name: "consent, wrong code", signedIn: true, method: "GET", target: "/device/consent?user_code=BBBBBBBB", status: 400,
			want: []string{msgInvalidCode, "Signed in as"}},
		{name: "consent, no code", signedIn: true, method: "GET", target: "/device/consent", status: 400,
			want: []string{msgEnterCode}},
		{name: "sign-in page", method: "GET", target: "/signin?next=" + url.QueryEscape(consentGood), status: 200,
			want: []string{`<label for="username">Username</label>`, `<label for="password">Password</label>`, `>Sign in</button>`,
				`name="next" value="/device/consent?user_code=BCDF-GHJK"`, `type="password"`, `autocomplete="current-password"`}},
		{name: "sign-in page, bad next", method: "GET", target: "/signin?next=" + url.QueryEscape("https://evil.example/"), status: 200,
			want: []string{`name="next" value="/device"`}, dontWant: []string{"evil"}},
		{name: "sign-in page, signed in", signedIn: true, method: "GET", target: "/signin?next=" + url.QueryEscape(consentGood), status: 303,
			location: consentGood},
		{name: "sign in, wrong password", method: "POST", target: "/signin",
			form: url.Values{"username": {"alice"}, "password": {"hunter2hunter2"}, "next": {consentGood}}, status: 401,
			want:     []string{msgWrongCreds, `value="alice"`, `name="next" value="/device/consent?user_code=BCDF-GHJK"`},
			dontWant: []string{"hunter2"}},
		{name: "sign in, unknown user", method: "POST", target: "/signin",
			form: url.Values{"username": {"mallory"}, "password": {"whatever1"}}, status: 401, want: []string{msgWrongCreds}},
		{name: "sign in, throttled", method: "POST", target: "/signin",
			form: url.Values{"username": {"locked"}, "password": {"whatever1"}}, status: 429, want: []string{msgSignInLimited}},
		{name: "sign in, busy", method: "POST", target: "/signin",
			form: url.Values{"username": {"busy"}, "password": {"whatever1"}}, status: 429, want: []string{"The server is busy."}},
		{name: "sign in, empty", method: "POST", target: "/signin", form: url.Values{"username": {"alice"}}, status: 400,
			want: []string{msgMissingCreds}},
		{name: "sign in, backend failure", method: "POST", target: "/signin",
			form: url.Values{"username": {"broken"}, "password": {"whatever1"}}, status: 500,
			want: []string{"Something went wrong"}, dontWant: []string{"sqlite"}},
		{name: "sign in", method: "POST", target: "/signin",
			form: url.Values{"username": {"alice"}, "password": {alicePassword}, "next": {consentGood}}, status: 303, location: consentGood},
		{name: "sign in, open redirect", method: "POST", target: "/signin",
			form: url.Values{"username": {"alice"}, "password": {alicePassword}, "next": {"//evil.example/x"}}, status: 303, location: "/device"},
		{name: "allow", signedIn: true, method: "POST", target: "/device/decide",
			form: url.Values{"user_code": {"BCDF-GHJK"}, "decision": {"allow"}}, status: 200,
			want: []string{"Your device is signed in", "You can close this window", "AWS CLI is now signed in as alice", "status-success"}},
		{name: "deny", signedIn: true, method: "POST", target: "/device/decide",
			form: url.Values{"user_code": {"LMNPQRST"}, "decision": {"deny"}}, status: 200,
			want: []string{"Request denied", "the device was not signed in", "You can close this window", "status-denied"}},
		{name: "decide, bad decision", signedIn: true, method: "POST", target: "/device/decide",
			form: url.Values{"user_code": {"BCDF-GHJK"}, "decision": {"maybe"}}, status: 400, want: []string{msgBadDecision}},
		{name: "decide, wrong code", signedIn: true, method: "POST", target: "/device/decide",
			form: url.Values{"user_code": {"BBBBBBBB"}, "decision": {"allow"}}, status: 400, want: []string{msgInvalidCode}},
		{name: "decide, signed out", method: "POST", target: "/device/decide",
			form: url.Values{"user_code": {"BCDF-GHJK"}, "decision": {"allow"}}, status: 303,
			location: "/signin?next=" + url.QueryEscape(consentGood)},
		{name: "sign out", signedIn: true, method: "POST", target: "/signout", form: url.Values{"next": {consentGood}}, status: 303,
			location: consentGood},
		{name: "sign out, bad next", method: "POST", target: "/signout", form: url.Values{"next": {"https://evil.example"}}, status: 303,
			location: "/device"},
		{name: "stylesheet", method: "GET", target: cssPath, status: 200, want: []string{":focus-visible", "prefers-color-scheme: dark"}},
		{name: "other static", method: "GET", target: "/static/evil.js", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t)
			c := s.client(t, false)
			if tt.signedIn {
				c = s.signedIn(t, false)
			}
			r := do(t, c, tt.method, s.srv.URL+tt.target, tt.form)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body:\n%s", r.StatusCode, tt.status, r.body)
			}
			if loc := r.Header.Get("Location"); loc != tt.location {
				t.Fatalf("Location %q, want %q", loc, tt.location)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(r.body, w) {
					t.Errorf("body has %q", w)
				}
			}
			if t.Failed() {
				t.Logf("body:\n%s", r.body)
			}
		})
	}
}

// TestFlow goes code -> sign-in -> consent -> Allow with a client that
// follows redirects, as a browser does, and checks the decision and the
// session along the way.
func TestFlow(t *testing.T) {
	s := newSite(t)
	c := s.client(t, true)
	r := do(t, c, "GET", s.srv.URL+"/device?user_code=bcdf-ghjk", nil)
	if !strings.Contains(r.body, `value="bcdf-ghjk"`) {
		t.Fatalf("not prefilled:\n%s", r.body)
	}
	r = do(t, c, "POST", s.srv.URL+"/device", url.Values{"user_code": {"bcdf-ghjk"}})
	if !strings.Contains(r.body, "Username") || !strings.HasPrefix(r.Request.URL.Path, "/signin") {
		t.Fatalf("not asked to sign in (%s):\n%s", r.Request.URL, r.body)
	}
	next := r.Request.URL.Query().Get("next")
	r = do(t, c, "POST", s.srv.URL+"/signin", url.Values{"username": {"alice"}, "password": {alicePassword}, "next": {next}})
	if !strings.Contains(r.body, ">Allow</button>") {
		t.Fatalf("no consent page after sign-in (%s):\n%s", r.Request.URL, r.body)
	}
	// Signed in: a second code goes straight to consent.
	r = do(t, c, "POST", s.srv.URL+"/device", url.Values{"user_code": {"LMNPQRST"}})
	if r.Request.URL.Path != "/device/consent" {
		t.Fatalf("asked to sign in again: %s", r.Request.URL)
	}
	r = do(t, c, "POST", s.srv.URL+"/device/decide", url.Values{"user_code": {"BCDF-GHJK"}, "decision": {"allow"}})
	if !strings.Contains(r.body, "Your device is signed in") {
		t.Fatalf("no done page:\n%s", r.body)
	}
	if got := s.devices.decision(codeGood); got != "approved by "+aliceID {
		t.Fatalf("decision %q", got)
	}
	// Used: the code is no longer valid.
	r = do(t, c, "POST", s.srv.URL+"/device/decide", url.Values{"user_code": {"BCDF-GHJK"}, "decision": {"allow"}})
	if r.StatusCode != 400 || !strings.Contains(r.body, msgInvalidCode) {
		t.Fatalf("a used code: %d\n%s", r.StatusCode, r.body)
	}
	// Sign out ends the session in the backend too.
	r = do(t, c, "POST", s.srv.URL+"/signout", url.Values{"next": {"/device"}})
	if s.people.ended != 1 || len(s.people.cookies()) != 0 {
		t.Fatalf("sign out: %d ended, %d left", s.people.ended, len(s.people.cookies()))
	}
	if strings.Contains(r.body, "Signed in as") {
		t.Fatal("still signed in after Sign out")
	}
}

// TestSignInReplacesSession: signing in ends the session the browser had.
func TestSignInReplacesSession(t *testing.T) {
	s := newSite(t)
	c := s.signedIn(t, false)
	do(t, c, "POST", s.srv.URL+"/signin", url.Values{"username": {"alice"}, "password": {alicePassword}})
	if s.people.ended != 1 || len(s.people.cookies()) != 1 {
		t.Fatalf("%d ended, %d sessions", s.people.ended, len(s.people.cookies()))
	}
}

func TestCookie(t *testing.T) {
	form := url.Values{"username": {"alice"}, "password": {alicePassword}}
	t.Run("plain http", func(t *testing.T) {
		s := newSite(t)
		r := do(t, s.client(t, false), "POST", s.srv.URL+"/signin", form)
		ck := r.Cookies()
		if len(ck) != 1 || ck[0].Name != cookiePlain || !ck[0].HttpOnly || ck[0].Secure ||
			ck[0].SameSite != http.SameSiteLaxMode || ck[0].Path != "/" || ck[0].Domain != "" || ck[0].MaxAge < 8*3600-5 {
			t.Fatalf("cookie %+v", ck)
		}
		if ck[0].Value != s.people.cookies()[0] {
			t.Fatal("the cookie is not the session's value")
		}
	})
	t.Run("https public URL", func(t *testing.T) {
		s := newSite(t, func(o *Options) { o.PublicURL = "https://sso.example.com" })
		r := do(t, s.client(t, false), "POST", s.srv.URL+"/signin", form, "Origin", "https://sso.example.com")
		ck := r.Cookies()
		if r.StatusCode != 303 || len(ck) != 1 || ck[0].Name != cookieSecure || !ck[0].Secure || !ck[0].HttpOnly {
			t.Fatalf("%d cookie %+v", r.StatusCode, ck)
		}
	})
	t.Run("TLS", func(t *testing.T) {
		s := newSite(t)
		ts := httptest.NewTLSServer(s.srv.Config.Handler)
		defer ts.Close()
		c := ts.Client()
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		r := do(t, c, "POST", ts.URL+"/signin", form)
		ck := r.Cookies()
		if len(ck) != 1 || ck[0].Name != cookieSecure || !ck[0].Secure {
			t.Fatalf("cookie %+v", ck)
		}
		// The prefixed cookie is the one read back.
		req, _ := http.NewRequest("GET", ts.URL+"/device", nil)
		req.AddCookie(&http.Cookie{Name: cookieSecure, Value: ck[0].Value})
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		req2, _ := http.NewRequest("GET", ts.URL+"/signin", nil)
		req2.AddCookie(&http.Cookie{Name: cookiePlain, Value: ck[0].Value})
		resp2, err := c.Do(req2)
		if err != nil {
			t.Fatal(err)
		}
		resp2.Body.Close()
		if resp2.StatusCode != 200 {
			t.Fatalf("an unprefixed cookie counts as a session over TLS (%d)", resp2.StatusCode)
		}
	})
}

// TestSecurityHeaders checks the headers of every route, pages and errors.
func TestSecurityHeaders(t *testing.T) {
	s := newSite(t)
	c := s.signedIn(t, false)
	requests := []struct {
		method, target string
		form           url.Values
		page           bool // a page: Cache-Control no-store
	}{
		{"GET", "/device", nil, true},
		{"POST", "/device", url.Values{"user_code": {"BBBBBBBB"}}, true},
		{"POST", "/device", url.Values{"user_code": {"ZZZZZZZZ"}}, true},
		{"GET", "/device/consent?user_code=BCDFGHJK", nil, true},
		{"POST", "/device/decide", url.Values{"user_code": {"LMNPQRST"}, "decision": {"deny"}}, true},
		{"GET", "/signin", nil, true},
		{"POST", "/signin", url.Values{"username": {"x"}, "password": {"y"}}, true},
		{"POST", "/signout", url.Values{}, true},
		{"GET", cssPath, nil, false},
		{"GET", "/static/nope.css", nil, true},
	}
	for _, rq := range requests {
		r := do(t, c, rq.method, s.srv.URL+rq.target, rq.form)
		h := r.Header
		name := rq.method + " " + rq.target
		for k, want := range map[string]string{
			"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
			"X-Frame-Options":         "DENY",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
		} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", name, k, got, want)
			}
		}
		if rq.page && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control = %q", name, h.Get("Cache-Control"))
		}
		if !rq.page && h.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: stylesheet Cache-Control = %q", name, h.Get("Cache-Control"))
		}
		if ct := h.Get("Content-Type"); r.StatusCode != 303 && r.StatusCode != 404 && !strings.HasSuffix(ct, "charset=utf-8") {
			t.Errorf("%s: Content-Type %q", name, ct)
		}
	}
	// The stylesheet revalidates by its ETag.
	r := do(t, c, "GET", s.srv.URL+cssPath, nil, "If-None-Match", `"`+cssHash+`"`)
	if r.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", r.StatusCode)
	}
}

// TestCrossOriginRefused: a form posted from another site is refused
// before the handler runs, whatever the form.
func TestCrossOriginRefused(t *testing.T) {
	forms := map[string]url.Values{
		"/signin":        {"username": {"alice"}, "password": {alicePassword}},
		"/device":        {"user_code": {"BCDFGHJK"}},
		"/device/decide": {"user_code": {"BCDFGHJK"}, "decision": {"allow"}},
		"/signout":       {},
	}
	headers := [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Origin", "https://evil.example"},
		{"Origin", "null"},
	}
	for path, form := range forms {
		for _, hd := range headers {
			s := newSite(t)
			c := s.signedIn(t, false)
			r := do(t, c, "POST", s.srv.URL+path, form, hd...)
			if r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, "Request blocked") {
				t.Errorf("POST %s with %s: %d", path, hd, r.StatusCode)
			}
			if r.Header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("POST %s with %s: the refusal lacks the security headers", path, hd)
			}
			if len(s.people.signIns) != 0 || s.devices.decision(codeGood) != "" || len(s.devices.lookupAddrs()) != 0 || s.people.ended != 0 {
				t.Errorf("POST %s with %s reached the backend", path, hd)
			}
		}
	}
	// Same origin passes.
	s := newSite(t)
	r := do(t, s.client(t, false), "POST", s.srv.URL+"/signin", forms["/signin"],
		"Sec-Fetch-Site", "same-origin", "Origin", s.srv.URL)
	if r.StatusCode != 303 {
		t.Fatalf("same-origin sign-in: %d", r.StatusCode)
	}
}

func TestLocalPath(t *testing.T) {
	good := []string{
		"/", "/device", "/device/consent?user_code=BCDF-GHJK",
		"/authorize?client_id=abc&redirect_uri=http%3A%2F%2F127.0.0.1%3A8400%2F&state=x%2Fy",
	}
	bad := []string{
		"", "device", "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
		"https://evil.example/", "http:/evil.example", "javascript:alert(1)", "/\t/evil.example",
		"/\n/evil.example", "/device#x", " /device", "/de vice", "/device\x00", "/\u00e9",
		"//", "/" + strings.Repeat("a", 2048),
		"/%2F/evil.example", // harmless (the browser keeps %2F in the path), refused anyway
	}
	for _, p := range good {
		if got := localPath(p); got != p {
			t.Errorf("localPath(%q) = %q, want it kept", p, got)
		}
	}
	for _, p := range bad {
		if got := localPath(p); got != "" {
			t.Errorf("localPath(%q) = %q, want it refused", p, got)
		}
	}
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/device", "//x", "/\\x", "/a?b=c", "https://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := localPath(s)
		if p == "" {
			return
		}
		// Whatever passes must resolve to this server, from any base.
		base, _ := url.Parse("https://sso.example.com/device/consent?x=1")
		u, err := base.Parse(p)
		if err != nil || u.Host != "sso.example.com" || u.Scheme != "https" {
			t.Fatalf("localPath(%q) = %q resolves to %v", s, p, u)
		}
	})
}

func TestBodyLimit(t *testing.T) {
	s := newSite(t)
	big := url.Values{"username": {strings.Repeat("a", 20<<10)}, "password": {"x"}}
	r := do(t, s.client(t, false), "POST", s.srv.URL+"/signin", big)
	if r.StatusCode != 400 || !strings.Contains(r.body, msgBadForm) || len(s.people.signIns) != 0 {
		t.Fatalf("oversize form: %d\n%s", r.StatusCode, r.body)
	}
}

func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		remote, xff string
		trust       bool
		want        string
	}{
		{"192.0.2.1:5555", "", false, "192.0.2.1"},
		{"192.0.2.1:5555", "198.51.100.7", false, "192.0.2.1"}, // untrusted peer: header ignored
		{"10.1.2.3:80", "", true, "10.1.2.3"},
		{"10.1.2.3:80", "198.51.100.7", true, "198.51.100.7"},
		{"10.1.2.3:80", "6.6.6.6, 198.51.100.7, 10.9.9.9", true, "198.51.100.7"}, // forged left part ignored
		{"10.1.2.3:80", "garbage, 10.9.9.9", true, "10.1.2.3"},
		{"[::1]:80", "2001:db8::5", true, "2001:db8::5"},
		{"[::ffff:192.0.2.9]:80", "", false, "192.0.2.9"},
	}
	for _, tt := range tests {
		h := New(Options{})
		if tt.trust {
			h = New(Options{TrustedProxies: proxies})
		}
		r := httptest.NewRequest("GET", "/device", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := h.clientAddr(r); got != tt.want {
			t.Errorf("clientAddr(%s, XFF %q) = %q, want %q", tt.remote, tt.xff, got, tt.want)
		}
	}
}

// TestSignInRetryAfter: a refused sign-in says when to come back.
func TestSignInRetryAfter(t *testing.T) {
	s := newSite(t)
	c := s.client(t, false)
	for user, want := range map[string]string{"locked": "900", "busy": "2"} {
		r := do(t, c, "POST", s.srv.URL+"/signin", url.Values{"username": {user}, "password": {"x"}})
		if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != want {
			t.Errorf("%s: status %d, Retry-After %q; want 429 and %s", user, r.StatusCode, r.Header.Get("Retry-After"), want)
		}
	}
}

// TestNoLookupSignedOut: nothing is looked up for someone not signed in,
// whatever they send: anonymous guesses count against nobody's limit.
func TestNoLookupSignedOut(t *testing.T) {
	s := newSite(t)
	c := s.client(t, false)
	for _, code := range []string{"BBBBBBBB", "BCDFGHJK", "ZZZZZZZZ", "x"} {
		do(t, c, "POST", s.srv.URL+"/device", url.Values{"user_code": {code}})
		do(t, c, "GET", s.srv.URL+"/device/consent?user_code="+code, nil)
		do(t, c, "POST", s.srv.URL+"/device/decide", url.Values{"user_code": {code}, "decision": {"allow"}})
	}
	if n := len(s.devices.lookupAddrs()); n != 0 {
		t.Fatalf("%d lookups for a person not signed in", n)
	}
}

// TestGuessLimitCoversEveryForm: the code page, the consent page and the
// decide form all look the code up with the client's address (no port),
// so the Devices guess limit applies to all three.
func TestGuessLimitCoversEveryForm(t *testing.T) {
	s := newSite(t)
	c := s.signedIn(t, false)
	for range 5 {
		do(t, c, "POST", s.srv.URL+"/device/decide", url.Values{"user_code": {"BBBBBBBB"}, "decision": {"allow"}})
	}
	for _, r := range []response{
		do(t, c, "POST", s.srv.URL+"/device", url.Values{"user_code": {"BCDFGHJK"}}),
		do(t, c, "GET", s.srv.URL+"/device/consent?user_code=BCDFGHJK", nil),
		do(t, c, "POST", s.srv.URL+"/device/decide", url.Values{"user_code": {"BCDFGHJK"}, "decision": {"allow"}}),
	} {
		if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.body, msgTooManyCodes) {
			t.Fatalf("after 5 wrong codes: %d\n%s", r.StatusCode, r.body)
		}
		if ra := r.Header.Get("Retry-After"); ra != "600" {
			t.Errorf("Retry-After %q, want the limit's 600 seconds", ra)
		}
	}
	if s.devices.decision(codeGood) != "" {
		t.Fatal("decided past the guess limit")
	}
	for _, a := range s.devices.lookupAddrs() {
		if a != "127.0.0.1" {
			t.Fatalf("Lookup got remoteAddr %q, want the bare address", a)
		}
	}
}

// TestNoSecretsInPagesOrLogs runs the whole flow plus the failures and
// checks that no password, session cookie or user code reaches a page where
// it does not belong or the log at all.
func TestNoSecretsInPagesOrLogs(t *testing.T) {
	s := newSite(t)
	c := s.client(t, true)
	var bodies []string
	add := func(r response) { bodies = append(bodies, r.body) }
	add(do(t, c, "POST", s.srv.URL+"/signin", url.Values{"username": {"alice"}, "password": {"wrong password 1"}}))
	add(do(t, c, "POST", s.srv.URL+"/signin", url.Values{"username": {"wrong password 2"}, "password": {"x"}}))
	add(do(t, c, "POST", s.srv.URL+"/signin", url.Values{"username": {"alice"}, "password": {alicePassword}}))
	add(do(t, c, "POST", s.srv.URL+"/device", url.Values{"user_code": {"ZZZZZZZZ"}}))
	add(do(t, c, "GET", s.srv.URL+"/device/consent?user_code=BCDFGHJK", nil))
	add(do(t, c, "POST", s.srv.URL+"/device/decide", url.Values{"user_code": {"BCDFGHJK"}, "decision": {"allow"}}))
	add(do(t, c, "POST", s.srv.URL+"/signin", url.Values{"username": {"broken"}, "password": {"wrong password 3"}}))
	cookies := s.people.cookies()
	if len(cookies) != 1 {
		t.Fatalf("%d sessions", len(cookies))
	}
	logs := s.logs.String()
	if strings.Count(logs, "web request failed") != 2 || !strings.Contains(logs, "malformed") {
		t.Fatalf("want the two internal errors logged once each:\n%s", logs)
	}
	for _, secret := range []string{alicePassword, "wrong password 1", "wrong password 3", cookies[0]} {
		for i, b := range bodies {
			if strings.Contains(b, secret) {
				t.Errorf("page %d shows %q", i, secret)
			}
		}
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	for _, code := range []string{"BCDFGHJK", "BCDF-GHJK", "ZZZZZZZZ"} {
		if strings.Contains(logs, code) {
			t.Errorf("the log holds the user code %q:\n%s", code, logs)
		}
	}
}

func TestExpiresIn(t *testing.T) {
	s := newSite(t)
	h := New(Options{Now: func() time.Time { return s.now }})
	for d, want := range map[time.Duration]string{
		-time.Second: "", 30 * time.Second: "in about a minute", 10 * time.Minute: "in 10 minutes",
		9*time.Minute + 20*time.Second: "in 9 minutes", 3 * time.Hour: "in 3 hours",
	} {
		if got := h.expiresIn(s.now.Add(d)); got != want {
			t.Errorf("expiresIn(%v) = %q, want %q", d, got, want)
		}
	}
}
