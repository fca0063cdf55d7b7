package identity

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
)

func TestMain(m *testing.M) {
	// Cheap hashes keep the suite fast under -race; TestPasswordHashFormat
	// and TestSignInTiming use the real parameters.
	defaultParams = argonParams{memory: 64, time: 1, threads: 1, saltLen: 16, keyLen: 32}
	os.Exit(m.Run())
}

// clock is a fake clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// stores is what a Service is built on.
type stores interface {
	sso.UserStore
	sso.SessionStore
	sso.LimitStore
}

// fixture is a Service over a fresh store with a fake clock and a log
// buffer. newFixture uses the real SQLite store; newMemFixture the
// in-memory one, which can be told to fail.
type fixture struct {
	svc      *Service
	store    stores
	mem      *memStore // nil on SQLite
	dir      string    // the SQLite database's directory
	digester *sso.Digester
	clock    *clock
	logs     *bytes.Buffer
}

func newFixture(t testing.TB, opts Options) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "ssooidc.db"), sqlite.SyncNormal)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := build(t, st, opts)
	f.dir = dir
	return f
}

func newMemFixture(t testing.TB, opts Options) *fixture {
	t.Helper()
	m := newMemStore()
	f := build(t, m, opts)
	f.mem = m
	return f
}

func build(t testing.TB, st stores, opts Options) *fixture {
	f := &fixture{store: st, clock: &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}, logs: &bytes.Buffer{}}
	opts.Now = f.clock.Now
	opts.Logger = slog.New(slog.NewJSONHandler(&lockedWriter{w: f.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	key, err := sso.RandomKey()
	if err != nil {
		t.Fatal(err)
	}
	f.digester = sso.NewDigester(key)
	f.svc = New(st, st, st, f.digester, opts)
	return f
}

// rawUser is the stored record, password hash included.
func (f *fixture) rawUser(t testing.TB, name string) sso.User {
	t.Helper()
	u, err := f.store.GetUserByName(t.Context(), name)
	if err != nil {
		t.Fatalf("GetUserByName(%q): %v", name, err)
	}
	return u
}

// files returns the bytes of every file of the SQLite database (the main
// file, the WAL and its index).
func (f *fixture) files(t testing.TB) []byte {
	t.Helper()
	var all []byte
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(f.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (f *fixture) addUser(t testing.TB, name, password string) sso.User {
	t.Helper()
	u, err := f.svc.AddUser(t.Context(), UserSpec{Name: name, Password: password})
	if err != nil {
		t.Fatalf("AddUser(%q): %v", name, err)
	}
	return u
}

// wantCode fails unless err is an *sso.Error with code (and, when msg is
// not empty, a message containing msg).
func wantCode(t testing.TB, what string, err error, code sso.Code, msg string) {
	t.Helper()
	var e *sso.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: got %v, want an *sso.Error with code %v", what, err, code)
	}
	if e.Code != code {
		t.Fatalf("%s: got code %v (%v), want %v", what, e.Code, err, code)
	}
	if msg != "" && !strings.Contains(e.Message, msg) {
		t.Fatalf("%s: message %q does not contain %q", what, e.Message, msg)
	}
}

var phcPattern = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestPasswordHashFormat(t *testing.T) {
	h1, err := hashPassword("correct horse", owaspParams)
	if err != nil {
		t.Fatal(err)
	}
	if !phcPattern.MatchString(h1) {
		t.Fatalf("hash %q is not an argon2id PHC string with OWASP parameters", h1)
	}
	h2, _ := hashPassword("correct horse", owaspParams)
	if h1 == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if !verifyPassword(h1, "correct horse") || !verifyPassword(h2, "correct horse") {
		t.Fatal("the password does not verify against its hash")
	}
	if verifyPassword(h1, "correct horsE") || verifyPassword(h1, "") {
		t.Fatal("a wrong password verifies")
	}
	if needsRehash(h1) == (defaultParams == owaspParams) {
		// Under TestMain the defaults are cheaper, so an OWASP hash needs a
		// rehash exactly when the parameters differ.
		t.Fatalf("needsRehash(%q) wrong", h1)
	}
}

func TestMalformedHashes(t *testing.T) {
	good, _ := hashPassword("password1", defaultParams)
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	for _, h := range []string{
		"",
		"plaintext",
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1,x=2$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4194304,t=1,p=1$" + salt + "$" + key, // 4 GiB
		"$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=255$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",
		"$argon2id$v=19$m=64,t=1,p=1$!!!!$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$QUJD",
		"$2a$04$tooshort",
	} {
		if checkHash(h) == nil {
			t.Errorf("checkHash(%q) accepted it", h)
		}
		if verifyPassword(h, "password1") {
			t.Errorf("verifyPassword(%q) matched", h)
		}
	}
	if err := checkHash(good); err != nil {
		t.Fatalf("checkHash(good): %v", err)
	}
}

func TestAddUserValidation(t *testing.T) {
	tests := []struct {
		name string
		spec UserSpec
		msg  string // empty: valid
	}{
		{"plain", UserSpec{Name: "alice", Password: "password1"}, ""},
		{"all characters", UserSpec{Name: "A.b_c@d-9", Password: "password1"}, ""},
		{"punctuation and letters of any script", UserSpec{Name: "jürgen/ölß+€", Password: "password1"}, ""},
		{"128 characters", UserSpec{Name: strings.Repeat("a", 128), Password: "password1"}, ""},
		{"full", UserSpec{Name: "carol", Password: "pässwörd", Email: "carol@example.com", DisplayName: "Carol Ç", Groups: []string{"admins", "devs", "admins"}}, ""},
		{"empty name", UserSpec{Password: "password1"}, "user name is required"},
		{"long name", UserSpec{Name: strings.Repeat("a", 129), Password: "password1"}, "1 to 128"},
		{"space", UserSpec{Name: "bob smith", Password: "password1"}, "punctuation only"},
		{"tab", UserSpec{Name: "bob\tsmith", Password: "password1"}, "punctuation only"},
		{"reserved", UserSpec{Name: "Administrator", Password: "password1"}, "reserved"},
		{"short password", UserSpec{Name: "dave", Password: "1234567"}, "at least 8"},
		{"empty password", UserSpec{Name: "dave"}, "at least 8"},
		{"huge password", UserSpec{Name: "dave", Password: strings.Repeat("x", 2000)}, "at most 1024"},
		{"email", UserSpec{Name: "dave", Password: "password1", Email: "not an email"}, "not an email"},
		{"email at end", UserSpec{Name: "dave", Password: "password1", Email: "dave@"}, "not an email"},
		{"display control", UserSpec{Name: "dave", Password: "password1", DisplayName: "a\nb"}, "control"},
		{"empty group", UserSpec{Name: "dave", Password: "password1", Groups: []string{" "}}, "group name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, Options{})
			u, err := f.svc.AddUser(t.Context(), tt.spec)
			if tt.msg != "" {
				wantCode(t, "AddUser", err, sso.CodeInvalidRequest, tt.msg)
				if us, _ := f.svc.ListUsers(t.Context()); len(us) != 0 {
					t.Fatalf("an invalid user was stored: %v", us)
				}
				return
			}
			if err != nil {
				t.Fatalf("AddUser: %v", err)
			}
			if u.PasswordHash != "" || u.ID == "" || u.Name != tt.spec.Name || u.Email != tt.spec.Email {
				t.Fatalf("AddUser returned %+v", u)
			}
			if tt.name == "full" {
				gs, err := f.svc.Directory().UserGroups(t.Context(), u.ID)
				var names []string
				for _, g := range gs {
					names = append(names, g.DisplayName)
				}
				slices.Sort(names)
				if err != nil || strings.Join(names, ",") != "admins,devs" {
					t.Fatalf("groups %v, %v; want duplicates dropped", names, err)
				}
			}
			if _, err := f.svc.SignIn(t.Context(), tt.spec.Name, tt.spec.Password, "192.0.2.1:1234"); err != nil {
				t.Fatalf("SignIn: %v", err)
			}
		})
	}
}

func TestUserLifecycle(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := t.Context()
	alice := f.addUser(t, "alice", "password1")
	f.addUser(t, "bob", "password2")

	_, err := f.svc.AddUser(ctx, UserSpec{Name: "alice", Password: "password3"})
	wantCode(t, "AddUser duplicate", err, sso.CodeConflict, "already exists")

	us, err := f.svc.ListUsers(ctx)
	if err != nil || len(us) != 2 || us[0].Name != "alice" || us[1].Name != "bob" {
		t.Fatalf("ListUsers = %v, %v", us, err)
	}
	for _, u := range us {
		if u.PasswordHash != "" {
			t.Fatal("ListUsers hands out password hashes")
		}
	}
	got, err := f.svc.GetUser(ctx, alice.ID)
	if err != nil || got.Name != "alice" || got.PasswordHash != "" {
		t.Fatalf("GetUser = %+v, %v", got, err)
	}
	_, err = f.svc.GetUser(ctx, "nope")
	wantCode(t, "GetUser missing", err, sso.CodeResourceNotFound, "")
	if !errors.Is(err, sso.ErrNotFound) {
		t.Fatal("GetUser missing does not wrap sso.ErrNotFound")
	}

	wantCode(t, "SetPassword short", f.svc.SetPassword(ctx, "alice", "short"), sso.CodeInvalidRequest, "at least 8")
	wantCode(t, "SetPassword missing", f.svc.SetPassword(ctx, "zed", "password9"), sso.CodeResourceNotFound, `"zed"`)
	if err := f.svc.SetPassword(ctx, "alice", "new password"); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SignIn(ctx, "alice", "password1", "192.0.2.1:1")
	wantCode(t, "old password", err, sso.CodeAccessDenied, "")
	if _, err := f.svc.SignIn(ctx, "alice", "new password", "192.0.2.1:1"); err != nil {
		t.Fatalf("new password: %v", err)
	}

	cookie, _, err := f.svc.StartSession(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SessionUser(ctx, cookie)
	wantCode(t, "session of a deleted user", err, sso.CodeUnauthorized, "")
	wantCode(t, "DeleteUser again", f.svc.DeleteUser(ctx, "alice"), sso.CodeResourceNotFound, "")
	_, err = f.svc.SignIn(ctx, "alice", "new password", "192.0.2.1:1")
	wantCode(t, "deleted user signs in", err, sso.CodeAccessDenied, "")
}

func TestUpsertUser(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := t.Context()

	_, err := f.svc.UpsertUser(ctx, UserSpec{Name: "cfg"})
	wantCode(t, "new user without password", err, sso.CodeInvalidRequest, "needs a password")

	u1, err := f.svc.UpsertUser(ctx, UserSpec{Name: "cfg", Password: "password1", Email: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	hash1 := f.rawUser(t, "cfg").PasswordHash

	// The same password again: nothing to rehash.
	u2, err := f.svc.UpsertUser(ctx, UserSpec{Name: "cfg", Password: "password1", Email: "b@example.com", Groups: []string{"ops"}})
	if err != nil {
		t.Fatal(err)
	}
	if u2.ID != u1.ID || u2.Email != "b@example.com" || !u2.CreatedAt.Equal(u1.CreatedAt) {
		t.Fatalf("update: %+v after %+v", u2, u1)
	}
	if gs, err := f.svc.Directory().UserGroups(ctx, u2.ID); err != nil || len(gs) != 1 || gs[0].DisplayName != "ops" {
		t.Fatalf("groups after update: %+v, %v", gs, err)
	}
	if f.rawUser(t, "cfg").PasswordHash != hash1 {
		t.Fatal("an unchanged password was rehashed")
	}

	// No password: keep the stored one.
	if _, err := f.svc.UpsertUser(ctx, UserSpec{Name: "cfg"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SignIn(ctx, "cfg", "password1", "192.0.2.1:1"); err != nil {
		t.Fatalf("password lost by an update without one: %v", err)
	}

	// A new plain-text password.
	if _, err := f.svc.UpsertUser(ctx, UserSpec{Name: "cfg", Password: "password2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SignIn(ctx, "cfg", "password2", "192.0.2.1:1"); err != nil {
		t.Fatalf("new password: %v", err)
	}

	// A PHC hash is stored as it is.
	phc, _ := hashPassword("from-config", owaspParams)
	if _, err := f.svc.UpsertUser(ctx, UserSpec{Name: "cfg", Password: phc}); err != nil {
		t.Fatal(err)
	}
	if f.rawUser(t, "cfg").PasswordHash != phc {
		t.Fatal("the configured hash was not stored as is")
	}
	if _, err := f.svc.UpsertUser(ctx, UserSpec{Name: "h", Password: phc}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SignIn(ctx, "h", "from-config", "192.0.2.1:1"); err != nil {
		t.Fatalf("sign in with a configured hash: %v", err)
	}
	// ...and upgraded to the current parameters by the sign-in.
	if h := f.rawUser(t, "h").PasswordHash; h == phc || needsRehash(h) {
		t.Fatalf("hash not upgraded after sign-in: %q", h)
	}

	_, err = f.svc.UpsertUser(ctx, UserSpec{Name: "x", Password: "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5"})
	wantCode(t, "hostile hash", err, sso.CodeInvalidRequest, "hash")
	_, err = f.svc.UpsertUser(ctx, UserSpec{Name: "bad name", Password: "password1"})
	wantCode(t, "bad name", err, sso.CodeInvalidRequest, "user name")
}

func TestBcryptHash(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := t.Context()
	// As htpasswd -B writes them: $2y$.
	b, err := bcrypt.GenerateFromPassword([]byte("password1"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	hash := "$2y$" + strings.TrimPrefix(string(b), "$2a$")
	if _, err := f.svc.UpsertUser(ctx, UserSpec{Name: "old", Password: hash}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SignIn(ctx, "old", "password2", "192.0.2.1:1")
	wantCode(t, "wrong password", err, sso.CodeAccessDenied, "")
	if _, err := f.svc.SignIn(ctx, "old", "password1", "192.0.2.1:1"); err != nil {
		t.Fatalf("bcrypt sign-in: %v", err)
	}
	if h := f.rawUser(t, "old").PasswordHash; !strings.HasPrefix(h, "$argon2id$") {
		t.Fatalf("bcrypt hash not upgraded: %q", h)
	}
}

func TestEnsureDevUser(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := t.Context()
	pw, created, err := f.svc.EnsureDevUser(ctx)
	if err != nil || !created {
		t.Fatalf("EnsureDevUser = %q, %v, %v", pw, created, err)
	}
	if !regexp.MustCompile(`^[a-z2-9]{5}(-[a-z2-9]{5}){3}$`).MatchString(pw) || strings.ContainsAny(pw, "01ilo") {
		t.Fatalf("dev password %q is not readable", pw)
	}
	u, err := f.svc.SignIn(ctx, "dev", pw, "192.0.2.1:1")
	if err != nil || u.Name != DevUserName {
		t.Fatalf("sign in as dev: %+v, %v", u, err)
	}
	pw2, created, err := f.svc.EnsureDevUser(ctx)
	if err != nil || created || pw2 != "" {
		t.Fatalf("second EnsureDevUser = %q, %v, %v", pw2, created, err)
	}

	g := newFixture(t, Options{})
	g.addUser(t, "alice", "password1")
	if _, created, err := g.svc.EnsureDevUser(ctx); err != nil || created {
		t.Fatalf("EnsureDevUser with a user: %v, %v", created, err)
	}
	if strings.Contains(f.logs.String(), pw) {
		t.Fatal("the dev password was logged")
	}
}

func TestSignIn(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := t.Context()
	f.addUser(t, "alice", "password1")
	tests := []struct {
		name, user, pass string
		ok               bool
	}{
		{"right", "alice", "password1", true},
		{"wrong password", "alice", "password2", false},
		{"case of password", "alice", "PASSWORD1", false},
		{"case of name", "Alice", "password1", false},
		{"unknown user", "mallory", "password1", false},
		{"invalid name", "no such/user", "password1", false},
		{"empty", "", "", false},
		{"huge password", "alice", strings.Repeat("p", 5000), false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := "198.51.100." + itoa(i) + ":5000"
			u, err := f.svc.SignIn(ctx, tt.user, tt.pass, addr)
			if tt.ok {
				if err != nil || u.Name != "alice" || u.PasswordHash != "" {
					t.Fatalf("SignIn = %+v, %v", u, err)
				}
				return
			}
			wantCode(t, "SignIn", err, sso.CodeAccessDenied, "")
			if e := err.(*sso.Error); e.Message != "Incorrect username or password." {
				t.Fatalf("message %q", e.Message)
			}
		})
	}
}

func TestSignInThrottlePerUser(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := t.Context()
	f.addUser(t, "alice", "password1")
	for i := range DefaultThrottle.UserFailures {
		// Each attempt from another address: only the per-user limit
		// applies.
		addr := "203.0.113." + itoa(i) + ":1"
		_, err := f.svc.SignIn(ctx, "alice", "wrong-password", addr)
		wantCode(t, "attempt "+itoa(i), err, sso.CodeAccessDenied, "")
	}
	// Locked: even the right password is refused, and refused the same way.
	_, err := f.svc.SignIn(ctx, "alice", "password1", "203.0.113.200:1")
	wantCode(t, "right password while throttled", err, sso.CodeTooManyRequests, "Wait a few minutes")
	// Other users are not affected.
	f.addUser(t, "bob", "password2")
	if _, err := f.svc.SignIn(ctx, "bob", "password2", "203.0.113.201:1"); err != nil {
		t.Fatalf("another user: %v", err)
	}
	// The window ends.
	f.clock.Add(DefaultThrottle.Window)
	if _, err := f.svc.SignIn(ctx, "alice", "password1", "203.0.113.202:1"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if n := strings.Count(f.logs.String(), "sign-in throttled"); n != 1 {
		t.Fatalf("%d throttle log lines, want 1", n)
	}
	// Keys never hold the typed name in clear.
	db := f.files(t)
	if !bytes.Contains(db, []byte("signin:user:")) || bytes.Contains(db, []byte("signin:user:alice")) {
		t.Fatal("the limit keys hold the typed username, or are not where this test looks")
	}
}

func TestSignInThrottlePerAddress(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := t.Context()
	f.addUser(t, "alice", "password1")
	for i := range DefaultThrottle.AddressFailures {
		// Spraying one password over many names from one /64.
		addr := "[2001:db8:1:2::" + itoa(i+1) + "]:443"
		_, err := f.svc.SignIn(ctx, "user"+itoa(i), "password1", addr)
		wantCode(t, "attempt "+itoa(i), err, sso.CodeAccessDenied, "")
	}
	_, err := f.svc.SignIn(ctx, "alice", "password1", "[2001:db8:1:2:ffff::1]:443")
	wantCode(t, "same /64", err, sso.CodeTooManyRequests, "")
	if _, err := f.svc.SignIn(ctx, "alice", "password1", "[2001:db8:1:3::1]:443"); err != nil {
		t.Fatalf("another /64: %v", err)
	}
}

func TestSuccessesDoNotCount(t *testing.T) {
	f := newFixture(t, Options{})
	f.addUser(t, "alice", "password1")
	for i := range 3 * DefaultThrottle.UserFailures {
		if _, err := f.svc.SignIn(t.Context(), "alice", "password1", "192.0.2.1:1"); err != nil {
			t.Fatalf("sign-in %d: %v", i, err)
		}
	}
}

func TestSignInThrottleAddressAttempts(t *testing.T) {
	f := newFixture(t, Options{Throttle: Throttle{AddressAttempts: 5}})
	f.addUser(t, "alice", "password1")
	for i := range 5 {
		if _, err := f.svc.SignIn(t.Context(), "alice", "password1", "192.0.2.1:1"); err != nil {
			t.Fatalf("sign-in %d: %v", i, err)
		}
	}
	_, err := f.svc.SignIn(t.Context(), "alice", "password1", "192.0.2.1:2")
	wantCode(t, "sixth attempt", err, sso.CodeTooManyRequests, "")
	if _, err := f.svc.SignIn(t.Context(), "alice", "password1", "192.0.2.2:1"); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

// TestParallelBurst: attempts that run at once get one address no more
// password checks than AddressAttempts.
func TestParallelBurst(t *testing.T) {
	f := newFixture(t, Options{Throttle: Throttle{AddressAttempts: 20, UserFailures: -1, AddressFailures: -1}})
	f.addUser(t, "alice", "password1")
	var wg sync.WaitGroup
	var mu sync.Mutex
	denied := 0
	for range 60 {
		wg.Go(func() {
			_, err := f.svc.SignIn(t.Context(), "alice", "guess", "192.0.2.9:1")
			if sso.CodeOf(err) == sso.CodeAccessDenied {
				mu.Lock()
				denied++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if denied > 20 {
		t.Fatalf("%d password checks in a burst, want at most 20", denied)
	}
}

func TestThrottleOff(t *testing.T) {
	f := newFixture(t, Options{Throttle: Throttle{UserFailures: -1, AddressFailures: -1, AddressAttempts: -1}})
	f.addUser(t, "alice", "password1")
	for i := range 50 {
		_, err := f.svc.SignIn(t.Context(), "alice", "nope-nope", "192.0.2.1:1")
		wantCode(t, "attempt "+itoa(i), err, sso.CodeAccessDenied, "")
	}
}

// TestSignInTiming checks that an unknown user costs the same argon2id work
// as a known one, with the real parameters.
// TestSignInEqualWork: signing in as a user who does not exist, or with a
// name that is not valid, does the same password work as for a real user:
// exactly one argon2id verification with the current parameters. The work
// is counted, not timed, so the test holds on a loaded machine.
func TestSignInEqualWork(t *testing.T) {
	f := newFixture(t, Options{Throttle: Throttle{UserFailures: -1, AddressFailures: -1, AddressAttempts: -1}})
	f.addUser(t, "alice", "password1")
	var mu sync.Mutex
	var runs []argonParams
	verifyHook = func(p argonParams) { mu.Lock(); runs = append(runs, p); mu.Unlock() }
	defer func() { verifyHook = nil }()
	for _, user := range []string{"alice", "nobody", "not a name!"} {
		mu.Lock()
		runs = nil
		mu.Unlock()
		_, err := f.svc.SignIn(t.Context(), user, "wrong-password", "192.0.2.1:1")
		wantCode(t, "SignIn", err, sso.CodeAccessDenied, "")
		mu.Lock()
		got := runs
		mu.Unlock()
		if len(got) != 1 || got[0].memory != defaultParams.memory || got[0].time != defaultParams.time || got[0].threads != defaultParams.threads {
			t.Errorf("sign-in as %q ran %d verifications %+v, want one with %+v", user, len(got), got, defaultParams)
		}
	}
}

// TestSetPasswordEndsSessions: a new password signs every browser out.
func TestSetPasswordEndsSessions(t *testing.T) {
	f := newFixture(t, Options{SessionTTL: time.Hour})
	ctx := t.Context()
	alice := f.addUser(t, "alice", "password1")
	bob := f.addUser(t, "bob", "password2")
	a1, _, err := f.svc.StartSession(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	a2, _, _ := f.svc.StartSession(ctx, alice.ID)
	b1, _, _ := f.svc.StartSession(ctx, bob.ID)
	if err := f.svc.SetPassword(ctx, "alice", "a-new-password"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{a1, a2} {
		if _, err := f.svc.SessionUser(ctx, c); err == nil {
			t.Error("a session signed in with the old password still works")
		}
	}
	if u, err := f.svc.SessionUser(ctx, b1); err != nil || u.ID != bob.ID {
		t.Errorf("another user's session ended: %v", err)
	}
}

func TestSessions(t *testing.T) {
	f := newFixture(t, Options{SessionTTL: time.Hour})
	ctx := t.Context()
	alice := f.addUser(t, "alice", "password1")

	cookie, exp, err := f.svc.StartSession(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cookie) != 43 || !exp.Equal(f.clock.Now().Add(time.Hour)) {
		t.Fatalf("StartSession = %q, %v", cookie, exp)
	}
	if bytes.Contains(f.files(t), []byte(cookie)) {
		t.Fatal("the cookie value is stored in the database")
	}
	u, err := f.svc.SessionUser(ctx, cookie)
	if err != nil || u.ID != alice.ID || u.PasswordHash != "" {
		t.Fatalf("SessionUser = %+v, %v", u, err)
	}
	for _, junk := range []string{"", "x", strings.Repeat("a", 43), cookie[:42], cookie + "A", strings.Repeat("!", 43)} {
		_, err := f.svc.SessionUser(ctx, junk)
		wantCode(t, "SessionUser("+junk+")", err, sso.CodeUnauthorized, "")
		if err := f.svc.EndSession(ctx, junk); err != nil {
			t.Fatalf("EndSession(junk): %v", err)
		}
	}

	f.clock.Add(time.Hour - time.Second)
	if _, err := f.svc.SessionUser(ctx, cookie); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	f.clock.Add(time.Second)
	_, err = f.svc.SessionUser(ctx, cookie)
	wantCode(t, "expired", err, sso.CodeUnauthorized, "")
	if _, err := f.store.GetSession(ctx, f.digester.Digest(sso.KindSession, cookie)); !errors.Is(err, sso.ErrNotFound) {
		t.Fatalf("the expired session is still stored: %v", err)
	}

	c2, _, _ := f.svc.StartSession(ctx, alice.ID)
	if err := f.svc.EndSession(ctx, c2); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SessionUser(ctx, c2)
	wantCode(t, "ended", err, sso.CodeUnauthorized, "")
}

func TestStoreFailures(t *testing.T) {
	f := newMemFixture(t, Options{})
	ctx := t.Context()
	alice := f.addUser(t, "alice", "password1")
	cookie, _, _ := f.svc.StartSession(ctx, alice.ID)
	f.mem.setFail(errBackend)
	calls := map[string]func() error{
		"AddUser":       func() error { _, err := f.svc.AddUser(ctx, UserSpec{Name: "b", Password: "password1"}); return err },
		"UpsertUser":    func() error { _, err := f.svc.UpsertUser(ctx, UserSpec{Name: "b", Password: "password1"}); return err },
		"SetPassword":   func() error { return f.svc.SetPassword(ctx, "alice", "password1") },
		"DeleteUser":    func() error { return f.svc.DeleteUser(ctx, "alice") },
		"ListUsers":     func() error { _, err := f.svc.ListUsers(ctx); return err },
		"GetUser":       func() error { _, err := f.svc.GetUser(ctx, alice.ID); return err },
		"EnsureDevUser": func() error { _, _, err := f.svc.EnsureDevUser(ctx); return err },
		"SignIn":        func() error { _, err := f.svc.SignIn(ctx, "alice", "password1", "192.0.2.1:1"); return err },
		"StartSession":  func() error { _, _, err := f.svc.StartSession(ctx, alice.ID); return err },
		"SessionUser":   func() error { _, err := f.svc.SessionUser(ctx, cookie); return err },
		"EndSession":    func() error { return f.svc.EndSession(ctx, cookie) },
	}
	for name, call := range calls {
		err := call()
		wantCode(t, name, err, sso.CodeInternal, "")
		if e := err.(*sso.Error); strings.Contains(e.Message, "fire") {
			t.Errorf("%s: backend text in the message %q", name, e.Message)
		}
		if !errors.Is(err, errBackend) {
			t.Errorf("%s: the cause is not kept for the log: %v", name, err)
		}
	}
}

// TestNoSecretsInLogs runs every operation and checks that no password,
// hash or cookie value reaches the log.
func TestNoSecretsInLogs(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := t.Context()
	secrets := []string{"password1", "second-password", "typed-into-name-field"}
	alice := f.addUser(t, "alice", secrets[0])
	_ = f.svc.SetPassword(ctx, "alice", secrets[1])
	_, _ = f.svc.SignIn(ctx, "alice", secrets[0], "192.0.2.1:1")
	_, _ = f.svc.SignIn(ctx, secrets[2], secrets[1], "192.0.2.1:1")
	for range 12 {
		_, _ = f.svc.SignIn(ctx, "alice", secrets[0], "192.0.2.1:1")
	}
	cookie, _, _ := f.svc.StartSession(ctx, alice.ID)
	_, _ = f.svc.SessionUser(ctx, cookie)
	_ = f.svc.EndSession(ctx, cookie)
	_, _ = f.svc.UpsertUser(ctx, UserSpec{Name: "alice", Password: "third-password"})
	pw, _, _ := newFixture(t, Options{}).svc.EnsureDevUser(ctx)
	secrets = append(secrets, cookie, f.rawUser(t, "alice").PasswordHash, "third-password", pw, "$argon2id$")

	db := f.files(t)
	for _, s := range []string{secrets[0], secrets[1], "third-password", cookie} {
		if bytes.Contains(db, []byte(s)) {
			t.Errorf("the database holds %q in plain text", s)
		}
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "sign-in failed") || !strings.Contains(logs, "sign-in throttled") {
		t.Fatalf("expected sign-in events in the log:\n%s", logs)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds a secret %q:\n%s", s, logs)
		}
	}
}

func TestAddressBucket(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7:51234":           "192.0.2.7",
		"192.0.2.7":                 "192.0.2.7",
		"[::ffff:192.0.2.7]:80":     "192.0.2.7",
		"[2001:db8:a:b:c:d:e:f]:80": "2001:db8:a:b::/64",
		"[fe80::1%eth0]:80":         "fe80::/64",
		"@":                         "unknown:@",
	} {
		if got := sso.AddressBucket(in); got != want {
			t.Errorf("AddressBucket(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRandomPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := randomPassword()
		if len(p) != 23 || seen[p] {
			t.Fatalf("randomPassword = %q", p)
		}
		seen[p] = true
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") || !verifyPassword(h, "correct horse battery") || verifyPassword(h, "wrong horse battery") {
		t.Errorf("HashPassword = %q", h)
	}
	if _, err := HashPassword("short"); sso.CodeOf(err) != sso.CodeInvalidRequest {
		t.Errorf("a short password: %v", err)
	}
}
