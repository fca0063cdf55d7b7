package device

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/clients"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/tokens"
	"github.com/ssooidc/ssooidc/wire"
)

// countingStore is the real SQLite store, counting the user-code lookups:
// the work a guess does, counted instead of timed.
type countingStore struct {
	*sqlite.Store
	lookups atomic.Int64
}

func (c *countingStore) GetDeviceAuthByUserCode(ctx context.Context, digest []byte) (sso.DeviceAuth, error) {
	c.lookups.Add(1)
	return c.Store.GetDeviceAuthByUserCode(ctx, digest)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

type guessFixture struct {
	svc   *Service
	store *countingStore
	now   atomic.Pointer[time.Time]
	logs  *lockedBuffer
	code  string // a pending user code
}

func newGuessFixture(t *testing.T, expiresIn time.Duration) *guessFixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ssooidc.db"), sqlite.SyncNormal)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &guessFixture{store: &countingStore{Store: st}, logs: &lockedBuffer{}}
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	f.now.Store(&t0)
	now := func() time.Time { return *f.now.Load() }
	key, _ := sso.RandomKey()
	d := sso.NewDigester(key)
	cl := clients.New(st, d, clients.Options{Now: now})
	f.svc = New(f.store, f.store, cl, d, tokens.NewMinter(d, time.Hour, 8*time.Hour), Options{
		PublicURL: "http://127.0.0.1", StartURLs: []string{"https://start.example/start"}, ExpiresIn: expiresIn, Now: now,
		Logger: slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	reg, err := cl.Register(t.Context(), wire.RegisterClientRequest{ClientName: ptr("guess"), ClientType: ptr("public")}, "192.0.2.250")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.svc.Start(t.Context(), wire.StartDeviceAuthorizationRequest{ClientID: &reg.ClientID,
		ClientSecret: &reg.ClientSecret, StartURL: ptr("https://start.example/start")})
	if err != nil {
		t.Fatal(err)
	}
	f.code = resp.UserCode
	return f
}

func (f *guessFixture) advance(d time.Duration) {
	t := f.now.Load().Add(d)
	f.now.Store(&t)
}

func ptr(s string) *string { return &s }

func user(i int) sso.User {
	return sso.User{ID: "u-" + strconv.Itoa(i), Name: "user" + strconv.Itoa(i)}
}

// wrongCode is a well-formed code that matches nothing (the fixture has
// one live code, drawn at random; the chance it is this one is 1/20^8).
const wrongCode = "BBBB-BBBB"

// guessStorm runs n lookups at once and counts their outcomes by code.
func guessStorm(t *testing.T, f *guessFixture, n int, code func(i int) string, who func(i int) sso.User, addr func(i int) string) map[sso.Code]int {
	var mu sync.Mutex
	out := map[sso.Code]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := f.svc.Lookup(t.Context(), code(i), who(i), addr(i))
			c := sso.Code(-1)
			if err != nil {
				c = sso.CodeOf(err)
			}
			mu.Lock()
			out[c]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

func same[T any](v T) func(int) T { return func(int) T { return v } }

// TestGuessStormOnePerson: a hundred wrong codes at once by one person, from
// one address or a hundred, make GuessesPerUser lookups; the rest are
// refused before any lookup, and so is the right code after them.
func TestGuessStormOnePerson(t *testing.T) {
	for name, addr := range map[string]func(int) string{
		"one address":         same("192.0.2.1"),
		"a hundred addresses": func(i int) string { return "198.51.100." + strconv.Itoa(i) },
	} {
		t.Run(name, func(t *testing.T) {
			f := newGuessFixture(t, 0)
			got := guessStorm(t, f, 100, same(wrongCode), same(user(1)), addr)
			if f.store.lookups.Load() != GuessesPerUser || got[sso.CodeInvalidGrant] != GuessesPerUser || got[sso.CodeTooManyRequests] != 100-GuessesPerUser {
				t.Fatalf("outcomes %v with %d lookups; want %d lookups", got, f.store.lookups.Load(), GuessesPerUser)
			}
			_, err := f.svc.Lookup(t.Context(), f.code, user(1), "203.0.113.9")
			if sso.CodeOf(err) != sso.CodeTooManyRequests || sso.RetryAfterOf(err) != GuessWindow {
				t.Fatalf("the right code past the limit: %v (RetryAfter %v)", err, sso.RetryAfterOf(err))
			}
			if f.store.lookups.Load() != GuessesPerUser {
				t.Fatal("a refused entry was looked up")
			}
		})
	}
}

// TestGuessStormOneAddress: a hundred people at one IPv6 /64 with a wrong
// code each make GuessesPerAddress lookups.
func TestGuessStormOneAddress(t *testing.T) {
	f := newGuessFixture(t, 0)
	got := guessStorm(t, f, 100, same(wrongCode), user, func(i int) string { return "2001:db8:1:2:" + strconv.Itoa(i+1) + "::7" })
	if f.store.lookups.Load() != GuessesPerAddress || got[sso.CodeInvalidGrant] != GuessesPerAddress {
		t.Fatalf("outcomes %v with %d lookups; want %d", got, f.store.lookups.Load(), GuessesPerAddress)
	}
}

// TestNoGlobalSwitch is issue 13's lock-out: two thousand wrong codes from
// four hundred addresses by four hundred people. Someone else, at another
// address, with the right code, gets through.
func TestNoGlobalSwitch(t *testing.T) {
	f := newGuessFixture(t, 0)
	got := guessStorm(t, f, 2000, same(wrongCode), func(i int) sso.User { return user(i % 400) },
		func(i int) string { return "10." + strconv.Itoa(i%400/250) + "." + strconv.Itoa(i%400%250) + ".1" })
	if got[sso.CodeInvalidGrant] != 400*GuessesPerUser {
		t.Fatalf("outcomes %v; want %d wrong codes looked up", got, 400*GuessesPerUser)
	}
	p, err := f.svc.Lookup(t.Context(), f.code, user(9999), "203.0.113.50")
	if err != nil || p.UserCode != f.code {
		t.Fatalf("the right code after the storm: %+v, %v", p, err)
	}
}

// TestRightCodeGivesBack: finding the code is no wrong guess: a person may
// look it up any number of times (the consent page, then the decision).
func TestRightCodeGivesBack(t *testing.T) {
	f := newGuessFixture(t, 0)
	if _, err := f.svc.Lookup(t.Context(), wrongCode, user(1), "192.0.2.1"); sso.CodeOf(err) != sso.CodeInvalidGrant {
		t.Fatalf("wrong code: %v", err)
	}
	for i := range 20 {
		if _, err := f.svc.Lookup(t.Context(), strings.ToLower(f.code), user(1), "192.0.2.1"); err != nil {
			t.Fatalf("lookup %d of the right code: %v", i, err)
		}
	}
	if err := f.svc.Decide(t.Context(), f.code, user(1).ID, true); err != nil {
		t.Fatal(err)
	}
	// A used code is found too: no guess either.
	for range 5 {
		if _, err := f.svc.Lookup(t.Context(), f.code, user(1), "192.0.2.1"); sso.CodeOf(err) != sso.CodeInvalidGrant {
			t.Fatalf("used code: %v", err)
		}
	}
	if _, err := f.svc.Lookup(t.Context(), "CCCC-CCCC", user(1), "192.0.2.1"); sso.CodeOf(err) != sso.CodeInvalidGrant {
		t.Fatalf("second wrong code: %v", err)
	}
	if _, err := f.svc.Lookup(t.Context(), "DDDD-DDDD", user(1), "192.0.2.1"); sso.CodeOf(err) != sso.CodeTooManyRequests {
		t.Fatalf("third wrong code: %v", err)
	}
}

// TestAnonymousLookupRefused: nothing is looked up for nobody.
func TestAnonymousLookupRefused(t *testing.T) {
	f := newGuessFixture(t, 0)
	_, err := f.svc.Lookup(t.Context(), f.code, sso.User{}, "192.0.2.1")
	if sso.CodeOf(err) != sso.CodeUnauthorized || f.store.lookups.Load() != 0 {
		t.Fatalf("anonymous lookup: %v, %d lookups", err, f.store.lookups.Load())
	}
	// Input that cannot be a code is no guess.
	for range 10 {
		if _, err := f.svc.Lookup(t.Context(), "not a code!", user(1), "192.0.2.1"); sso.CodeOf(err) != sso.CodeInvalidGrant {
			t.Fatal(err)
		}
	}
	if f.store.lookups.Load() != 0 {
		t.Fatalf("%d lookups of input that is no code", f.store.lookups.Load())
	}
}

// TestGuessWindowCoversCodeLife: with codes that live an hour, the
// window is an hour, so a code's life still overlaps at most two windows.
func TestGuessWindowCoversCodeLife(t *testing.T) {
	f := newGuessFixture(t, time.Hour)
	for range GuessesPerUser {
		_, _ = f.svc.Lookup(t.Context(), wrongCode, user(1), "192.0.2.1")
	}
	f.advance(30 * time.Minute)
	if _, err := f.svc.Lookup(t.Context(), f.code, user(1), "192.0.2.1"); sso.CodeOf(err) != sso.CodeTooManyRequests {
		t.Fatalf("half an hour later: %v, want still locked", err)
	}
	f.advance(30 * time.Minute)
	if _, err := f.svc.Lookup(t.Context(), wrongCode, user(1), "192.0.2.1"); sso.CodeOf(err) != sso.CodeInvalidGrant {
		t.Fatalf("an hour later: %v, want a new window", err)
	}
}

// TestGuessLog: a wrong code is logged at info with the person and the
// address (never the code); a lock-out at warn, once.
func TestGuessLog(t *testing.T) {
	f := newGuessFixture(t, 0)
	for range GuessesPerUser + 3 {
		_, _ = f.svc.Lookup(t.Context(), wrongCode, sso.User{ID: "u-1", Name: "mallory"}, "[2001:db8:3:4::9]:1")
	}
	var wrong, locked int
	for _, l := range strings.Split(strings.TrimSpace(f.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		switch m["msg"] {
		case "wrong user code":
			wrong++
			if m["level"] != "INFO" || m["user"] != "mallory" || m["client_addr"] != "2001:db8:3:4::/64" {
				t.Errorf("wrong-code line %v", m)
			}
		case "user-code entry locked":
			locked++
			if m["level"] != "WARN" || m["user"] != "mallory" || m["client_addr"] != "2001:db8:3:4::/64" || m["scope"] != "user" {
				t.Errorf("lock-out line %v", m)
			}
		}
	}
	if wrong != GuessesPerUser || locked != 1 {
		t.Errorf("%d wrong-code lines and %d lock-out lines, want %d and 1", wrong, locked, GuessesPerUser)
	}
	if strings.Contains(f.logs.String(), "BBBB") {
		t.Error("the log holds the code typed")
	}
}
