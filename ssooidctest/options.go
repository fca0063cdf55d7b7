package ssooidctest

import (
	"time"
)

// User is a person of the directory.
type User struct {
	// Name is the user name people sign in with; required.
	Name string
	// Password lets the person sign in on the pages (a test that drives
	// them with a browser). Empty: a random one nobody knows; approvals
	// by Approve, AuthorizeAs and WithAutoApprove need none.
	Password    string
	Email       string
	DisplayName string
	// Groups are the names of the groups the user is a member of (created
	// as needed).
	Groups []string
}

// Account is an AWS account whose roles people are assigned to. Its role
// credentials are fixed: every role of the account gets Credentials.
type Account struct {
	// ID is the 12-digit account ID; required.
	ID string
	// Name is what the portal lists; default the ID.
	Name  string
	Email string
	// Credentials are what GetRoleCredentials returns for the account's
	// roles. Zero: random ones in the shape of temporary credentials
	// (an ASIA access key ID, a secret key and a session token).
	Credentials Credentials
}

// Credentials are AWS credentials.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// PermissionSet is a role people are assigned to in an account: its name
// is the role name of the portal (sso_role_name).
type PermissionSet struct {
	// Name is required.
	Name        string
	Description string
	// SessionDuration is how long role credentials last; default 1 hour
	// (15 minutes to 12 hours).
	SessionDuration time.Duration
}

// Assignment gives a user, or the members of a group, a permission set in
// an account. Exactly one of User and Group is set.
type Assignment struct {
	AccountID     string
	PermissionSet string
	User          string
	Group         string
}

// Option configures a Server.
type Option func(*options)

type options struct {
	users               []User
	accounts            []Account
	permissionSets      []PermissionSet
	assignments         []Assignment
	autoApprove         string
	startURL            string
	region              string
	now                 func() time.Time
	accessTokenLifetime time.Duration
	sessionLifetime     time.Duration
}

// WithUsers declares users.
func WithUsers(users ...User) Option {
	return func(o *options) { o.users = append(o.users, users...) }
}

// WithAccounts declares accounts.
func WithAccounts(accounts ...Account) Option {
	return func(o *options) { o.accounts = append(o.accounts, accounts...) }
}

// WithPermissionSets declares permission sets.
func WithPermissionSets(sets ...PermissionSet) Option {
	return func(o *options) { o.permissionSets = append(o.permissionSets, sets...) }
}

// WithAssignments declares assignments. What an assignment names and no
// other option declares is declared for it: the user (with no known
// password), the group, the account (named by its ID, with random
// credentials) and the permission set (1 hour), so that one assignment
// is a whole directory:
//
//	ssooidctest.WithAssignments(ssooidctest.Assignment{
//		User: "alice", AccountID: "111111111111", PermissionSet: "ReadOnly"})
//
// Each (account, permission set) pair becomes a profile of SharedConfig,
// in the order of the assignments.
func WithAssignments(assignments ...Assignment) Option {
	return func(o *options) { o.assignments = append(o.assignments, assignments...) }
}

// WithAutoApprove approves every device authorization as it is created
// and answers every GET /authorize with a code, as user, with no page and
// nobody asked: "aws sso login" (device code or PKCE) and programs that
// sign in finish on their own, as against "ssooidc serve --dev
// --auto-approve". The user is declared if no other option declares it.
func WithAutoApprove(user string) Option {
	return func(o *options) { o.autoApprove = user }
}

// WithStartURL sets the start URL the server serves (default
// DefaultStartURL). It must be an absolute https URL.
func WithStartURL(url string) Option {
	return func(o *options) { o.startURL = url }
}

// WithRegion sets the region the server answers for (default
// DefaultRegion): the sso_region of SharedConfig.
func WithRegion(region string) Option {
	return func(o *options) { o.region = region }
}

// WithClock sets the server's clock, for tests of expiry: a clock that a
// test moves forward makes tokens, codes and role credentials expire
// without waiting.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithTokenLifetimes sets how long an access token lasts (default 1 hour)
// and how long a login lasts, refreshes included (default 8 hours; 15
// minutes to 90 days). Zero keeps a default.
func WithTokenLifetimes(accessToken, session time.Duration) Option {
	return func(o *options) { o.accessTokenLifetime, o.sessionLifetime = accessToken, session }
}
