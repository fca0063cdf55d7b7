package ssotest

import (
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var unusedClientTests = []test{
	{"Client/MarkUsed", testMarkClientUsed},
	{"DeleteExpired/UnusedClients", testCollectUnusedClients},
}

func testMarkClientUsed(t *testing.T, s sso.Store) {
	ctx := t.Context()
	c := newClient()
	must(t, "CreateClient", s.CreateClient(ctx, c))
	must(t, "MarkClientUsed", s.MarkClientUsed(ctx, c.ID))
	got, err := s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	want := c
	want.UnusedUntil = time.Time{}
	same(t, "GetClient after MarkClientUsed", got, want)
	// Marking again is not an error and changes nothing.
	must(t, "MarkClientUsed again", s.MarkClientUsed(ctx, c.ID))
	got, err = s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	same(t, "GetClient after a second MarkClientUsed", got, want)
	wantErr(t, "MarkClientUsed missing", s.MarkClientUsed(ctx, sso.RandomID()), sso.ErrNotFound)
}

// testCollectUnusedClients: a client unused past its UnusedUntil goes; one
// that was used, one whose UnusedUntil is later (or exactly the cutoff),
// and one that was never to be collected unused stay.
func testCollectUnusedClients(t *testing.T, s sso.Store) {
	ctx := t.Context()
	before := at(time.Hour)
	stale, used, young, edge, kept := newClient(), newClient(), newClient(), newClient(), newClient()
	stale.UnusedUntil, used.UnusedUntil, young.UnusedUntil, edge.UnusedUntil = at(30*time.Minute), at(30*time.Minute), at(2*time.Hour), before
	kept.UnusedUntil = time.Time{}
	for _, c := range []sso.Client{stale, used, young, edge, kept} {
		must(t, "CreateClient", s.CreateClient(ctx, c))
	}
	must(t, "MarkClientUsed", s.MarkClientUsed(ctx, used.ID))
	used.UnusedUntil = time.Time{}

	n, err := s.DeleteExpired(ctx, before)
	must(t, "DeleteExpired", err)
	if n != 1 {
		t.Errorf("DeleteExpired = %d, want 1 (the client unused past its day)", n)
	}
	_, err = s.GetClient(ctx, stale.ID)
	wantErr(t, "GetClient of a client unused past UnusedUntil", err, sso.ErrNotFound)
	for _, c := range []sso.Client{used, young, edge, kept} {
		got, err := s.GetClient(ctx, c.ID)
		must(t, "GetClient of a client to keep", err)
		same(t, "kept client", got, c)
	}
}
