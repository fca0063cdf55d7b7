package ssotest

import (
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var clientTests = []test{
	{"Ping", func(t *testing.T, s sso.Store) {
		must(t, "Ping", s.Ping(t.Context()))
	}},
	{"Client/RoundTrip", testClientRoundTrip},
	{"Client/Errors", testClientErrors},
}

func testClientRoundTrip(t *testing.T, s sso.Store) {
	ctx := t.Context()
	want := newClient()
	mustFill(t, want)
	in := clone(want)
	must(t, "CreateClient", s.CreateClient(ctx, in))
	clobber(in.SecretDigest)
	clobberStrings(in.Scopes)

	got, err := s.GetClient(ctx, want.ID)
	must(t, "GetClient", err)
	same(t, "GetClient", got, want)

	// What GetClient returns is the caller's to change.
	clobber(got.SecretDigest)
	clobberStrings(got.RedirectURIs)
	again, err := s.GetClient(ctx, want.ID)
	must(t, "GetClient again", err)
	same(t, "GetClient after changing a returned client", again, want)

	// Empty lists and an empty digest survive as empty.
	bare := sso.Client{ID: sso.RandomID(), CreatedAt: base, ExpiresAt: at(time.Second)}
	must(t, "CreateClient bare", s.CreateClient(ctx, bare))
	got, err = s.GetClient(ctx, bare.ID)
	must(t, "GetClient bare", err)
	same(t, "GetClient bare", got, bare)
}

func testClientErrors(t *testing.T, s sso.Store) {
	ctx := t.Context()
	_, err := s.GetClient(ctx, sso.RandomID())
	wantErr(t, "GetClient missing", err, sso.ErrNotFound)

	c := newClient()
	must(t, "CreateClient", s.CreateClient(ctx, c))
	dup := newClient()
	dup.ID = c.ID
	wantErr(t, "CreateClient with an existing id", s.CreateClient(ctx, dup), sso.ErrConflict)
	got, err := s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	same(t, "GetClient after a conflicting create", got, c)

	// Two clients may share everything but the id.
	other := c
	other.ID = sso.RandomID()
	must(t, "CreateClient sharing all but the id", s.CreateClient(ctx, other))
}
