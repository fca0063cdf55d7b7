package identity

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// DefaultHashMemory is the memory budget of password verifications when
// none is configured: four argon2id hashes with the current parameters
// (4 x 19 MiB). Four keep two cores busy through a burst of sign-ins, and
// a server that admits four at a time never holds more than 76 MiB of
// hashing memory, however many sign-ins arrive. (A constant, so it is
// written out; TestDefaultHashMemory ties it to owaspParams.)
const DefaultHashMemory int64 = 4 * 19 << 20

// Gate limits. A sign-in waits at most hashWait for its turn and at most
// hashWaiters wait at once; the rest are refused at once. Both are small:
// the queue holds only what the gate can work off in about its wait (four
// hashes of 50 ms on two cores clear about 40 a second), and a refused
// person retries after Retry-After.
const (
	// DefaultHashWait is how long a sign-in waits for room at most.
	DefaultHashWait = 2 * time.Second
	hashWaiters     = 64
	gateRetryAfter  = 2 * time.Second
)

// msgBusy is what a person whose sign-in found the gate full reads.
const msgBusy = "The server is busy signing other people in. Try again in a few seconds."

// hashGate bounds the memory that password hashing holds at once. Each
// verification is weighed by the memory its hash makes argon2id use (at
// least that of the current parameters, so bcrypt hashes, which use little
// memory but as much time, are bounded the same way), capped at the whole
// budget so that one hash bigger than the budget runs alone.
type hashGate struct {
	sem     *semaphore.Weighted
	budget  int64 // KiB
	wait    time.Duration
	waiting atomic.Int64
}

func newHashGate(budgetBytes int64, wait time.Duration) *hashGate {
	if budgetBytes <= 0 {
		budgetBytes = DefaultHashMemory
	}
	if wait <= 0 {
		wait = DefaultHashWait
	}
	kib := max(budgetBytes>>10, 1)
	return &hashGate{sem: semaphore.NewWeighted(kib), budget: kib, wait: wait}
}

// errGateFull: the gate had no room within its wait.
var errGateFull = errors.New("identity: password hashing is at its memory budget")

// enter waits for room for a verification of hash (and a rehash with the
// current parameters) and returns the function that leaves the gate. It
// returns errGateFull when hashWaiters are already waiting or no room came
// within the wait, and ctx's error when ctx ends first.
func (g *hashGate) enter(ctx context.Context, hash string) (func(), error) {
	w := g.weight(hash)
	if g.sem.TryAcquire(w) {
		return func() { g.sem.Release(w) }, nil
	}
	if g.waiting.Add(1) > hashWaiters {
		g.waiting.Add(-1)
		return nil, errGateFull
	}
	defer g.waiting.Add(-1)
	wctx, cancel := context.WithTimeout(ctx, g.wait)
	defer cancel()
	if err := g.sem.Acquire(wctx, w); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errGateFull
	}
	return func() { g.sem.Release(w) }, nil
}

// weight is the memory in KiB that verifying hash (and, on success,
// rehashing with the current parameters) holds.
func (g *hashGate) weight(hash string) int64 {
	w := int64(defaultParams.memory)
	if h, err := parseArgon2id(hash); err == nil {
		w = max(w, int64(h.params.memory))
	}
	return min(max(w, 1), g.budget)
}

// busy is the error of a sign-in the gate refused.
func busy() error {
	return &sso.Error{Code: sso.CodeTooManyRequests, Message: msgBusy, RetryAfter: gateRetryAfter}
}
