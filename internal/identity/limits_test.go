package identity

import (
	"encoding/json"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// verifications counts the argon2id verifications made while it is
// installed, and lets a test hold them at the door (block).
type verifications struct {
	n, inside atomic.Int64
	block     chan struct{} // nil: do not hold
}

func countVerifications(t *testing.T, block bool) *verifications {
	v := &verifications{}
	if block {
		v.block = make(chan struct{})
	}
	verifyHook = func(argonParams) {
		v.n.Add(1)
		if v.block != nil {
			v.inside.Add(1)
			<-v.block
			v.inside.Add(-1)
		}
	}
	t.Cleanup(func() { verifyHook = nil })
	return v
}

// waitFor yields until cond holds: the goroutines it waits for are all
// runnable, so this is a bounded wait for a signal, not a sleep.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i > 5_000_000 {
			t.Fatalf("never happened: %s", what)
		}
		runtime.Gosched()
	}
}

// storm runs n sign-ins at once and counts their outcomes by code.
func storm(t *testing.T, f *fixture, n int, user, pass func(i int) string, addr func(i int) string) map[sso.Code]int {
	var mu sync.Mutex
	out := map[sso.Code]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := f.svc.SignIn(t.Context(), user(i), pass(i), addr(i))
			c := sso.Code(-1) // success
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

// TestSignInStormOneUser is the attack of issue 13: 100 wrong passwords
// for one user at once. From one address or from a hundred, at most
// UserFailures verifications run; the rest are refused at once.
func TestSignInStormOneUser(t *testing.T) {
	for _, tc := range []struct {
		name string
		addr func(i int) string
	}{
		{"one address", func(int) string { return "192.0.2.9:1" }},
		{"a hundred addresses", func(i int) string { return "198.51.100." + itoa(i) + ":1" }},
		{"one IPv6 /64", func(i int) string { return "[2001:db8:5:6::" + itoa(i+1) + "]:1" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{HashMemory: 1 << 40})
			f.addUser(t, "alice", "password1")
			v := countVerifications(t, false)
			got := storm(t, f, 100, func(int) string { return "alice" }, func(int) string { return "wrong" }, tc.addr)
			limit := DefaultThrottle.UserFailures
			if got[sso.CodeAccessDenied] != limit || got[sso.CodeTooManyRequests] != 100-limit || v.n.Load() != int64(limit) {
				t.Fatalf("outcomes %v with %d verifications; want %d denied after %d verifications and %d throttled",
					got, v.n.Load(), limit, limit, 100-limit)
			}
			// The right password is refused too, without a verification.
			_, err := f.svc.SignIn(t.Context(), "alice", "password1", "203.0.113.1:1")
			wantCode(t, "right password after the storm", err, sso.CodeTooManyRequests, "")
			if sso.RetryAfterOf(err) != DefaultThrottle.Window {
				t.Errorf("RetryAfter %v, want the window", sso.RetryAfterOf(err))
			}
			if v.n.Load() != int64(limit) {
				t.Errorf("a throttled sign-in verified a password")
			}
		})
	}
}

// TestSignInStormOneAddress: one address spraying many names at once gets
// AddressFailures verifications.
func TestSignInStormOneAddress(t *testing.T) {
	f := newFixture(t, Options{HashMemory: 1 << 40})
	v := countVerifications(t, false)
	got := storm(t, f, 200, func(i int) string { return "user" + itoa(i) }, func(int) string { return "password1" },
		func(i int) string { return "[2001:db8:7:8:" + itoa(i+1) + "::1]:443" })
	limit := DefaultThrottle.AddressFailures
	if got[sso.CodeAccessDenied] != limit || v.n.Load() != int64(limit) {
		t.Fatalf("outcomes %v with %d verifications, want %d", got, v.n.Load(), limit)
	}
}

// TestSignInSuccessesGiveBack: successes give their failure slots back, so
// a hundred right passwords after nine failures all get in; the tenth
// failure then locks the user.
func TestSignInSuccessesGiveBack(t *testing.T) {
	f := newFixture(t, Options{HashMemory: 1 << 40, Throttle: Throttle{AddressAttempts: -1}})
	f.addUser(t, "alice", "password1")
	for i := range DefaultThrottle.UserFailures - 1 {
		_, err := f.svc.SignIn(t.Context(), "alice", "wrong", "192.0.2.1:1")
		wantCode(t, "failure "+itoa(i), err, sso.CodeAccessDenied, "")
	}
	got := storm(t, f, 100, func(int) string { return "alice" }, func(int) string { return "password1" },
		func(int) string { return "192.0.2.1:1" })
	// At most one failure slot is free, so the hundred go through it one
	// after the other or are refused; none is denied.
	if got[sso.CodeAccessDenied] != 0 || got[-1] == 0 || got[-1]+got[sso.CodeTooManyRequests] != 100 {
		t.Fatalf("outcomes %v", got)
	}
	n, err := f.store.Count(t.Context(), "signin:user:"+nameKey("alice"), f.clock.Now())
	if err != nil || n != DefaultThrottle.UserFailures-1 {
		t.Fatalf("user failures after the successes = %d, %v; want %d", n, err, DefaultThrottle.UserFailures-1)
	}
	_, err = f.svc.SignIn(t.Context(), "alice", "wrong", "192.0.2.1:1")
	wantCode(t, "tenth failure", err, sso.CodeAccessDenied, "")
	_, err = f.svc.SignIn(t.Context(), "alice", "password1", "192.0.2.1:1")
	wantCode(t, "locked", err, sso.CodeTooManyRequests, "")
}

// TestLockoutLogNamesUserAndAddress: one warning per lock-out, naming the
// user (when it exists) and the address.
func TestLockoutLogNamesUserAndAddress(t *testing.T) {
	f := newFixture(t, Options{})
	f.addUser(t, "alice", "password1")
	for range DefaultThrottle.UserFailures + 3 {
		_, _ = f.svc.SignIn(t.Context(), "alice", "wrong", "[2001:db8:9:9::5]:1")
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(f.logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "sign-in throttled" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d lock-out lines, want 1:\n%s", len(lines), f.logs.String())
	}
	l := lines[0]
	if l["level"] != "WARN" || l["user"] != "alice" || l["client_addr"] != "2001:db8:9:9::/64" || l["scope"] != "username failures" {
		t.Errorf("lock-out line %v", l)
	}
}

// TestHashGateBoundsMemory: with a budget of four hashes, twenty sign-ins
// at once run four verifications at a time; the others wait at the gate.
func TestHashGateBoundsMemory(t *testing.T) {
	f := newFixture(t, Options{HashMemory: 4 * int64(defaultParams.memory) << 10, HashWait: time.Hour,
		Throttle: Throttle{UserFailures: -1, AddressFailures: -1, AddressAttempts: -1}})
	v := countVerifications(t, true)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { _, _ = f.svc.SignIn(t.Context(), "user"+itoa(i), "pw", "192.0.2.1:1") })
	}
	waitFor(t, "4 inside and 16 waiting", func() bool { return v.inside.Load() == 4 && f.svc.gate.waiting.Load() == 16 })
	close(v.block)
	wg.Wait()
	if v.n.Load() != 20 {
		t.Errorf("%d verifications, want 20", v.n.Load())
	}
}

// TestHashGateRefuses: no room within the wait is a 429 with Retry-After,
// the attempt's slots go back, and past hashWaiters waiters the gate
// refuses at once: there is no unbounded queue.
func TestHashGateRefuses(t *testing.T) {
	f := newFixture(t, Options{HashMemory: int64(defaultParams.memory) << 10, HashWait: time.Hour})
	f.addUser(t, "alice", "password1")
	v := countVerifications(t, true)
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = f.svc.SignIn(t.Context(), "holder", "pw", "192.0.2.200:1") })
	waitFor(t, "the holder inside", func() bool { return v.inside.Load() == 1 })
	errs := make(chan error, hashWaiters)
	for i := range hashWaiters {
		wg.Go(func() {
			_, err := f.svc.SignIn(t.Context(), "waiter"+itoa(i), "pw", "198.51.100."+itoa(i)+":1")
			errs <- err
		})
	}
	waitFor(t, "every waiter waiting", func() bool { return f.svc.gate.waiting.Load() == hashWaiters })
	// The gate is full and so is its queue: refused at once.
	_, err := f.svc.SignIn(t.Context(), "alice", "password1", "192.0.2.1:1")
	wantCode(t, "sign-in past the queue", err, sso.CodeTooManyRequests, "busy")
	if sso.RetryAfterOf(err) <= 0 {
		t.Error("no RetryAfter on a refusal of the gate")
	}
	for _, key := range []string{"signin:user:" + nameKey("alice"), "signin:addr:192.0.2.1", "signin-attempt:addr:192.0.2.1"} {
		if n, err := f.store.Count(t.Context(), key, f.clock.Now()); err != nil || n != 0 {
			t.Errorf("%s counts %d after a refusal of the gate, want 0 (%v)", key, n, err)
		}
	}
	close(v.block)
	wg.Wait()
	close(errs)
	for err := range errs {
		wantCode(t, "waiter", err, sso.CodeAccessDenied, "")
	}
	if v.n.Load() != 1+hashWaiters {
		t.Errorf("%d verifications, want %d", v.n.Load(), 1+hashWaiters)
	}
	if _, err := f.svc.SignIn(t.Context(), "alice", "password1", "192.0.2.1:1"); err != nil {
		t.Fatalf("sign-in once the gate is free: %v", err)
	}
}

// TestHashGateWait: a sign-in that gets no room within HashWait is
// refused; the wait is the option's, counted by the gate, not timed here.
func TestHashGateWait(t *testing.T) {
	f := newFixture(t, Options{HashMemory: int64(defaultParams.memory) << 10, HashWait: time.Millisecond})
	v := countVerifications(t, true)
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = f.svc.SignIn(t.Context(), "holder", "pw", "192.0.2.200:1") })
	waitFor(t, "the holder inside", func() bool { return v.inside.Load() == 1 })
	_, err := f.svc.SignIn(t.Context(), "late", "pw", "192.0.2.1:1")
	wantCode(t, "sign-in that waited too long", err, sso.CodeTooManyRequests, "busy")
	close(v.block)
	wg.Wait()
	if v.n.Load() != 1 {
		t.Errorf("%d verifications, want 1", v.n.Load())
	}
}

func TestDefaultHashMemory(t *testing.T) {
	if DefaultHashMemory != 4*int64(owaspParams.memory)<<10 {
		t.Fatalf("DefaultHashMemory = %d, want four hashes of %d KiB", DefaultHashMemory, owaspParams.memory)
	}
	g := newHashGate(0, 0)
	if g.budget != 4*int64(owaspParams.memory) || g.wait != DefaultHashWait {
		t.Fatalf("default gate %+v", g)
	}
	// A hash that needs more than the whole budget runs alone, not never.
	big, err := hashPassword("x", argonParams{memory: 8 * 1024, time: 1, threads: 1, saltLen: 16, keyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	small := newHashGate(1<<20, time.Second)
	if w := small.weight(big); w != small.budget {
		t.Errorf("weight of a hash over the budget = %d, want the budget %d", w, small.budget)
	}
}
