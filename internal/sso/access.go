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

// PermissionSet is a named role people are assigned to in an account. The
// name is its key: the portal shows it as the role name, and the SSO Admin
// API cannot rename one.
type PermissionSet struct {
	Name            string
	Description     string
	SessionDuration time.Duration // of the role credentials; 15m to 12h
	// ID is "ps-" and 16 hex digits, the last part of its SSO Admin ARN.
	ID string
	// SessionDurationISO is the session duration in ISO 8601 as the SSO
	// Admin API was given it ("PT2H"), returned exactly; empty when it was
	// set as a Go duration (config file, admin command).
	SessionDurationISO string
	RelayState         string
	CreatedAt          time.Time
	// RoleSuffix is the 16 hex digits of the role name Identity Center
	// gives the permission set's roles (AWSReservedSSO_{name}_{suffix}).
	RoleSuffix string
	// Policies are stored and returned exactly; ssooidc does not enforce
	// them (the role in the account does).
	Policies PermissionSetPolicies
	Tags     []Tag
	// Version grows with every change that needs the permission set to be
	// provisioned again (ProvisionPermissionSet).
	Version int64
}

// PermissionSetPolicies are the IAM policies of a permission set.
type PermissionSetPolicies struct {
	Managed         []ManagedPolicy         `json:"Managed,omitempty"`
	CustomerManaged []CustomerManagedPolicy `json:"CustomerManaged,omitempty"`
	Inline          string                  `json:"Inline,omitempty"`
	Boundary        *PermissionsBoundary    `json:"Boundary,omitempty"`
}

// ManagedPolicy is an AWS managed policy attached to a permission set.
type ManagedPolicy struct {
	ARN  string `json:"Arn"`
	Name string `json:"Name"`
}

// CustomerManagedPolicy names a policy that must exist in each account.
type CustomerManagedPolicy struct {
	Name string `json:"Name"`
	Path string `json:"Path,omitempty"`
}

// PermissionsBoundary is either a customer managed policy or an AWS
// managed policy.
type PermissionsBoundary struct {
	CustomerManaged  *CustomerManagedPolicy `json:"CustomerManaged,omitempty"`
	ManagedPolicyARN string                 `json:"ManagedPolicyArn,omitempty"`
}

// Tag is a key and value on an SSO Admin resource.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
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
	// CreatePermissionSet stores p. Returns ErrConflict if p.Name or p.ID
	// exists.
	CreatePermissionSet(ctx context.Context, p PermissionSet) error
	// UpdatePermissionSet runs update on the permission set name and
	// stores what it returns, atomically with respect to every other change
	// of it (compare-and-swap); update must not call the store, and Name,
	// ID and CreatedAt keep their values. If update returns an error,
	// nothing is stored and that error is returned as is. Returns the
	// stored record, or ErrNotFound if none.
	UpdatePermissionSet(ctx context.Context, name string, update func(PermissionSet) (PermissionSet, error)) (PermissionSet, error)
	// GetPermissionSet returns the permission set name. Returns ErrNotFound
	// if none.
	GetPermissionSet(ctx context.Context, name string) (PermissionSet, error)
	// GetPermissionSetByID returns the permission set with id (ps-...).
	// Returns ErrNotFound if none.
	GetPermissionSetByID(ctx context.Context, id string) (PermissionSet, error)
	// ListPermissionSets returns every permission set, ordered by name.
	ListPermissionSets(ctx context.Context) ([]PermissionSet, error)
	// DeletePermissionSet deletes the permission set name with its
	// provisioning records and, if withAssignments, its assignments.
	// Returns ErrNotFound if none; ErrConflict, deleting nothing, if it
	// has assignments and withAssignments is false.
	DeletePermissionSet(ctx context.Context, name string, withAssignments bool) error
	// PutAssignment stores a; storing an existing assignment is not an
	// error. The permission set becomes provisioned to the account at its
	// current version if it was not. Returns ErrNotFound if its account,
	// permission set or principal (the user or group) does not exist.
	PutAssignment(ctx context.Context, a Assignment) error
	// DeleteAssignment deletes a; when it was the last assignment of its
	// permission set in its account, the permission set is no longer
	// provisioned there (Identity Center deletes the role). Returns
	// ErrNotFound if it does not exist.
	DeleteAssignment(ctx context.Context, a Assignment) error
	// QueryAssignments returns the assignments q selects, in the order of
	// ListAssignments, after q.After (an AssignmentKey) and at most
	// q.Limit of them: one index range, however many assignments others
	// have.
	QueryAssignments(ctx context.Context, q AssignmentQuery) ([]Assignment, error)
	// ListAssignments returns every assignment, ordered by account ID,
	// permission set, principal type and principal.
	ListAssignments(ctx context.Context) ([]Assignment, error)
	// ListAssignmentsFor returns the assignments of the user userID,
	// directly and through the groups the user is a member of, in the
	// order of ListAssignments (an assignment reached both ways appears
	// once per principal).
	ListAssignmentsFor(ctx context.Context, userID string) ([]Assignment, error)
}

// AssignmentQuery selects assignments: those of one principal
// (PrincipalType and PrincipalID), or those of one account and permission
// set, or both filters together. Empty fields select all.
type AssignmentQuery struct {
	Page
	AccountID     string
	PermissionSet string
	PrincipalType string
	PrincipalID   string
}

// AssignmentKey is the key of a in the order of ListAssignments, the
// Page.After of the next page.
func AssignmentKey(a Assignment) string {
	return a.AccountID + "\x00" + a.PermissionSet + "\x00" + a.PrincipalType + "\x00" + a.PrincipalID
}

// SplitAssignmentKey is the inverse of AssignmentKey; ok is false for a
// string that is not one.
func SplitAssignmentKey(key string) (a Assignment, ok bool) {
	parts := splitN(key, 4)
	if parts == nil {
		return Assignment{}, false
	}
	return Assignment{AccountID: parts[0], PermissionSet: parts[1], PrincipalType: parts[2], PrincipalID: parts[3]}, true
}

// splitN splits s at NUL into exactly n parts, or returns nil.
func splitN(s string, n int) []string {
	out := make([]string, 0, n)
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	out = append(out, s[start:])
	if len(out) != n {
		return nil
	}
	return out
}
