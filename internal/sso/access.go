package sso

import (
	"context"
	"time"
)

// Credential sources of an account: where its role credentials come from.
const (
	// SourceSTS: AWS STS AssumeRole of the account's role, from the
	// server's base credentials, through a configurable STS endpoint.
	SourceSTS = "sts"
	// SourceStatic: fixed credentials from the config or a file, for local
	// stacks and tests.
	SourceStatic = "static"
)

// Account is an AWS account people can get role credentials for.
type Account struct {
	ID    string // 12 digits
	Name  string
	Email string
	// Source is SourceSTS or SourceStatic.
	Source string
	// RoleARN is the role assumed for SourceSTS, with {account_id} and
	// {permission_set} replaced; empty means
	// arn:aws:iam::{account_id}:role/{permission_set}.
	RoleARN string
	// CredentialsFile is, for SourceStatic, a JSON file with accessKeyId,
	// secretAccessKey and sessionToken; empty means the credentials are
	// given in the server's config file (and never stored).
	CredentialsFile string
}

// PermissionSet is a named role people are assigned to in an account.
type PermissionSet struct {
	Name            string
	Description     string
	SessionDuration time.Duration // of the role credentials; 15m to 12h
}

// Principal types of an assignment, as the SSO Admin API spells them.
const (
	PrincipalUser  = "USER"
	PrincipalGroup = "GROUP"
)

// Assignment gives a user, or every member of a group, a permission set in
// an account.
type Assignment struct {
	AccountID     string
	PermissionSet string
	PrincipalType string // PrincipalUser or PrincipalGroup
	PrincipalID   string // a user ID or a group ID
}

// AccessStore keeps the directory of access: accounts, permission sets and
// assignments.
type AccessStore interface {
	// PutAccount creates or replaces the account with a.ID.
	PutAccount(ctx context.Context, a Account) error
	// GetAccount returns the account with id. Returns ErrNotFound if none.
	GetAccount(ctx context.Context, id string) (Account, error)
	// ListAccounts returns every account, ordered by ID.
	ListAccounts(ctx context.Context) ([]Account, error)
	// DeleteAccount deletes the account with id and its assignments.
	// Returns ErrNotFound if none.
	DeleteAccount(ctx context.Context, id string) error
	// PutPermissionSet creates or replaces the permission set p.Name.
	PutPermissionSet(ctx context.Context, p PermissionSet) error
	// GetPermissionSet returns the permission set name. Returns ErrNotFound
	// if none.
	GetPermissionSet(ctx context.Context, name string) (PermissionSet, error)
	// ListPermissionSets returns every permission set, ordered by name.
	ListPermissionSets(ctx context.Context) ([]PermissionSet, error)
	// DeletePermissionSet deletes the permission set name and its
	// assignments. Returns ErrNotFound if none.
	DeletePermissionSet(ctx context.Context, name string) error
	// PutAssignment stores a; storing an existing assignment is not an
	// error. Returns ErrNotFound if its account, permission set or
	// principal (the user or group) does not exist.
	PutAssignment(ctx context.Context, a Assignment) error
	// DeleteAssignment deletes a. Returns ErrNotFound if it does not exist.
	DeleteAssignment(ctx context.Context, a Assignment) error
	// ListAssignments returns every assignment, ordered by account ID,
	// permission set, principal type and principal.
	ListAssignments(ctx context.Context) ([]Assignment, error)
	// ListAssignmentsFor returns the assignments of the user userID,
	// directly and through the groups the user is a member of, in the
	// order of ListAssignments (an assignment reached both ways appears
	// once per principal).
	ListAssignmentsFor(ctx context.Context, userID string) ([]Assignment, error)
}
