package sso

import (
	"context"
	"time"
)

// Bearer is what the portal needs to know of an access token: whose it is
// and whether it still works. The portal reads it on every call, in the
// same statement as what the call needs besides.
type Bearer struct {
	FamilyID string
	Scopes   []string // the token's
	// ExpiresAt is the token's expiry, or its family's when that is
	// earlier; Revoked is whether the family is revoked.
	ExpiresAt time.Time
	Revoked   bool
	// The token's user: UserFound is false when the user no longer
	// exists (then UserName is "").
	UserID       string
	UserName     string
	UserFound    bool
	UserDisabled bool
}

// RoleGrant is what role credentials are made from: the account of an
// assignment (ID, Name, Source, RoleARN, CredentialsFile) and its
// permission set (Name, SessionDuration, RoleSuffix); the other fields
// are left empty.
type RoleGrant struct {
	Account       Account
	PermissionSet PermissionSet
}

// PortalStore is the reads the portal makes on every call, each one
// statement: the portal API answers a person's tools many times a minute,
// and a statement costs more than the rows it reads (BENCHMARKS.md).
type PortalStore interface {
	// GetBearer returns what the access token with digest tells the
	// portal. Returns ErrNotFound if there is no such token.
	GetBearer(ctx context.Context, digest []byte) (Bearer, error)
	// ListAccountsFor returns the accounts in which the user userID has
	// at least one assignment, directly or through a group, ordered by
	// ID.
	ListAccountsFor(ctx context.Context, userID string) ([]Account, error)
	// GetRoleGrant returns the grant of the permission set permissionSet
	// in the account accountID when the user userID is assigned it,
	// directly or through a group. Returns ErrNotFound otherwise (no such
	// assignment, account or permission set).
	GetRoleGrant(ctx context.Context, userID, accountID, permissionSet string) (RoleGrant, error)
	// GetBearerRole is GetBearer and, for the token's user, GetRoleGrant
	// in one statement: the portal API's GetRoleCredentials. grant is nil
	// when the user has no such assignment. Returns ErrNotFound only when
	// there is no such token.
	GetBearerRole(ctx context.Context, digest []byte, accountID, permissionSet string) (b Bearer, grant *RoleGrant, err error)
	// GetBearerAccounts is GetBearer and, for the token's user, the
	// accounts of ListAccountsFor (ID, Name and Email; in any order, the
	// caller sorts) in one statement: the portal API's ListAccounts.
	// Returns ErrNotFound only when there is no such token.
	GetBearerAccounts(ctx context.Context, digest []byte) (Bearer, []Account, error)
}
