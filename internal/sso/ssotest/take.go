package ssotest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var takeTests = []test{
	{"Limit/Take", testTake},
	{"Limit/TakeWindow", testTakeWindow},
	{"Limit/Release", testRelease},
	{"Limit/TakeConcurrent", testTakeConcurrent},
}

// take calls Take and checks what it answers.
func take(t *testing.T, s sso.Store, key string, limit int, d time.Duration, wantN int, wantTaken bool) {
	t.Helper()
	n, taken, err := s.Take(t.Context(), key, limit, time.Minute, at(d))
	must(t, "Take", err)
	if n != wantN || taken != wantTaken {
		t.Errorf("Take(%q, limit %d, base+%v) = %d, %v; want %d, %v", key, limit, d, n, taken, wantN, wantTaken)
	}
}

func count(t *testing.T, s sso.Store, key string, d time.Duration, want int) {
	t.Helper()
	n, err := s.Count(t.Context(), key, at(d))
	must(t, "Count", err)
	if n != want {
		t.Errorf("Count(%q, base+%v) = %d, want %d", key, d, n, want)
	}
}

func testTake(t *testing.T, s sso.Store) {
	take(t, s, "k", 3, 0, 1, true)
	take(t, s, "k", 3, time.Second, 2, true)
	take(t, s, "k", 3, 2*time.Second, 3, true)
	// Full: refused, and a refusal counts nothing.
	take(t, s, "k", 3, 3*time.Second, 3, false)
	take(t, s, "k", 3, 4*time.Second, 3, false)
	count(t, s, "k", 5*time.Second, 3)
	// Another key has a window of its own; a larger limit has room.
	take(t, s, "other", 3, 5*time.Second, 1, true)
	take(t, s, "k", 4, 5*time.Second, 4, true)
	// Hit and Take count in the same window: Hit is a Take without a cap.
	n, err := s.Hit(t.Context(), "k", time.Minute, at(6*time.Second))
	must(t, "Hit", err)
	if n != 5 {
		t.Errorf("Hit after Takes = %d, want 5", n)
	}
	take(t, s, "k", 4, 7*time.Second, 5, false)
	take(t, s, "limit one", 1, 0, 1, true)
	take(t, s, "limit one", 1, 0, 1, false)
}

func testTakeWindow(t *testing.T, s sso.Store) {
	take(t, s, "k", 2, 0, 1, true)
	take(t, s, "k", 2, time.Second, 2, true)
	take(t, s, "k", 2, time.Minute-time.Millisecond, 2, false)
	// The window is [start, start+window): this Take opens the next one,
	// even though the last one was full.
	take(t, s, "k", 2, time.Minute, 1, true)
	take(t, s, "k", 2, time.Minute+time.Second, 2, true)
	take(t, s, "k", 2, time.Minute+2*time.Second, 2, false)
	// A refused Take does not start or stretch a window.
	take(t, s, "k", 2, 2*time.Minute, 1, true)
}

func testRelease(t *testing.T, s sso.Store) {
	ctx := t.Context()
	take(t, s, "k", 2, 0, 1, true)
	take(t, s, "k", 2, time.Second, 2, true)
	take(t, s, "k", 2, 2*time.Second, 2, false)
	// Giving one back makes room for one more.
	must(t, "Release", s.Release(ctx, "k", at(time.Second)))
	count(t, s, "k", 3*time.Second, 1)
	take(t, s, "k", 2, 3*time.Second, 2, true)
	take(t, s, "k", 2, 3*time.Second, 2, false)
	// The count never goes below zero.
	for range 3 {
		must(t, "Release", s.Release(ctx, "k", at(3*time.Second)))
	}
	count(t, s, "k", 4*time.Second, 0)
	take(t, s, "k", 2, 4*time.Second, 1, true)

	// A slot taken in a window that has since ended is not given back to
	// the window that followed it.
	take(t, s, "w", 1, 0, 1, true)
	take(t, s, "w", 1, time.Minute+time.Second, 1, true) // a new window
	must(t, "Release from an ended window", s.Release(ctx, "w", at(0)))
	count(t, s, "w", time.Minute+2*time.Second, 1)
	take(t, s, "w", 1, time.Minute+2*time.Second, 1, false)
	// Nor is a slot given back before its window began (a clock that went
	// back), nor to a key that has none.
	must(t, "Release before the window", s.Release(ctx, "w", at(time.Minute)))
	count(t, s, "w", time.Minute+2*time.Second, 1)
	must(t, "Release of a missing key", s.Release(ctx, "missing", at(0)))
	count(t, s, "missing", 0, 0)
}

// testTakeConcurrent: however many Takes run at once, exactly limit are
// taken, and each taken one saw its own count.
func testTakeConcurrent(t *testing.T, s sso.Store) {
	const limit, callers = 7, 40
	var taken atomic.Int64
	seen := make([]atomic.Bool, limit+1)
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			n, ok, err := s.Take(t.Context(), "hot", limit, time.Minute, base)
			if err != nil {
				errs <- err
				return
			}
			if ok {
				taken.Add(1)
				if n < 1 || n > limit || seen[n].Swap(true) {
					errs <- fmt.Errorf("a taken slot reported count %d (twice, or out of 1..%d)", n, limit)
				}
			} else if n != limit {
				errs <- fmt.Errorf("a refused Take reported count %d, want %d", n, limit)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := taken.Load(); got != limit {
		t.Errorf("%d concurrent Takes with limit %d took %d", callers, limit, got)
	}
	count(t, s, "hot", time.Second, limit)
}
