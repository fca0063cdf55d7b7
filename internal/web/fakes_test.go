package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Codes the fake Devices knows. Canonical form (sso.NormalizeUserCode).
const (
	codeGood     = "BCDFGHJK" // pending, client "AWS CLI" with scopes
	codeNoScopes = "LMNPQRST" // pending, no scopes, no client name
	codeExpired  = "VWXZBCDF"
	codeBroken   = "ZZZZZZZZ" // the backend fails
)

// fakeDevices is a Devices with a per-address guess limit like the real
// one: failed lookups count, and past guessLimit every lookup is refused.
type fakeDevices struct {
	mu         sync.Mutex
	now        func() time.Time
	guesses    map[string]int
	decisions  map[string]string // canonical code -> "approved by <user>" / "denied by <user>"
	addrs      []string          // remoteAddr of every Lookup
	guessLimit int
}

func newFakeDevices(now func() time.Time) *fakeDevices {
	return &fakeDevices{now: now, guesses: map[string]int{}, decisions: map[string]string{}, guessLimit: 5}
}

var errDisk = errors.New("sqlite: database disk image is malformed at /var/lib/ssooidc/ssooidc.db")

func (f *fakeDevices) Lookup(ctx context.Context, userCode string, who sso.User, remoteAddr string) (DevicePrompt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if who.ID == "" {
		return DevicePrompt{}, sso.Errorf(sso.CodeUnauthorized, "sign in to enter a code")
	}
	f.addrs = append(f.addrs, remoteAddr)
	if f.guesses[remoteAddr] >= f.guessLimit {
		return DevicePrompt{}, &sso.Error{Code: sso.CodeTooManyRequests, Message: "too many wrong codes", RetryAfter: 10 * time.Minute}
	}
	c, ok := sso.NormalizeUserCode(userCode)
	if !ok {
		return DevicePrompt{}, sso.Errorf(sso.CodeInvalidGrant, "that is not a valid code")
	}
	if _, done := f.decisions[c]; done {
		return DevicePrompt{}, sso.Errorf(sso.CodeInvalidGrant, "this code has already been used")
	}
	exp := f.now().Add(9*time.Minute + 40*time.Second)
	switch c {
	case codeGood:
		return DevicePrompt{UserCode: sso.FormatUserCode(c), ClientName: "AWS CLI",
			Scopes: []string{"sso:account:access", "codewhisperer:completions"}, StartURL: "https://d-1234567890.awsapps.com/start", ExpiresAt: exp}, nil
	case codeNoScopes:
		return DevicePrompt{UserCode: sso.FormatUserCode(c), ExpiresAt: exp}, nil
	case codeExpired:
		return DevicePrompt{}, sso.Errorf(sso.CodeExpiredToken, "this code has expired")
	case codeBroken:
		return DevicePrompt{}, &sso.Error{Code: sso.CodeInternal, Message: "internal", Err: errDisk}
	}
	f.guesses[remoteAddr]++
	return DevicePrompt{}, sso.Errorf(sso.CodeInvalidGrant, "no such code")
}

func (f *fakeDevices) Decide(ctx context.Context, userCode, userID string, approve bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := sso.NormalizeUserCode(userCode)
	if !ok || (c != codeGood && c != codeNoScopes) {
		return sso.Errorf(sso.CodeInvalidGrant, "no such code")
	}
	if _, done := f.decisions[c]; done {
		return sso.Errorf(sso.CodeInvalidGrant, "this code has already been used")
	}
	if approve {
		f.decisions[c] = "approved by " + userID
	} else {
		f.decisions[c] = "denied by " + userID
	}
	return nil
}

func (f *fakeDevices) decision(code string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.decisions[code]
}

func (f *fakeDevices) lookupAddrs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.addrs...)
}

// fakePeople is People over a map: users "alice" (password "correct horse
// battery") and "locked" (always throttled). Session cookie values are
// random like the real ones.
type fakePeople struct {
	mu       sync.Mutex
	now      func() time.Time
	sessions map[string]string // cookie -> user id
	signIns  []string          // remoteAddr of every SignIn
	ended    int
}

const (
	alicePassword = "correct horse battery"
	aliceID       = "u-alice"
)

var alice = sso.User{ID: aliceID, Name: "alice", DisplayName: "Alice Liddell"}

func newFakePeople(now func() time.Time) *fakePeople {
	return &fakePeople{now: now, sessions: map[string]string{}}
}

func (p *fakePeople) SignIn(ctx context.Context, username, password, remoteAddr string) (sso.User, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.signIns = append(p.signIns, remoteAddr)
	switch {
	case username == "locked":
		return sso.User{}, &sso.Error{Code: sso.CodeTooManyRequests, Message: msgSignInLimited, RetryAfter: 15 * time.Minute}
	case username == "busy":
		return sso.User{}, &sso.Error{Code: sso.CodeTooManyRequests, Message: "The server is busy.", RetryAfter: 2 * time.Second}
	case username == "broken":
		return sso.User{}, &sso.Error{Code: sso.CodeInternal, Message: "internal", Err: errDisk}
	case username == "alice" && password == alicePassword:
		return alice, nil
	}
	return sso.User{}, sso.Errorf(sso.CodeAccessDenied, "Incorrect username or password.")
}

func (p *fakePeople) StartSession(ctx context.Context, userID string) (string, time.Time, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b [32]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	p.sessions[v] = userID
	return v, p.now().Add(8 * time.Hour), nil
}

func (p *fakePeople) SessionUser(ctx context.Context, cookieValue string) (sso.User, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sessions[cookieValue] == aliceID {
		return alice, nil
	}
	return sso.User{}, sso.Errorf(sso.CodeUnauthorized, "Sign in to continue.")
}

func (p *fakePeople) EndSession(ctx context.Context, cookieValue string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.sessions[cookieValue]; ok {
		p.ended++
	}
	delete(p.sessions, cookieValue)
	return nil
}

func (p *fakePeople) cookies() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for k := range p.sessions {
		out = append(out, k)
	}
	return out
}

// site is a running Handler with its fakes and log.
type site struct {
	srv     *httptest.Server
	devices *fakeDevices
	people  *fakePeople
	logs    *syncBuffer
	now     time.Time
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type siteOption func(*Options)

func newSite(t testing.TB, opts ...siteOption) *site {
	t.Helper()
	s := &site{logs: &syncBuffer{}, now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return s.now }
	s.devices, s.people = newFakeDevices(clock), newFakePeople(clock)
	o := Options{
		Devices: s.devices, People: s.people, Now: clock,
		Logger: slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, f := range opts {
		f(&o)
	}
	h := New(o)
	mux := http.NewServeMux()
	h.Routes(mux)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// client is a browser-like client: a cookie jar, redirects not followed
// unless follow is set.
func (s *site) client(t testing.TB, follow bool) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	if !follow {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

// signedIn returns a client that holds alice's session.
func (s *site) signedIn(t testing.TB, follow bool) *http.Client {
	c := s.client(t, follow)
	v, _, _ := s.people.StartSession(context.Background(), aliceID)
	u, _ := url.Parse(s.srv.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: cookiePlain, Value: v, Path: "/"}})
	return c
}

// response is a response with its body read.
type response struct {
	*http.Response
	body string
}

func do(t testing.TB, c *http.Client, method, target string, form url.Values, header ...string) response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp, string(b)}
}
