package clients

import (
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

type fixture struct {
	store *sqlite.Store
	d     *sso.Digester
	now   atomic.Pointer[time.Time]
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ssooidc.db"), sqlite.SyncNormal)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, _ := sso.RandomKey()
	f := &fixture{store: st, d: sso.NewDigester(key)}
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	f.now.Store(&t0)
	return f
}

func (f *fixture) service(opts Options) *Service {
	opts.Now = func() time.Time { return *f.now.Load() }
	opts.Limits = f.store
	return New(f.store, f.d, opts)
}

func (f *fixture) advance(d time.Duration) {
	t := f.now.Load().Add(d)
	f.now.Store(&t)
}

func str(s string) *string { return &s }

var plain = wire.RegisterClientRequest{ClientName: str("test"), ClientType: str("public")}

// TestRegistrationLimit: an address (an IPv6 /64) gets its registrations
// per window, however many it sends at once; another address is not
// affected; the next window starts over.
func TestRegistrationLimit(t *testing.T) {
	f := newFixture(t)
	s := f.service(Options{})
	var ok, slow atomic.Int64
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			_, err := s.Register(t.Context(), plain, "[2001:db8:9:9:"+strconv.Itoa(i+1)+"::1]:443")
			switch sso.CodeOf(err) {
			case sso.CodeTooManyRequests:
				slow.Add(1)
				if sso.RetryAfterOf(err) != RegistrationWindow {
					t.Errorf("RetryAfter %v", sso.RetryAfterOf(err))
				}
			default:
				if err != nil {
					t.Error(err)
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != DefaultRegistrationsPerAddress || slow.Load() != 100-DefaultRegistrationsPerAddress {
		t.Fatalf("%d registered, %d throttled; want %d registered", ok.Load(), slow.Load(), DefaultRegistrationsPerAddress)
	}
	if _, err := s.Register(t.Context(), plain, "192.0.2.1:5"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	f.advance(RegistrationWindow)
	if _, err := s.Register(t.Context(), plain, "[2001:db8:9:9::1]:443"); err != nil {
		t.Fatalf("the next window: %v", err)
	}
	// Off: no limit.
	off := f.service(Options{PerAddress: -1})
	for i := range 2 * DefaultRegistrationsPerAddress {
		if _, err := off.Register(t.Context(), plain, "192.0.2.2"); err != nil {
			t.Fatalf("registration %d with the limit off: %v", i, err)
		}
	}
}

// TestUnusedRegistration: a registration that starts nothing ends after
// its day, on every node, whether or not the collector ran; one that
// started an authorization lives its whole lifetime.
func TestUnusedRegistration(t *testing.T) {
	f := newFixture(t)
	a, b := f.service(Options{}), f.service(Options{}) // two nodes
	unused, err := a.Register(t.Context(), plain, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	used, err := a.Register(t.Context(), plain, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	auth := func(s *Service, r wire.RegisterClientResponse) (sso.Client, error) {
		return s.Authenticate(t.Context(), &r.ClientID, &r.ClientSecret)
	}
	// Both nodes cache both registrations while they are fresh.
	for _, s := range []*Service{a, b} {
		for _, r := range []wire.RegisterClientResponse{unused, used} {
			if _, err := auth(s, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Node a sees the client start an authorization.
	c, err := auth(a, used)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.MarkUsed(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	f.advance(DefaultUnusedLifetime)
	for name, s := range map[string]*Service{"node a": a, "node b": b} {
		if _, err := auth(s, unused); sso.CodeOf(err) != sso.CodeInvalidClient {
			t.Errorf("%s: unused registration after its day: %v", name, err)
		}
		// Node b's cache still says "unused": it reads the store again.
		if _, err := auth(s, used); err != nil {
			t.Errorf("%s: used registration after a day: %v", name, err)
		}
	}
	if _, err := f.store.DeleteExpired(t.Context(), f.now.Load().Add(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.GetClient(t.Context(), unused.ClientID); err == nil {
		t.Error("the unused registration was not collected")
	}
	if _, err := auth(b, used); err != nil {
		t.Errorf("used registration after the collection: %v", err)
	}
}

// TestRegistrationCaps: the bounds the README states, one past each.
func TestRegistrationCaps(t *testing.T) {
	f := newFixture(t)
	s := f.service(Options{PerAddress: -1})
	many := func(n int, f func(int) string) []string {
		var out []string
		for i := range n {
			out = append(out, f(i))
		}
		return out
	}
	long := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'x'
		}
		return string(b)
	}
	for _, tc := range []struct {
		name string
		req  wire.RegisterClientRequest
		ok   bool
	}{
		{"name at the cap", wire.RegisterClientRequest{ClientName: str(long(MaxNameLen)), ClientType: str("public")}, true},
		{"name past the cap", wire.RegisterClientRequest{ClientName: str(long(MaxNameLen + 1)), ClientType: str("public")}, false},
		{"scopes at the cap", wire.RegisterClientRequest{ClientName: str("a"), ClientType: str("public"),
			Scopes: many(MaxScopes, func(i int) string { return "s" + strconv.Itoa(i) })}, true},
		{"scopes past the cap", wire.RegisterClientRequest{ClientName: str("a"), ClientType: str("public"),
			Scopes: many(MaxScopes+1, func(i int) string { return "s" + strconv.Itoa(i) })}, false},
		{"redirect URIs at the cap", wire.RegisterClientRequest{ClientName: str("a"), ClientType: str("public"),
			RedirectURIs: many(MaxRedirectURIs, func(i int) string { return "http://127.0.0.1/cb" + strconv.Itoa(i) })}, true},
		{"redirect URIs past the cap", wire.RegisterClientRequest{ClientName: str("a"), ClientType: str("public"),
			RedirectURIs: many(MaxRedirectURIs+1, func(i int) string { return "http://127.0.0.1/cb" + strconv.Itoa(i) })}, false},
		{"redirect URI at the cap", wire.RegisterClientRequest{ClientName: str("a"), ClientType: str("public"),
			RedirectURIs: []string{"http://127.0.0.1/" + long(MaxURILen-len("http://127.0.0.1/"))}}, true},
		{"redirect URI past the cap", wire.RegisterClientRequest{ClientName: str("a"), ClientType: str("public"),
			RedirectURIs: []string{"http://127.0.0.1/" + long(MaxURILen+1-len("http://127.0.0.1/"))}}, false},
		{"private-use scheme", wire.RegisterClientRequest{ClientName: str("a"), ClientType: str("public"),
			RedirectURIs: []string{"com.example.app:/cb"}}, true},
		{"IPv6 loopback", wire.RegisterClientRequest{ClientName: str("a"), ClientType: str("public"),
			RedirectURIs: []string{"http://[::1]:8080/cb"}}, true},
		{"https", wire.RegisterClientRequest{ClientName: str("a"), ClientType: str("public"),
			RedirectURIs: []string{"https://app.example.com/cb"}}, false},
	} {
		_, err := s.Register(t.Context(), tc.req, "192.0.2.1")
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}
