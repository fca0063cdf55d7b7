package sso

import "time"

// Client is a registered OIDC client (RegisterClient). Only public clients
// exist; the secret is stored as a keyed digest, never in plain text.
type Client struct {
	ID           string
	SecretDigest []byte
	Name         string
	Type         string
	Scopes       []string // empty: the client gets non-refreshable tokens
	GrantTypes   []string // empty: the defaults (device code and refresh)
	RedirectURIs []string
	IssuerURL    string
	CreatedAt    time.Time
	ExpiresAt    time.Time // the secret and the registration end here
	// UnusedUntil, when not zero, is when the registration ends if it has
	// not started an authorization by then; zero once it has (or for a
	// client that is never collected as unused).
	UnusedUntil time.Time
}

// DeviceStatus is where a device authorization is in its life.
type DeviceStatus string

// The device authorization states. pending -> approved|denied;
// approved -> redeemed (exactly once).
const (
	DevicePending  DeviceStatus = "pending"
	DeviceApproved DeviceStatus = "approved"
	DeviceDenied   DeviceStatus = "denied"
	DeviceRedeemed DeviceStatus = "redeemed"
)

// DeviceAuth is one device authorization (RFC 8628). It is found by the
// digest of its device code (the client polls) or of its normalised user
// code (the person types it).
type DeviceAuth struct {
	CodeDigest     []byte
	UserCodeDigest []byte
	ClientID       string
	StartURL       string
	Scopes         []string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	Interval       int // seconds between polls the client must keep, as issued (the device service paces polls in memory)
	Status         DeviceStatus
	UserID         string    // who approved or denied it
	DecidedAt      time.Time // zero while pending
	// LastPollAt and Polls are kept for a store's caller that records
	// polls; the device service does not (a pending poll writes nothing).
	LastPollAt time.Time
	Polls      int
}

// AuthCode is an authorization code (RFC 6749 4.1) bound to its client,
// redirect URI and PKCE challenge.
type AuthCode struct {
	Digest      []byte
	ClientID    string
	UserID      string
	RedirectURI string
	Challenge   string // S256 code_challenge
	Scopes      []string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	RedeemedAt  time.Time // zero until redeemed
	FamilyID    string    // the token family its redemption created
}

// Family is a login session: the chain of tokens that one grant (a device
// approval, an authorization code) started. Every refresh stays inside its
// family; the family's ExpiresAt bounds every refresh (the session lifetime).
type Family struct {
	ID          string
	ClientID    string
	UserID      string
	Scopes      []string
	Refreshable bool
	CreatedAt   time.Time
	ExpiresAt   time.Time
	RevokedAt   time.Time // zero unless revoked (logout, refresh-token reuse)
}

// Revoked reports whether the family has been revoked.
func (f Family) Revoked() bool { return !f.RevokedAt.IsZero() }

// AccessToken is an issued access token, stored by digest.
type AccessToken struct {
	Digest    []byte
	FamilyID  string
	ClientID  string
	UserID    string
	Scopes    []string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// RefreshToken is an issued refresh token, stored by digest. Generation 0
// is the one the family started with; each rotation adds one.
type RefreshToken struct {
	Digest     []byte
	FamilyID   string
	Generation int
	CreatedAt  time.Time
	UsedAt     time.Time // zero while unused
}

// Issue is what one successful grant writes: a new family, its first access
// token and, for refreshable families, its first refresh token.
type Issue struct {
	Family  Family
	Access  AccessToken
	Refresh *RefreshToken
}

// Session is a signed-in browser session of the web pages, found by the
// digest of its cookie value.
type Session struct {
	Digest    []byte
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	// ID names the session where people and administrators see it (the
	// Security page, ssooidc admin sessions): random, not a secret, and
	// not the digest, which finds the session from its cookie.
	ID string
	// UserAgent (at most MaxUserAgent bytes) and Address (see
	// WithAddress) are the browser's at sign-in, so that a person can
	// tell their sessions apart.
	UserAgent string
	Address   string
}
