package ssotest

import (
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var flowTests = []test{
	{"Flow/RoundTripTakeAndReplay", testFlowRoundTrip},
	{"Flow/TakeOnce", testFlowTakeOnce},
}

func newFlow(kind, userID string) sso.Flow {
	return sso.Flow{Digest: digest(), Kind: kind, UserID: userID, Data: []byte(`{"next":"/device","n":"\u00fc"}` + "\x00\xff"),
		CreatedAt: base, ExpiresAt: at(10 * time.Minute)}
}

func testFlowRoundTrip(t *testing.T, s sso.Store) {
	ctx := t.Context()
	want := newFlow("signin", "u1")
	mustFill(t, want)
	in := clone(want)
	must(t, "CreateFlow", s.CreateFlow(ctx, in))
	clobber(in.Data)
	got, err := s.GetFlow(ctx, want.Digest, "signin")
	must(t, "GetFlow", err)
	same(t, "GetFlow", got, want)
	_, err = s.GetFlow(ctx, want.Digest, "webauthn")
	wantErr(t, "GetFlow of another kind", err, sso.ErrNotFound)
	_, err = s.TakeFlow(ctx, want.Digest, "webauthn")
	wantErr(t, "TakeFlow of another kind", err, sso.ErrNotFound)
	// The replay cache: a second create of one digest is a conflict.
	dup := newFlow("signin", "u2")
	dup.Digest = want.Digest
	wantErr(t, "CreateFlow twice", s.CreateFlow(ctx, dup), sso.ErrConflict)
	got, err = s.TakeFlow(ctx, want.Digest, "signin")
	must(t, "TakeFlow", err)
	same(t, "TakeFlow", got, want)
	_, err = s.TakeFlow(ctx, want.Digest, "signin")
	wantErr(t, "TakeFlow twice", err, sso.ErrNotFound)
	_, err = s.GetFlow(ctx, want.Digest, "signin")
	wantErr(t, "GetFlow after take", err, sso.ErrNotFound)

	empty := newFlow("replay", "")
	empty.Data = nil
	must(t, "CreateFlow without data", s.CreateFlow(ctx, empty))
	got, err = s.GetFlow(ctx, empty.Digest, "replay")
	must(t, "GetFlow without data", err)
	same(t, "GetFlow without data", got, empty)

	// DeleteUserFlows removes one user's flows of one kind.
	a1, a2, b1, other := newFlow("webauthn", "a"), newFlow("webauthn", "a"), newFlow("webauthn", "b"), newFlow("signin", "a")
	for _, f := range []sso.Flow{a1, a2, b1, other} {
		must(t, "CreateFlow", s.CreateFlow(ctx, f))
	}
	if n, err := s.DeleteUserFlows(ctx, "a", "webauthn"); err != nil || n != 2 {
		t.Errorf("DeleteUserFlows = %d, %v; want 2", n, err)
	}
	for _, f := range []sso.Flow{b1, other} {
		if _, err := s.GetFlow(ctx, f.Digest, f.Kind); err != nil {
			t.Errorf("DeleteUserFlows took a flow it should not: %v", err)
		}
	}
	// Expired flows are collected.
	n, err := s.DeleteExpired(ctx, at(11*time.Minute))
	must(t, "DeleteExpired", err)
	if n < 3 {
		t.Errorf("DeleteExpired = %d, want the 3 flows at least", n)
	}
	_, err = s.GetFlow(ctx, b1.Digest, "webauthn")
	wantErr(t, "GetFlow after collection", err, sso.ErrNotFound)
}

// testFlowTakeOnce takes one flow from many goroutines at once: exactly
// one gets it.
func testFlowTakeOnce(t *testing.T, s sso.Store) {
	ctx := t.Context()
	f := newFlow("signin", "u")
	must(t, "CreateFlow", s.CreateFlow(ctx, f))
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.TakeFlow(ctx, f.Digest, "signin"); err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d takes of one flow succeeded, want 1", won)
	}
}
