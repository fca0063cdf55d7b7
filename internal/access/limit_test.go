package access

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestLimiterWindows(t *testing.T) {
	l := newLimiter(10 * time.Second)
	t0 := time.Unix(1_000_000, 0)
	for i := 1; i <= 5; i++ {
		if n := l.hit("a", t0.Add(time.Duration(i)*time.Second)); n != i {
			t.Fatalf("hit %d = %d", i, n)
		}
	}
	if n := l.hit("b", t0); n != 1 {
		t.Errorf("another key counts apart: %d", n)
	}
	// The window started at a's first hit (t0+1s) and ends 10 s later.
	if n := l.hit("a", t0.Add(10*time.Second)); n != 6 {
		t.Errorf("inside the window: %d", n)
	}
	if n := l.hit("a", t0.Add(11*time.Second)); n != 1 {
		t.Errorf("a new window: %d", n)
	}
}

// TestLimiterConcurrent: however many calls run at once, the count is
// exact, so RateLimit holds.
func TestLimiterConcurrent(t *testing.T) {
	l := newLimiter(time.Minute)
	now := time.Unix(1_000_000, 0)
	var wg sync.WaitGroup
	over := make(chan int, 1000)
	for range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n := l.hit("k", now); n > RateLimit {
				over <- n
			}
		}()
	}
	wg.Wait()
	close(over)
	if got := len(over); got != 1000-RateLimit {
		t.Errorf("%d calls over the limit, want %d", got, 1000-RateLimit)
	}
}

// TestLimiterForgets: windows that ended are dropped as new keys come, so
// the limiter holds the sessions of the last window, not every session
// that ever called.
func TestLimiterForgets(t *testing.T) {
	l := newLimiter(10 * time.Second)
	t0 := time.Unix(1_000_000, 0)
	for i := range 10000 {
		l.hit(fmt.Sprint("old", i), t0)
	}
	for i := range 10000 {
		l.hit(fmt.Sprint("new", i), t0.Add(time.Minute))
	}
	if n := l.size(); n > 12000 {
		t.Errorf("the limiter holds %d windows after 20,000 keys in two windows a minute apart", n)
	}
}
