package access

import (
	"hash/maphash"
	"sync"
	"time"
)

// limiter counts calls per key in fixed windows, in this process: the
// portal's per-session rate limit. It replaced a count in the store (a
// write, and on SQLite a group commit and a sync, on every portal call:
// most of GetRoleCredentials' time, BENCHMARKS.md). As the device poll
// pacing does (device/pace.go), each node limits the calls it answers, so
// behind a load balancer a session gets the limit once per node, never
// less: a wall for a runaway loop, not an exact quota.
//
// Keys are the IDs of token families that authenticated, so the map holds
// at most the sessions that called within the last window; each shard
// drops ended windows when it grows past the size it had after its last
// sweep, so memory follows the live sessions, not the history.
type limiter struct {
	window time.Duration
	seed   maphash.Seed
	shards [limiterShards]limitShard
}

const limiterShards = 32

type limitShard struct {
	mu        sync.Mutex
	windows   map[string]limitWindow
	sweepAt   int // sweep when the map reaches this size
	lastSweep time.Time
}

type limitWindow struct {
	start time.Time
	count int
}

func newLimiter(window time.Duration) *limiter {
	l := &limiter{window: window, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].windows = map[string]limitWindow{}
		l.shards[i].sweepAt = 64
	}
	return l
}

// hit counts one call under key at now and returns the calls key has had
// in its current window, this one included. A window starts at the first
// call after the previous one ended and lasts l.window (as the store's
// LimitStore.Hit).
func (l *limiter) hit(key string, now time.Time) int {
	sh := &l.shards[maphash.String(l.seed, key)%limiterShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	w, ok := sh.windows[key]
	if !ok || !now.Before(w.start.Add(l.window)) {
		if !ok && len(sh.windows) >= sh.sweepAt {
			sh.sweep(now, l.window)
		}
		w = limitWindow{start: now}
	}
	w.count++
	sh.windows[key] = w
	return w.count
}

// sweep drops the windows that have ended, at most once per window, and
// sets the size at which the next sweep happens to twice what is left.
func (sh *limitShard) sweep(now time.Time, window time.Duration) {
	if now.Sub(sh.lastSweep) < window {
		sh.sweepAt = max(sh.sweepAt, len(sh.windows)+1)
		return
	}
	sh.lastSweep = now
	for k, w := range sh.windows {
		if !now.Before(w.start.Add(window)) {
			delete(sh.windows, k)
		}
	}
	sh.sweepAt = max(64, 2*len(sh.windows))
}

// size returns how many windows are held (for tests).
func (l *limiter) size() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += len(sh.windows)
		sh.mu.Unlock()
	}
	return n
}
