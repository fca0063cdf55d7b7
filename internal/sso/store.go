package sso

import (
	"context"
	"time"
)

// Every store method takes a context first and returns ErrNotFound or
// ErrConflict (possibly wrapped) for the conditions its doc names; any other
// error is a backend failure that services report as internal. Methods are
// safe for concurrent use by many goroutines and many processes sharing one
// database. Byte slices passed in are not retained; slices returned are the
// caller's.

// ClientStore keeps registered clients.
type ClientStore interface {
	// CreateClient stores c. Returns ErrConflict if c.ID exists.
	CreateClient(ctx context.Context, c Client) error
	// GetClient returns the client with id. Returns ErrNotFound if none.
	GetClient(ctx context.Context, id string) (Client, error)
	// MarkClientUsed records that the client with id has started an
	// authorization: its UnusedUntil becomes zero, so it is no longer
	// collected as unused. Marking a used client is not an error. Returns
	// ErrNotFound if none.
	MarkClientUsed(ctx context.Context, id string) error
}

// DeviceStore keeps device authorizations.
type DeviceStore interface {
	// CreateDeviceAuth stores d. Returns ErrConflict if d.CodeDigest exists
	// or if d.UserCodeDigest equals that of another stored authorization
	// (the caller draws a new user code and tries again).
	CreateDeviceAuth(ctx context.Context, d DeviceAuth) error
	// GetDeviceAuthByUserCode returns the authorization whose user-code
	// digest is digest. Returns ErrNotFound if none.
	GetDeviceAuthByUserCode(ctx context.Context, digest []byte) (DeviceAuth, error)
	// GetDeviceAuth returns the authorization whose device-code digest is
	// codeDigest. Returns ErrNotFound if none. A read only: a pending poll
	// writes nothing.
	GetDeviceAuth(ctx context.Context, codeDigest []byte) (DeviceAuth, error)
	// UpdateDeviceAuth runs update on the authorization whose device-code
	// digest is codeDigest and stores what it returns, atomically with
	// respect to every other update of that record (compare-and-swap). If
	// update returns an error, nothing is stored and that error is returned
	// as is. Only Status, UserID, DecidedAt, LastPollAt, Polls and Interval
	// may change. Returns the stored record, or ErrNotFound if none.
	// update must not call the store: a backend may hold its write lock
	// while update runs.
	UpdateDeviceAuth(ctx context.Context, codeDigest []byte, update func(DeviceAuth) (DeviceAuth, error)) (DeviceAuth, error)
	// RedeemDeviceAuth moves the approved authorization codeDigest to
	// redeemed and stores issue, in one atomic step. Returns ErrConflict if
	// the authorization is not approved (already redeemed, pending, denied),
	// ErrNotFound if it does not exist; in both cases nothing is stored.
	RedeemDeviceAuth(ctx context.Context, codeDigest []byte, issue Issue) error
	// CountDeviceAuths returns how many authorizations expire after now,
	// by status; a status with none is absent. It serves the metrics: a
	// read, which may scan the unexpired authorizations.
	CountDeviceAuths(ctx context.Context, now time.Time) (map[DeviceStatus]int, error)
}

// AuthCodeStore keeps authorization codes.
type AuthCodeStore interface {
	// CreateAuthCode stores c. Returns ErrConflict if c.Digest exists.
	CreateAuthCode(ctx context.Context, c AuthCode) error
	// GetAuthCode returns the code with digest. Returns ErrNotFound if none.
	GetAuthCode(ctx context.Context, digest []byte) (AuthCode, error)
	// RedeemAuthCode marks the unredeemed code digest as redeemed at now,
	// records issue.Family.ID as its family and stores issue, in one atomic
	// step. Returns ErrConflict if it was already redeemed and ErrNotFound
	// if it does not exist; in both cases nothing is stored.
	RedeemAuthCode(ctx context.Context, digest []byte, now time.Time, issue Issue) error
}

// TokenStore keeps token families and their tokens.
type TokenStore interface {
	// CreateFamily stores issue. Returns ErrConflict if the family or a
	// token digest exists.
	CreateFamily(ctx context.Context, issue Issue) error
	// GetAccessToken returns the access token with digest and its family.
	// Returns ErrNotFound if none.
	GetAccessToken(ctx context.Context, digest []byte) (AccessToken, Family, error)
	// GetRefreshToken returns the refresh token with digest and its family.
	// Returns ErrNotFound if none.
	GetRefreshToken(ctx context.Context, digest []byte) (RefreshToken, Family, error)
	// RotateRefreshToken marks the unused refresh token oldDigest as used at
	// usedAt and stores next and access, in one atomic step. Returns
	// ErrConflict if oldDigest was already used or its family is revoked,
	// ErrNotFound if it does not exist; in both cases nothing is stored.
	// next and access belong to the old token's family; usedAt is not zero.
	RotateRefreshToken(ctx context.Context, oldDigest []byte, usedAt time.Time, next RefreshToken, access AccessToken) error
	// RefreshRotate is the refresh grant's store step. It reads the
	// refresh token digest with its family and calls plan with them. If
	// plan returns a rotation, the token is marked used at usedAt and the
	// rotation's tokens are stored, atomically with what plan saw: no other
	// rotation of the token comes between. It returns what plan last saw.
	// Returns ErrNotFound, without calling plan, if there is no such token;
	// plan's error as is, with nothing stored; ErrConflict if a digest of
	// the rotation exists (nothing stored); nil after a rotation, and nil
	// with nothing stored when plan returned no rotation. plan may run more
	// than once (a backend may read again after a concurrent change) and
	// must not call the store. usedAt is not zero.
	RefreshRotate(ctx context.Context, digest []byte, usedAt time.Time, plan func(RefreshToken, Family) (*Rotation, error)) (RefreshToken, Family, error)
	// RevokeFamily marks the family revoked at now; its tokens stop working.
	// Revoking a revoked family is not an error. Returns ErrNotFound if none.
	RevokeFamily(ctx context.Context, familyID string, now time.Time) error
}

// Rotation is what a refresh stores: the presented token's successor and
// the access token issued with it, both of the presented token's family.
type Rotation struct {
	Next   RefreshToken
	Access AccessToken
}

// SessionStore keeps signed-in browser sessions.
type SessionStore interface {
	// CreateSession stores s. Returns ErrConflict if s.Digest exists.
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns the session with digest. Returns ErrNotFound if
	// none.
	GetSession(ctx context.Context, digest []byte) (Session, error)
	// DeleteSession deletes the session with digest; deleting a missing
	// session is not an error.
	DeleteSession(ctx context.Context, digest []byte) error
	// DeleteUserSessions deletes every session of the user with userID
	// except the one with digest keep (nil keeps none), and returns how
	// many it deleted.
	DeleteUserSessions(ctx context.Context, userID string, keep []byte) (int, error)
}

// LimitStore counts events for rate limits that must hold across nodes.
type LimitStore interface {
	// Hit counts one event under key and returns how many events key has
	// had in its current fixed window, this one included. A window starts
	// at the first event after the previous window ended and lasts window.
	Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error)
	// Count returns how many events key has had in its current window at
	// now without counting one; 0 if it has none or its window has ended.
	Count(ctx context.Context, key string, now time.Time) (int, error)
	// Take counts one event under key as Hit does, unless key already has
	// limit events (or more) in its current window: then it counts
	// nothing. It returns whether the event was taken and how many events
	// key has in its window, this one included when taken. However many
	// Takes run at once, at most limit are taken per window, so a limit
	// reserved with Take before the work it guards holds under any
	// concurrency. limit is at least 1.
	Take(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (n int, taken bool, err error)
	// Release gives back one event that Take counted under key at takenAt
	// (the now Take was given): when the window that covers takenAt is
	// still key's current window and has events, its count goes down by
	// one; otherwise (the window ended, a new one began, no such key)
	// nothing changes and nil is returned.
	Release(ctx context.Context, key string, takenAt time.Time) error
}

// SecretStore keeps the server's own secrets (digest keys, signing keys).
type SecretStore interface {
	// Secret returns the secret stored under name. If there is none it
	// stores the value of generate and returns it; when several callers
	// race, all get the value that was stored first.
	Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error)
}

// Collector removes what has expired.
type Collector interface {
	// DeleteExpired deletes clients, device authorizations, authorization
	// codes, families (with their tokens), access tokens, sessions, flows,
	// rate limit windows and SSO Admin request records whose expiry is
	// before before, and clients whose UnusedUntil is not zero and before
	// before, and returns how many records it deleted (tokens deleted with
	// their family included). The services give every record a non-zero
	// expiry.
	DeleteExpired(ctx context.Context, before time.Time) (int64, error)
}

// Store is everything a backend implements. Services take the small
// interfaces above; only cmd/ and tests handle a whole Store.
type Store interface {
	ClientStore
	DeviceStore
	AuthCodeStore
	TokenStore
	UserStore
	GroupStore
	SessionStore
	LimitStore
	SecretStore
	Collector
	AccessStore
	AdminStore
	ApplicationStore
	AuditStore
	FlowStore
	SCIMTokenStore
	// The portal's reads and people's sessions (issue 18).
	PortalStore
	SessionListStore
	FactorStore // second factors and recovery codes (mfa.go)
	// Ping reports whether the backend is reachable.
	Ping(ctx context.Context) error
	// Close releases the backend's resources.
	Close() error
}
