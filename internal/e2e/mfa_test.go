package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/mfa"
	"github.com/ssooidc/ssooidc/internal/postgres"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// totpAt computes the authenticator app's code of a base32 secret at t,
// here in the test (RFC 6238 with HMAC-SHA-1, 6 digits, 30 s), not with
// the server's code.
func totpAt(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ReplaceAll(secret, " ", ""))
	if err != nil {
		t.Fatalf("the secret shown %q is not base32: %v", secret, err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[19] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[off:])&0x7fffffff)%1_000_000)
}

// pageClient is a browser without JavaScript: cookies, redirects, forms.
type pageClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newPageClient(t *testing.T, base string) *pageClient {
	jar, _ := cookiejar.New(nil)
	return &pageClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

// get and post return the final status and page after redirects.
func (p *pageClient) get(path string) (int, string) {
	p.t.Helper()
	return p.do(p.c.Get(p.base + path))
}

func (p *pageClient) post(path string, form url.Values) (int, string) {
	p.t.Helper()
	return p.do(p.c.PostForm(p.base+path, form))
}

func (p *pageClient) do(res *http.Response, err error) (int, string) {
	p.t.Helper()
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 500 {
		p.t.Fatalf("%s %s: %d\n%s", res.Request.Method, res.Request.URL, res.StatusCode, b)
	}
	return res.StatusCode, html.UnescapeString(string(b))
}

// at moves a client to another node (another base URL, the same cookies).
func (p *pageClient) at(base string) *pageClient {
	return &pageClient{t: p.t, base: base, c: p.c}
}

var (
	reHandle   = regexp.MustCompile(`name="handle" value="([A-Za-z0-9_-]{43})"`)
	reSecret   = regexp.MustCompile(`<code class="secret" id="secret">([A-Z2-7 ]+)</code>`)
	reRecovery = regexp.MustCompile(`<li><code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</code></li>`)
)

func match1(t *testing.T, re *regexp.Regexp, page string) string {
	t.Helper()
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no %s:\n%s", re, page)
	}
	return m[1]
}

func wantPage(t *testing.T, what string, status int, page string, wantStatus int, wantText ...string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("%s: status %d, want %d", what, status, wantStatus)
	}
	for _, w := range wantText {
		if !strings.Contains(page, w) {
			t.Errorf("%s: the page does not say %q:\n%s", what, w, page)
		}
	}
}

func signInForm(user, password, next string) url.Values {
	return url.Values{"username": {user}, "password": {password}, "next": {next}}
}

// mfaRequired is the config of the TOTP scenario: mode required, two
// people with passwords.
func mfaRequired(c *server.Config) {
	c.MFA = mfa.Policy{Mode: mfa.Required}
	c.Directory.Users = []identity.UserSpec{{Name: "alice", Password: "alice-password-1"}, {Name: "bob", Password: "bob-password-12"}}
}

// totpScenario runs enrolment and sign-ins with authenticator codes and
// recovery codes through the pages, without JavaScript, against one node
// or, when second is not "", starting each sign-in on second and
// finishing it on first (any node takes the next step).
func totpScenario(t *testing.T, first, second string, store sso.Store) {
	start := first
	if second != "" {
		start = second
	}
	now := time.Now()
	// 1. Under mode required, alice's first sign-in goes to enrolment
	// before anything else: no session yet.
	a := newPageClient(t, start)
	st, page := a.post("/signin", signInForm("alice", "alice-password-1", "/device"))
	wantPage(t, "password of a person without a factor", st, page, 200, "Set up a second sign-in step", "Authentication code")
	if st, page := a.get("/security/mfa"); strings.Contains(page, "Sign-in methods") {
		t.Fatalf("a person who has not enrolled reached the security page: %d", st)
	}
	a = a.at(first)
	st, page = a.get("/signin/mfa")
	wantPage(t, "enrolment on the other node", st, page, 200, "Set up a second sign-in step")
	secret, handle := match1(t, reSecret, page), match1(t, reHandle, page)
	st, page = a.post("/signin/mfa/setup", url.Values{"kind": {"totp"}, "handle": {handle}, "name": {"Phone"},
		"code": {wrongCode(totpAt(t, secret, now))}})
	wantPage(t, "enrolment with a wrong code", st, page, 400, "That code is not right")
	st, page = a.post("/signin/mfa/setup", url.Values{"kind": {"totp"}, "handle": {handle}, "name": {"Phone"},
		"code": {totpAt(t, secret, now)}})
	wantPage(t, "enrolment confirmed", st, page, 200, "Save your recovery codes")
	codes := reRecovery.FindAllStringSubmatch(page, -1)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	st, page = a.get("/security/mfa")
	wantPage(t, "signed in after enrolment", st, page, 200, "Sign-in methods", "Phone", "10 of 10 recovery codes left")

	// 2. The next sign-in asks for a code. The one that confirmed the
	// enrolment is spent (replay); a wrong one is refused; the next
	// step's code, within the step of skew, signs in.
	b := newPageClient(t, start)
	st, page = b.post("/signin", signInForm("alice", "alice-password-1", "/security/mfa"))
	wantPage(t, "password", st, page, 200, "Verify it's you", "Authentication code")
	b = b.at(first)
	st, page = b.post("/signin/mfa", url.Values{"method": {"totp"}, "code": {totpAt(t, secret, now)}})
	wantPage(t, "the enrolment's code again", st, page, 401, "That code was used already")
	st, page = b.post("/signin/mfa", url.Values{"method": {"totp"}, "code": {wrongCode(totpAt(t, secret, now))}})
	wantPage(t, "a wrong code", st, page, 401, "That code is not right")
	next := totpAt(t, secret, now.Add(30*time.Second))
	st, page = b.post("/signin/mfa", url.Values{"method": {"totp"}, "code": {next}})
	wantPage(t, "the next code", st, page, 200, "Sign-in methods", "Phone")
	// The same code in another sign-in: a replay.
	c := newPageClient(t, start)
	c.post("/signin", signInForm("alice", "alice-password-1", "/security/mfa"))
	st, page = c.post("/signin/mfa", url.Values{"method": {"totp"}, "code": {next}})
	wantPage(t, "a code used in another sign-in", st, page, 401, "That code was used already")

	// 3. A recovery code works once.
	rc := codes[3][1]
	st, page = c.post("/signin/mfa", url.Values{"method": {"recovery"}, "recovery_code": {strings.ToLower(rc)}})
	wantPage(t, "a recovery code", st, page, 200, "Sign-in methods", "9 of 10 recovery codes left")
	d := newPageClient(t, start)
	d.post("/signin", signInForm("alice", "alice-password-1", "/security/mfa"))
	st, page = d.post("/signin/mfa", url.Values{"method": {"recovery"}, "recovery_code": {rc}})
	wantPage(t, "a recovery code used twice", st, page, 401, "That recovery code is not right, or it was used already")

	// 4. The last factor cannot be removed under mode required.
	factors, err := store.ListFactors(context.Background(), userID(t, store, "alice"))
	if err != nil || len(factors) != 1 {
		t.Fatalf("alice's factors: %v, %v", factors, err)
	}
	st, page = a.post("/security/mfa/remove", url.Values{"id": {factors[0].ID}})
	wantPage(t, "removing the last factor", st, page, 409, "This is your last sign-in method")
	st, page = a.post("/security/mfa/rename", url.Values{"id": {factors[0].ID}, "name": {"Work phone"}})
	wantPage(t, "rename", st, page, 200, "Renamed.", "Work phone")

	// 5. Wrong codes count toward the person's sign-in limit (10 per
	// window): after ten, even the right code is refused, and so is
	// the password.
	bob := newPageClient(t, start)
	bob.post("/signin", signInForm("bob", "bob-password-12", "/device"))
	_, page = bob.get("/signin/mfa")
	bobSecret, bobHandle := match1(t, reSecret, page), match1(t, reHandle, page)
	st, _ = bob.post("/signin/mfa/setup", url.Values{"kind": {"totp"}, "handle": {bobHandle}, "name": {"Phone"},
		"code": {totpAt(t, bobSecret, now)}})
	if st != 200 {
		t.Fatalf("bob's enrolment: %d", st)
	}
	guesser := newPageClient(t, start)
	guesser.post("/signin", signInForm("bob", "bob-password-12", "/device"))
	for i := range 10 {
		st, page = guesser.post("/signin/mfa", url.Values{"method": {"totp"}, "code": {fmt.Sprintf("%06d", 100000+i)}})
		if st != 401 && !(st == 429 && i == 9) {
			t.Fatalf("wrong code %d: status %d\n%s", i+1, st, page)
		}
	}
	st, page = guesser.post("/signin/mfa", url.Values{"method": {"totp"}, "code": {totpAt(t, bobSecret, now.Add(-30*time.Second))}})
	wantPage(t, "the right code after ten wrong ones", st, page, 429, "Too many sign-in attempts")
	st, _ = newPageClient(t, start).post("/signin", signInForm("bob", "bob-password-12", "/device"))
	if st != 429 {
		t.Errorf("bob's password after ten wrong codes: status %d, want 429", st)
	}

	// 6. The audit trail has the enrolment, the failures and the
	// recovery code's use.
	evs, err := store.ListEvents(context.Background(), sso.EventQuery{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range evs {
		seen[e.Type]++
	}
	for _, typ := range []string{"mfa.enrolled", "mfa.failed", "mfa.verified", "mfa.recovery_code_used", "mfa.recovery_codes_renewed", "mfa.renamed"} {
		if seen[typ] == 0 {
			t.Errorf("no %s event for alice; events: %v", typ, seen)
		}
	}
}

// wrongCode is a six-digit code that is not code.
func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func userID(t *testing.T, store sso.Store, name string) string {
	t.Helper()
	u, err := store.GetUserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestMFATOTPPages: enrolment under mode required, codes, replays, wrong
// codes counted, recovery codes, on SQLite.
func TestMFATOTPPages(t *testing.T) {
	srv := servertest.New(t, servertest.WithConfig(mfaRequired))
	totpScenario(t, srv.URL, "", srv.Store)
}

// TestMFATOTPTwoNodesPostgres: the same on PostgreSQL, each sign-in
// started on one node and finished on the other.
func TestMFATOTPTwoNodesPostgres(t *testing.T) {
	dsn := pgSchemaDSN(t)
	first, second, _ := pgNodesOn(t, dsn, mfaRequired)
	store, err := postgres.Open(context.Background(), dsn, postgres.Options{})
	if err != nil {
		t.Fatalf("PostgreSQL is required: %v", err)
	}
	defer store.Close()
	totpScenario(t, first, second, store)
}
