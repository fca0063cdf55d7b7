package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/ssooidc/ssooidc/internal/servertest"
)

// pageReq is one malformed or hostile request to a page, and what the page
// must answer: a status, and either a page that shows want or a redirect
// to a place that begins with location (a path on this server, or the
// client's registered loopback redirect URI).
type pageReq struct {
	name     string
	as       string // the signed-in user; "" for nobody
	method   string // default GET
	path     string
	form     url.Values
	body     string // a raw body instead of form
	ctype    string // its Content-Type
	header   map[string]string
	status   int
	location string
	want     string
}

// runPages runs a page table in order (some cases build on the ones
// before them, like a guess limit filling up) and checks every answer.
func runPages(t *testing.T, srv *servertest.Server, clients map[string]*http.Client, table []pageReq) {
	t.Helper()
	if len(table) < minCases {
		t.Fatalf("the table has %d cases, want at least %d", len(table), minCases)
	}
	for _, c := range table {
		t.Run(c.name, func(t *testing.T) {
			hc := clients[c.as]
			status, h, body := sendPage(t, hc, srv.URL, c)
			if status >= 500 || status != c.status {
				t.Fatalf("status %d, want %d; Location %q; body:\n%s", status, c.status, h.Get("Location"), tail(body, 1500))
			}
			loc := h.Get("Location")
			switch {
			case c.location != "" && !strings.HasPrefix(loc, c.location):
				t.Fatalf("Location %q, want it to begin with %q", loc, c.location)
			case c.location == "" && loc != "":
				t.Fatalf("Location %q, want a page", loc)
			case loc != "" && strings.HasPrefix(loc, "/") && strings.HasPrefix(loc, "//"):
				t.Fatalf("Location %q leaves the server", loc)
			}
			if loc == "" {
				if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("Content-Type %q, want a page", ct)
				}
				if c.want != "" && !strings.Contains(body, c.want) {
					t.Errorf("the page does not say %q:\n%s", c.want, tail(body, 1500))
				}
			}
			for _, leak := range []string{"goroutine", "panic", "sqlite", ".go:"} {
				if strings.Contains(body, leak) {
					t.Errorf("the page shows %q", leak)
				}
			}
		})
	}
	noErrorLogged(t, srv)
}

func sendPage(t *testing.T, hc *http.Client, base string, c pageReq) (int, http.Header, string) {
	t.Helper()
	method := c.method
	if method == "" {
		method = "GET"
	}
	var body io.Reader
	ctype := c.ctype
	switch {
	case c.form != nil:
		body, ctype = strings.NewReader(c.form.Encode()), "application/x-www-form-urlencoded"
	case c.body != "":
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(method, base+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// pageClients returns an anonymous client and one signed in as each user,
// none of which follows redirects.
func pageClients(t *testing.T, srv *servertest.Server, users ...string) map[string]*http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	out := map[string]*http.Client{"": {Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	for _, u := range users {
		srv.AddUser(t, u, "correct horse battery")
		jar, _ := cookiejar.New(nil)
		hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := hc.PostForm(srv.URL+"/signin", url.Values{"username": {u}, "password": {"correct horse battery"}})
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in %s: %v %v", u, err, resp)
		}
		resp.Body.Close()
		out[u] = hc
	}
	return out
}

var crossSite = map[string]string{"Sec-Fetch-Site": "cross-site"}

func TestBadInputAuthorize(t *testing.T) {
	srv := servertest.New(t)
	clients := pageClients(t, srv, "alice")
	pc := newPKCEClientAt(t, srv)
	devOnly := register(t, sdk(srv), "sso:account:access")
	out, err := sdk(srv).RegisterClient(context.Background(), &ssooidc.RegisterClientInput{ClientName: aws.String("no-code-grant"),
		ClientType: aws.String("public"), GrantTypes: []string{"urn:ietf:params:oauth:grant-type:device_code"},
		RedirectUris: []string{"http://127.0.0.1/oauth/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	noCodeGrant := *out.ClientId
	const cb = "http://127.0.0.1:49152/oauth/callback"
	sum := sha256.Sum256([]byte(cliVerifier()))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	good := url.Values{"response_type": {"code"}, "client_id": {pc.id}, "redirect_uri": {cb}, "state": {"st"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "scopes": {"sso:account:access"}}
	q := func(change map[string]string) string { return query("/authorize", good, change) }
	const del = "\x00delete"
	page := func(name, as, path string) pageReq {
		return pageReq{name: name, as: as, path: path, status: http.StatusBadRequest, want: "This sign-in request is not valid"}
	}
	back := func(name, path, oauthErr string) pageReq {
		return pageReq{name: name, path: path, status: http.StatusFound, location: cb + "?error=" + oauthErr}
	}
	table := []pageReq{
		page("no query", "", "/authorize"),
		page("no client_id", "", q(map[string]string{"client_id": del})),
		page("unknown client", "", q(map[string]string{"client_id": "AAAAAAAAAAAAAAAAAAAAAA"})),
		page("client_id of 8,000 bytes", "", q(map[string]string{"client_id": strings.Repeat("c", 8000)})),
		page("client_id twice", "", q(nil)+"&client_id=other"),
		page("redirect_uri twice", "", q(nil)+"&redirect_uri="+url.QueryEscape("https://evil.example.net/")),
		page("no redirect_uri", "", q(map[string]string{"redirect_uri": del})),
		page("https redirect URI", "", q(map[string]string{"redirect_uri": "https://evil.example.net/landing"})),
		page("another host", "", q(map[string]string{"redirect_uri": "http://evil.example.com/oauth/callback"})),
		page("another loopback path", "", q(map[string]string{"redirect_uri": "http://127.0.0.1:49152/oauth/other"})),
		page("another loopback address", "", q(map[string]string{"redirect_uri": "http://127.0.0.2:49152/oauth/callback"})),
		page("https to loopback", "", q(map[string]string{"redirect_uri": "https://127.0.0.1:49152/oauth/callback"})),
		page("redirect with a fragment", "", q(map[string]string{"redirect_uri": cb + "#x"})),
		page("redirect with a user", "", q(map[string]string{"redirect_uri": "http://evil.example.com@127.0.0.1:49152/oauth/callback"})),
		page("redirect with a query added", "", q(map[string]string{"redirect_uri": cb + "?next=https://evil.example.net"})),
		page("redirect with control characters", "", q(map[string]string{"redirect_uri": "http://127.0.0.1:49152/oauth/callback\r\nX: y"})),
		page("client without redirect URIs", "", q(map[string]string{"client_id": devOnly.id})),
		page("open redirect of issue 13, signed in", "alice", q(map[string]string{"response_type": "token",
			"redirect_uri": "https://evil.example.net/landing"})),
		back("response_type token", q(map[string]string{"response_type": "token"}), "unsupported_response_type"),
		back("response_type id_token", q(map[string]string{"response_type": "id_token"}), "unsupported_response_type"),
		back("response_type code token", q(map[string]string{"response_type": "code token"}), "unsupported_response_type"),
		back("no response_type", q(map[string]string{"response_type": del}), "unsupported_response_type"),
		back("no code_challenge", q(map[string]string{"code_challenge": del}), "invalid_request"),
		back("plain PKCE", q(map[string]string{"code_challenge_method": "plain"}), "invalid_request"),
		back("no PKCE method", q(map[string]string{"code_challenge_method": del}), "invalid_request"),
		back("challenge too short", q(map[string]string{"code_challenge": "abc"}), "invalid_request"),
		back("unknown scope", q(map[string]string{"scopes": "sso:account:access admin:all"}), "invalid_scope"),
		back("state twice", q(nil)+"&state=other", "invalid_request"),
		back("client without the authorization code grant", q(map[string]string{"client_id": noCodeGrant}), "unauthorized_client"),
		{name: "valid, signed out: sign in first", path: q(nil), status: http.StatusSeeOther, location: "/signin?next="},
		{name: "POST, no request", as: "alice", method: "POST", path: "/authorize", form: url.Values{"decision": {"allow"}},
			status: http.StatusBadRequest, want: "This form is not valid"},
		{name: "POST, broken request", as: "alice", method: "POST", path: "/authorize", form: url.Values{"request": {"%zz"}, "decision": {"allow"}},
			status: http.StatusBadRequest, want: "This form is not valid"},
		{name: "POST, no decision", as: "alice", method: "POST", path: "/authorize", form: url.Values{"request": {good.Encode()}},
			status: http.StatusBadRequest, want: "Choose Allow or Deny"},
		{name: "POST, unknown client", as: "alice", method: "POST", path: "/authorize",
			form:   url.Values{"request": {q(map[string]string{"client_id": "nope"})[len("/authorize?"):]}, "decision": {"allow"}},
			status: http.StatusBadRequest, want: "This sign-in request is not valid"},
		{name: "POST, https redirect", as: "alice", method: "POST", path: "/authorize",
			form:   url.Values{"request": {q(map[string]string{"redirect_uri": "https://evil.example.net/"})[len("/authorize?"):]}, "decision": {"allow"}},
			status: http.StatusBadRequest, want: "This sign-in request is not valid"},
		{name: "POST, cross-site", as: "alice", method: "POST", path: "/authorize", form: url.Values{"request": {good.Encode()}, "decision": {"allow"}},
			header: crossSite, status: http.StatusForbidden, want: "Request blocked"},
		{name: "POST, signed out", method: "POST", path: "/authorize", form: url.Values{"request": {good.Encode()}, "decision": {"allow"}},
			status: http.StatusSeeOther, location: "/signin?next="},
		{name: "POST, form over 16 KiB", as: "alice", method: "POST", path: "/authorize",
			form: url.Values{"request": {strings.Repeat("r", 17<<10)}}, status: http.StatusBadRequest, want: "The form could not be read"},
	}
	runPages(t, srv, clients, table)
}

func TestBadInputDevice(t *testing.T) {
	srv := servertest.New(t)
	clients := pageClients(t, srv, "alice", "bob")
	c := sdk(srv)
	r := register(t, c, "sso:account:access")
	used := start(t, c, r)
	srv.Decide(t, *used.UserCode, "bob", true)
	pending := start(t, c, r)
	form := func(code string) url.Values { return url.Values{"user_code": {code}} }
	decide := func(code, d string) url.Values { return url.Values{"user_code": {code}, "decision": {d}} }
	const invalid = "That code is not valid"
	table := []pageReq{
		{name: "script in the prefill", path: "/device?user_code=" + url.QueryEscape(`"><script>alert(1)</script>`), status: 200, want: "&lt;script&gt;"},
		{name: "prefill of 10,000 bytes", path: "/device?user_code=" + strings.Repeat("B", 10000), status: 200, want: `value="BBBB`},
		{name: "broken percent-encoding in the prefill", path: "/device?user_code=%zz", status: 200, want: `value=""`},
		{name: "empty code", method: "POST", path: "/device", form: form(""), status: 400, want: "Enter the code"},
		{name: "blank code", method: "POST", path: "/device", form: form(" \t "), status: 400, want: "Enter the code"},
		{name: "no field at all", method: "POST", path: "/device", form: url.Values{}, status: 400, want: "Enter the code"},
		{name: "JSON body", method: "POST", path: "/device", body: `{"user_code":"BCDF-GHJK"}`, ctype: "application/json", status: 400, want: "Enter the code"},
		{name: "multipart body", method: "POST", path: "/device", body: "--x\r\nContent-Disposition: form-data; name=\"user_code\"\r\n\r\nBCDFGHJK\r\n--x--\r\n",
			ctype: "multipart/form-data; boundary=x", status: 400, want: "Enter the code"},
		{name: "broken form encoding", method: "POST", path: "/device", body: "user_code=%zz", ctype: "application/x-www-form-urlencoded",
			status: 400, want: "The form could not be read"},
		{name: "form over 16 KiB", method: "POST", path: "/device", form: form(strings.Repeat("B", 17<<10)), status: 400, want: "The form could not be read"},
		{name: "cross-site", method: "POST", path: "/device", form: form(*pending.UserCode), header: crossSite, status: 403, want: "Request blocked"},
		{name: "foreign Origin", method: "POST", path: "/device", form: form(*pending.UserCode),
			header: map[string]string{"Origin": "https://evil.example"}, status: 403, want: "Request blocked"},
		{name: "wrong code, signed out: no lookup", method: "POST", path: "/device", form: form("BBBB-BBBB"), status: 303, location: "/signin?next="},
		{name: "many wrong codes, signed out: still no lookup", method: "POST", path: "/device", form: form("CCCC-CCCC"), status: 303, location: "/signin?next="},
		{name: "not a code", as: "alice", method: "POST", path: "/device", form: form("hello!"), status: 400, want: invalid},
		{name: "code of 10,000 bytes", as: "alice", method: "POST", path: "/device", form: form(strings.Repeat("B", 10000)), status: 400, want: invalid},
		{name: "code not UTF-8", as: "alice", method: "POST", path: "/device", form: form("BCDF-\xff\xfe"), status: 400, want: invalid},
		{name: "code with NUL", as: "alice", method: "POST", path: "/device", form: form("BCDF\x00GHJK"), status: 400, want: invalid},
		{name: "used code", as: "alice", method: "POST", path: "/device", form: form(*used.UserCode), status: 400, want: invalid},
		{name: "decide a used code", as: "alice", method: "POST", path: "/device/decide", form: decide(*used.UserCode, "allow"), status: 400, want: invalid},
		{name: "decide, no decision", as: "alice", method: "POST", path: "/device/decide", form: form(*pending.UserCode), status: 400, want: "Choose Allow or Deny"},
		{name: "decide, decision maybe", as: "alice", method: "POST", path: "/device/decide", form: decide(*pending.UserCode, "maybe"), status: 400, want: "Choose Allow or Deny"},
		{name: "decide, no code", as: "alice", method: "POST", path: "/device/decide", form: url.Values{"decision": {"allow"}}, status: 400, want: invalid},
		{name: "decide, cross-site", as: "alice", method: "POST", path: "/device/decide", form: decide(*pending.UserCode, "allow"),
			header: crossSite, status: 403, want: "Request blocked"},
		{name: "decide, signed out", method: "POST", path: "/device/decide", form: decide(*pending.UserCode, "allow"), status: 303, location: "/signin?next="},
		{name: "consent, no code", as: "alice", path: "/device/consent", status: 400, want: "Enter the code"},
		{name: "consent, signed out", path: "/device/consent?user_code=" + *pending.UserCode, status: 303, location: "/signin?next="},
		// alice's wrong codes: the second is her last, the third is refused
		// before any lookup, even with the right code.
		{name: "wrong code 1", as: "alice", method: "POST", path: "/device", form: form("BBBB-BBBB"), status: 400, want: invalid},
		{name: "wrong code 2", as: "alice", path: "/device/consent?user_code=CCCCCCCC", status: 400, want: invalid},
		{name: "past the limit", as: "alice", method: "POST", path: "/device", form: form("DDDD-DDDD"), status: 429, want: "Too many incorrect codes"},
		{name: "right code past the limit", as: "alice", method: "POST", path: "/device/decide", form: decide(*pending.UserCode, "allow"),
			status: 429, want: "Too many incorrect codes"},
		// Nobody else is locked out by alice: bob, at the same address,
		// approves with the right code.
		{name: "bob is not locked out", as: "bob", method: "POST", path: "/device/decide", form: decide(*pending.UserCode, "allow"),
			status: 200, want: "Your device is signed in"},
		{name: "sign out, cross-site", as: "bob", method: "POST", path: "/signout", form: url.Values{}, header: crossSite, status: 403, want: "Request blocked"},
	}
	runPages(t, srv, clients, table)
}

func TestBadInputSignIn(t *testing.T) {
	srv := servertest.New(t)
	clients := pageClients(t, srv, "alice")
	srv.AddUser(t, "carol", "correct horse battery")
	signin := func(user, pass, next string) url.Values {
		v := url.Values{"username": {user}, "password": {pass}}
		if next != "" {
			v.Set("next", next)
		}
		return v
	}
	const wrong = "Incorrect username or password."
	post := func(name string, form url.Values, status int, want string) pageReq {
		return pageReq{name: name, method: "POST", path: "/signin", form: form, status: status, want: want}
	}
	table := []pageReq{
		{name: "next to another site", path: "/signin?next=" + url.QueryEscape("https://evil.example/"), status: 200, want: `name="next" value="/device"`},
		{name: "next protocol-relative", path: "/signin?next=" + url.QueryEscape("//evil.example/"), status: 200, want: `name="next" value="/device"`},
		{name: "next with a backslash", path: "/signin?next=" + url.QueryEscape(`/\evil.example`), status: 200, want: `name="next" value="/device"`},
		{name: "next of 3,000 bytes", path: "/signin?next=/" + strings.Repeat("n", 3000), status: 200, want: `name="next" value="/device"`},
		post("empty form", url.Values{}, 400, "Enter your username and password."),
		post("no password", url.Values{"username": {"alice"}}, 400, "Enter your username and password."),
		post("no username", url.Values{"password": {"x"}}, 400, "Enter your username and password."),
		post("blank username", signin("   ", "x", ""), 400, "Enter your username and password."),
		post("wrong password", signin("alice", "wrong", ""), 401, wrong),
		post("unknown user", signin("mallory", "x", ""), 401, wrong),
		post("username of 10,000 bytes", signin(strings.Repeat("u", 10000), "x", ""), 401, wrong),
		post("password of 2,000 bytes", signin("alice", strings.Repeat("p", 2000), ""), 401, wrong),
		post("username with NUL", signin("ali\x00ce", "x", ""), 401, wrong),
		post("username SQL", signin("' OR 1=1 --", "x", ""), 401, wrong),
		post("password not UTF-8", signin("alice", "\xff\xfe", ""), 401, wrong),
		post("form over 16 KiB", signin("alice", strings.Repeat("p", 17<<10), ""), 400, "The form could not be read"),
		{name: "broken form encoding", method: "POST", path: "/signin", body: "username=%zz&password=x", ctype: "application/x-www-form-urlencoded",
			status: 400, want: "The form could not be read"},
		{name: "JSON body", method: "POST", path: "/signin", body: `{"username":"alice","password":"correct horse battery"}`, ctype: "application/json",
			status: 400, want: "Enter your username and password."},
		{name: "cross-site", method: "POST", path: "/signin", form: signin("alice", "correct horse battery", ""), header: crossSite,
			status: 403, want: "Request blocked"},
		{name: "foreign Origin", method: "POST", path: "/signin", form: signin("alice", "correct horse battery", ""),
			header: map[string]string{"Origin": "https://evil.example"}, status: 403, want: "Request blocked"},
		{name: "open redirect, protocol-relative", method: "POST", path: "/signin", form: signin("alice", "correct horse battery", "//evil.example/x"),
			status: 303, location: "/device"},
		{name: "open redirect, absolute", method: "POST", path: "/signin", form: signin("alice", "correct horse battery", "https://evil.example/x"),
			status: 303, location: "/device"},
		{name: "open redirect, tab", method: "POST", path: "/signin", form: signin("alice", "correct horse battery", "/\t/evil.example/x"),
			status: 303, location: "/device"},
		{name: "open redirect, javascript", method: "POST", path: "/signin", form: signin("alice", "correct horse battery", "javascript:alert(1)"),
			status: 303, location: "/device"},
	}
	// carol's password is guessed: the tenth wrong one locks her, and her
	// right password is then refused too, with Retry-After.
	for i := range 10 {
		table = append(table, post("guess "+itoa(i+1)+" at carol", signin("carol", "guess"+itoa(i), ""), 401, wrong))
	}
	table = append(table, post("carol locked", signin("carol", "correct horse battery", ""), 429, "Too many sign-in attempts"))
	runPages(t, srv, clients, table)
	resp, err := clients[""].PostForm(srv.URL+"/signin", signin("carol", "correct horse battery", ""))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "900" {
		t.Errorf("locked sign-in: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	logs := srv.Logs()
	if !strings.Contains(logs, `"msg":"sign-in throttled"`) || !strings.Contains(logs, `"user":"carol"`) {
		t.Errorf("no lock-out line naming carol in the log")
	}
}
