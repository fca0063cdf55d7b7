package sso

import (
	"context"
	"time"
)

// Flow is a short-lived piece of state between two requests of one
// person's (or one client's) journey, kept in the store so that the next
// request may land on any node: a sign-in waiting for its second factor,
// the state, nonce and PKCE verifier of a redirect to an upstream identity
// provider, a SAML request ID, a WebAuthn challenge. It is found by the
// digest of a secret the journey holds (a cookie, a state parameter).
// Flows also serve as a replay cache: an assertion ID or a TOTP time step
// is remembered as a flow whose second creation fails.
type Flow struct {
	Digest    []byte
	Kind      string // what the flow is for, so one kind is never read as another
	UserID    string // the person, when known ("" otherwise)
	Data      []byte // the state, encoded by its owner (JSON); never a plain-text secret the store should not hold
	CreatedAt time.Time
	ExpiresAt time.Time
}

// FlowStore keeps flows. Expired flows are collected by DeleteExpired; a
// reader must still check ExpiresAt.
type FlowStore interface {
	// CreateFlow stores f. Returns ErrConflict if a flow with f.Digest
	// exists (a replay, when the flow is a replay-cache entry).
	CreateFlow(ctx context.Context, f Flow) error
	// GetFlow returns the flow with digest and kind. Returns ErrNotFound
	// if none.
	GetFlow(ctx context.Context, digest []byte, kind string) (Flow, error)
	// TakeFlow deletes the flow with digest and kind and returns it, in
	// one atomic step: of two concurrent takes, one gets it and the other
	// ErrNotFound.
	TakeFlow(ctx context.Context, digest []byte, kind string) (Flow, error)
	// DeleteUserFlows deletes every flow of kind of the user userID and
	// returns how many it deleted.
	DeleteUserFlows(ctx context.Context, userID, kind string) (int, error)
}
