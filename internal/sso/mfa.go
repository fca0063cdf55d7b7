package sso

import (
	"context"
	"time"
)

// Factor kinds: what a person proves with their second factor.
const (
	FactorTOTP     = "totp"     // an authenticator app (RFC 6238)
	FactorWebAuthn = "webauthn" // a security key or passkey (WebAuthn)
)

// Factor is one second factor of a person: an authenticator app or a
// WebAuthn credential. Secrets are never stored in plain text: a TOTP
// secret is sealed (encrypted and authenticated) by internal/mfa before it
// reaches the store; a WebAuthn credential holds only a public key.
type Factor struct {
	ID     string // random, not secret
	UserID string
	Kind   string // FactorTOTP or FactorWebAuthn
	Name   string // chosen by the person; unique per person
	// Secret is a TOTP factor's sealed secret; empty for WebAuthn.
	Secret []byte
	// The WebAuthn credential: its ID (unique over all people), public
	// key (COSE), signature counter, transports and whether it is
	// discoverable (a passkey that signs in without a typed name).
	CredentialID []byte
	PublicKey    []byte
	SignCount    uint32
	Transports   []string
	Discoverable bool
	// Data is the rest of a WebAuthn credential record as its library
	// keeps it (flags, AAGUID, attestation type), encoded by internal/mfa.
	Data       []byte
	CreatedAt  time.Time
	LastUsedAt time.Time // zero until first used
}

// FactorStore keeps second factors and recovery codes.
type FactorStore interface {
	// CreateFactor stores f. Returns ErrConflict if f.ID exists, if the
	// user has a factor named f.Name, or if f.CredentialID (when not
	// empty) belongs to a stored factor; ErrNotFound if the user does not
	// exist.
	CreateFactor(ctx context.Context, f Factor) error
	// GetFactor returns the factor id of the user userID. Returns
	// ErrNotFound if none.
	GetFactor(ctx context.Context, userID, id string) (Factor, error)
	// GetFactorByCredential returns the WebAuthn factor whose credential ID
	// is credentialID. Returns ErrNotFound if none.
	GetFactorByCredential(ctx context.Context, credentialID []byte) (Factor, error)
	// ListFactors returns the factors of userID, oldest first (then by
	// ID); none is an empty list, not an error.
	ListFactors(ctx context.Context, userID string) ([]Factor, error)
	// UpdateFactor runs update on the factor id of userID and stores what
	// it returns, atomically with respect to every other change of it
	// (compare-and-swap). Only Name, SignCount, Data and LastUsedAt may
	// change. update must not call the store; its error is returned as is
	// with nothing stored. Returns the stored factor; ErrNotFound if none;
	// ErrConflict if the new name is another factor's of the user.
	UpdateFactor(ctx context.Context, userID, id string, update func(Factor) (Factor, error)) (Factor, error)
	// DeleteFactor deletes the factor id of userID. With keepOne, deleting
	// the user's only factor is refused with ErrConflict, decided in the
	// same transaction as the delete (two removals at once cannot leave
	// none). When the factor was the user's last, the user's recovery
	// codes are deleted with it. Returns ErrNotFound if none.
	DeleteFactor(ctx context.Context, userID, id string, keepOne bool) error
	// DeleteUserFactors deletes every factor and recovery code of userID
	// in one transaction and returns how many factors it deleted.
	DeleteUserFactors(ctx context.Context, userID string) (int, error)
	// ReplaceRecoveryCodes makes digests the recovery codes of userID,
	// replacing any it had, in one transaction. Returns ErrNotFound if
	// the user does not exist.
	ReplaceRecoveryCodes(ctx context.Context, userID string, digests [][]byte, now time.Time) error
	// UseRecoveryCode deletes the recovery code digest of userID, in one
	// statement: of two uses at once one succeeds and the other gets
	// ErrNotFound, as does a code that is not the user's.
	UseRecoveryCode(ctx context.Context, userID string, digest []byte) error
	// CountRecoveryCodes returns how many recovery codes userID has left.
	CountRecoveryCodes(ctx context.Context, userID string) (int, error)
}
