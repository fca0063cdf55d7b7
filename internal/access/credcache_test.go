package access

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

func TestServeUntil(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	for _, c := range []struct {
		life time.Duration
		want time.Duration // after now
	}{
		{time.Hour, 30 * time.Minute},        // half of it
		{12 * time.Hour, 6 * time.Hour},      // half of it
		{50 * time.Minute, 25 * time.Minute}, // half: 25 min left then
		{30 * time.Minute, 10 * time.Minute}, // 20 min left then
		{15 * time.Minute, -5 * time.Minute}, // never served twice
	} {
		got := serveUntil(Credentials{Expiration: now.Add(c.life)}, now)
		if got != now.Add(c.want) {
			t.Errorf("credentials of %v: served until now%+v, want now%+v", c.life, got.Sub(now), c.want)
		}
		if left := now.Add(c.life).Sub(got); c.want > 0 && left < MinCachedRemaining {
			t.Errorf("credentials of %v served with %v left", c.life, left)
		}
	}
}

// TestCredCache: a second call is served from the cache while the
// credentials have enough left, a changed role or user makes new ones,
// concurrent misses make one, and failures are not cached.
func TestCredCache(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Unix(1_000_000, 0).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	c := newCredCache()
	var issued atomic.Int64
	issue := func(ctx context.Context) (Credentials, error) {
		n := issued.Add(1)
		return Credentials{AccessKeyID: "ASIA" + string(rune('A'+n)), Expiration: clock().Add(time.Hour)}, nil
	}
	acct := sso.Account{ID: "111111111111", Source: sso.SourceSTS}
	ps := sso.PermissionSet{Name: "Admin", SessionDuration: time.Hour}
	alice := sso.User{ID: "u1", Name: "alice"}
	key, made := credKey(alice.ID, acct.ID, ps.Name), fingerprint(acct, ps, alice)
	ctx := context.Background()
	first, err := c.fetch(ctx, key, made, clock, issue)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := c.fetch(ctx, key, made, clock, issue)
	if again != first || issued.Load() != 1 {
		t.Fatalf("second call: %v (issued %d)", again, issued.Load())
	}
	// Past half the lifetime: new credentials.
	now.Add(int64(31 * time.Minute))
	third, _ := c.fetch(ctx, key, made, clock, issue)
	if third == first || issued.Load() != 2 {
		t.Errorf("after 31 minutes of an hour: %v (issued %d)", third, issued.Load())
	}
	// Another duration or role ARN template: a miss.
	ps.SessionDuration = 2 * time.Hour
	if _, _ = c.fetch(ctx, key, fingerprint(acct, ps, alice), clock, issue); issued.Load() != 3 {
		t.Errorf("a changed permission set was served from the cache")
	}
	// 50 concurrent calls of one key: one AssumeRole (the others wait for
	// it in the singleflight, or find its result cached).
	key2 := credKey("u2", acct.ID, ps.Name)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.fetch(ctx, key2, made, clock, issue); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if issued.Load() != 4 {
		t.Errorf("50 concurrent misses made %d AssumeRoles, want 1", issued.Load()-3)
	}
	// A failure is returned and not cached.
	boom := errors.New("sts down")
	key3 := credKey("u3", acct.ID, ps.Name)
	if _, err := c.fetch(ctx, key3, made, clock, func(context.Context) (Credentials, error) { return Credentials{}, boom }); !errors.Is(err, boom) {
		t.Errorf("failure: %v", err)
	}
	if _, err := c.fetch(ctx, key3, made, clock, issue); err != nil || issued.Load() != 5 {
		t.Errorf("after a failure: %v, issued %d", err, issued.Load())
	}
}

// TestCredCacheBounded: past its bound, the cache drops entries.
func TestCredCacheBounded(t *testing.T) {
	c := newCredCache()
	c.max = 100
	now := time.Unix(1_000_000, 0)
	for i := range 1000 {
		c.put(credKey(string(rune(i)), "a", "r"), "m", Credentials{Expiration: now.Add(time.Hour)}, now)
	}
	if len(c.entries) > 100 {
		t.Errorf("%d entries, bound 100", len(c.entries))
	}
}
