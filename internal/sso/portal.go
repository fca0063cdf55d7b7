package sso

import "context"

// Bearer is what one read of an access token tells the portal: the token,
// its family, and who it was issued to.
type Bearer struct {
	Token  AccessToken
	Family Family
	// User is the token's user with ID, Name, DisplayName and Disabled
	// only (no password hash, no profile); a zero ID when the user no
	// longer exists.
	User User
}

// PortalStore is the reads the portal makes on every call, each one
// statement: the portal API answers a person's tools many times a minute,
// and a round trip per record was most of its time.
type PortalStore interface {
	// GetBearer returns the access token with digest, its family and its
	// user, in one read. Returns ErrNotFound if there is no such token.
	GetBearer(ctx context.Context, digest []byte) (Bearer, error)
	// ListAccountsFor returns the accounts in which the user userID has
	// at least one assignment, directly or through a group, ordered by
	// ID, in one read.
	ListAccountsFor(ctx context.Context, userID string) ([]Account, error)
	// GetRoleGrant returns the account accountID and the permission set
	// permissionSet when the user userID is assigned that permission set
	// in that account, directly or through a group, in one read. Returns
	// ErrNotFound otherwise (no such assignment, account or permission
	// set).
	GetRoleGrant(ctx context.Context, userID, accountID, permissionSet string) (Account, PermissionSet, error)
}
