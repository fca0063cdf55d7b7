package sso

import (
	"context"
	"time"
)

// SCIMToken is a bearer token a provisioning client (Okta, Entra ID,
// Google...) presents to the SCIM endpoint. Only its digest is stored
// (KindSCIMToken); the token itself is shown once, when it is made.
type SCIMToken struct {
	ID        string // a UUID: what list shows and revoke names
	Digest    []byte // Digester.Digest(KindSCIMToken, token)
	CreatedAt time.Time
	ExpiresAt time.Time // every token expires, as Identity Center's do
	RevokedAt time.Time // zero while not revoked
	CreatedBy string    // the actor who made it (audit form)
}

// Usable reports whether t may be used at now: not revoked, not expired.
func (t SCIMToken) Usable(now time.Time) bool {
	return t.RevokedAt.IsZero() && now.Before(t.ExpiresAt)
}

// SCIMTokenStore keeps SCIM bearer tokens. Tokens are few and kept after
// they expire or are revoked, so that list shows what happened to each.
type SCIMTokenStore interface {
	// CreateSCIMToken stores t. Returns ErrConflict if t.ID or t.Digest
	// exists.
	CreateSCIMToken(ctx context.Context, t SCIMToken) error
	// GetSCIMToken returns the token with digest. Returns ErrNotFound if
	// none.
	GetSCIMToken(ctx context.Context, digest []byte) (SCIMToken, error)
	// ListSCIMTokens returns every token, oldest first (by CreatedAt, then
	// ID).
	ListSCIMTokens(ctx context.Context) ([]SCIMToken, error)
	// RevokeSCIMToken marks the token id revoked at now. Returns
	// ErrNotFound if there is no such token or it is revoked already.
	RevokeSCIMToken(ctx context.Context, id string, now time.Time) error
}
