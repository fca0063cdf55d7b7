package device

import (
	"sync"
	"time"
)

// pacer enforces the polling interval of RFC 8628 section 3.5 in memory:
// a pending poll is a read of the store and nothing more, so a fleet of
// waiting CLIs costs no writes (a store that records every poll turns
// each into a commit). The pacing state of a code is its last poll, its
// poll count and its interval, grown by slow_down; it lives as long as the
// code and goes at its expiry.
//
// Each server process paces the polls it answers. Behind a load balancer
// with several nodes a client that alternates between nodes is paced by
// each apart, which only makes the limit more lenient; nothing else
// depends on it.
type pacer struct {
	shards [paceShards]paceShard
}

const (
	paceShards = 16
	// paceSweep is how often a shard drops the entries of expired codes.
	paceSweep = time.Minute
)

type paceShard struct {
	mu      sync.Mutex
	m       map[paceKey]pace
	sweepAt time.Time
}

// paceKey is the first 16 bytes of a device code's keyed digest: uniform,
// so two live codes share a key with probability 2^-128.
type paceKey [16]byte

type pace struct {
	last     int64 // unix nanoseconds of the last poll
	expires  int64 // unix nanoseconds at which the code expires
	polls    int32
	interval int32 // seconds
}

// poll records a poll at now of the pending code with digest, which
// expires at expires and started with interval seconds. It reports
// whether the poll came too early (slow_down, RFC 8628 section 3.5) and
// the interval the client must keep from now on. The AWS CLI polls twice
// back to back before it first sleeps, so a code's first two polls are
// never too early.
func (p *pacer) poll(digest []byte, now, expires time.Time, interval int) (slow bool, keep int) {
	var k paceKey
	copy(k[:], digest)
	sh := &p.shards[k[0]%paceShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.m == nil {
		sh.m = map[paceKey]pace{}
	}
	if now.After(sh.sweepAt) {
		sh.sweep(now)
	}
	e, ok := sh.m[k]
	if !ok {
		e = pace{expires: expires.UnixNano(), interval: int32(interval)}
	}
	if e.polls >= 2 && time.Duration(now.UnixNano()-e.last) < time.Duration(e.interval)*time.Second-pollSlack {
		slow = true
		e.interval += slowDownStep
	}
	e.polls++
	e.last = now.UnixNano()
	sh.m[k] = e
	return slow, int(e.interval)
}

// sweep drops the entries of codes expired at now.
func (sh *paceShard) sweep(now time.Time) {
	n := now.UnixNano()
	for k, e := range sh.m {
		if e.expires <= n {
			delete(sh.m, k)
		}
	}
	sh.sweepAt = now.Add(paceSweep)
}

// len returns the number of codes paced, for tests.
func (p *pacer) len() int {
	n := 0
	for i := range p.shards {
		sh := &p.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}
