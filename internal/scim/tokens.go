package scim

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Lifetimes of a token: a year unless asked otherwise (as Identity
// Center's tokens), ten years at most.
const (
	DefaultTokenLifetime = 365 * 24 * time.Hour
	MaxTokenLifetime     = 10 * DefaultTokenLifetime
)

// tokenPrefix starts every token, so that a leaked one is recognisable
// (secret scanners, logs).
const tokenPrefix = "ssooidc-scim-"

// Tokens makes, lists, revokes and checks SCIM bearer tokens.
type Tokens struct {
	store    sso.SCIMTokenStore
	digester *sso.Digester
	rec      *audit.Recorder
	now      func() time.Time
}

// NewTokens returns Tokens over store. rec records creations and
// revocations.
func NewTokens(store sso.SCIMTokenStore, d *sso.Digester, rec *audit.Recorder, now func() time.Time) *Tokens {
	if now == nil {
		now = time.Now
	}
	return &Tokens{store: store, digester: d, rec: rec, now: now}
}

func tokenTarget(t sso.SCIMToken) sso.Target {
	return sso.Target{Type: audit.TargetSCIMToken, ID: t.ID}
}

// Create makes a token valid for lifetime (DefaultTokenLifetime when 0)
// and returns it with the secret, which is shown once and never stored.
func (ts *Tokens) Create(ctx context.Context, lifetime time.Duration) (sso.SCIMToken, string, error) {
	if lifetime == 0 {
		lifetime = DefaultTokenLifetime
	}
	if lifetime < time.Hour || lifetime > MaxTokenLifetime {
		return sso.SCIMToken{}, "", sso.Errorf(sso.CodeInvalidRequest, "A SCIM token lives 1h to %s (got %s).", MaxTokenLifetime, lifetime)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return sso.SCIMToken{}, "", err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	now := ts.now()
	t := sso.SCIMToken{ID: sso.RandomUUID(), Digest: ts.digester.Digest(sso.KindSCIMToken, secret), CreatedAt: now,
		ExpiresAt: now.Add(lifetime), CreatedBy: actorName(ctx)}
	ev := ts.rec.Event(ctx, audit.SCIMTokenCreated, tokenTarget(t), "expires", t.ExpiresAt.UTC().Format(time.RFC3339))
	if err := ts.rec.Do(ctx, func(ctx context.Context) error { return ts.store.CreateSCIMToken(ctx, t) }, ev); err != nil {
		return sso.SCIMToken{}, "", err
	}
	return t, secret, nil
}

// actorName is how CreatedBy records the actor.
func actorName(ctx context.Context) string {
	a := sso.ActorFrom(ctx)
	if a.ID != "" {
		return a.ID
	}
	return a.Type
}

// List returns every token, oldest first.
func (ts *Tokens) List(ctx context.Context) ([]sso.SCIMToken, error) {
	return ts.store.ListSCIMTokens(ctx)
}

// Revoke revokes the token id at once. Errors: CodeResourceNotFound when
// there is no such token or it is revoked already.
func (ts *Tokens) Revoke(ctx context.Context, id string) error {
	t := sso.SCIMToken{ID: id}
	ev := ts.rec.Event(ctx, audit.SCIMTokenRevoked, tokenTarget(t))
	err := ts.rec.Do(ctx, func(ctx context.Context) error { return ts.store.RevokeSCIMToken(ctx, id, ts.now()) }, ev)
	if errors.Is(err, sso.ErrNotFound) {
		return sso.Errorf(sso.CodeResourceNotFound, "No SCIM token %s is in use (it does not exist or is revoked already).", id)
	}
	return err
}

// errBadToken is every authentication failure: the client learns nothing
// about why.
var errBadToken = errors.New("the bearer token is missing, unknown, expired or revoked")

// Authenticate returns the token whose secret is bearer, if it may be
// used now. The digest lookup is one indexed read: a revocation on any
// node holds at once.
func (ts *Tokens) Authenticate(ctx context.Context, bearer string) (sso.SCIMToken, error) {
	if len(bearer) < len(tokenPrefix) || len(bearer) > 256 {
		return sso.SCIMToken{}, errBadToken
	}
	t, err := ts.store.GetSCIMToken(ctx, ts.digester.Digest(sso.KindSCIMToken, bearer))
	if errors.Is(err, sso.ErrNotFound) {
		return sso.SCIMToken{}, errBadToken
	}
	if err != nil {
		return sso.SCIMToken{}, err
	}
	if !t.Usable(ts.now()) {
		return sso.SCIMToken{}, errBadToken
	}
	return t, nil
}
