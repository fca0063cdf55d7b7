package sso

import (
	"context"
	"encoding/json"
	"slices"
	"time"
)

// What the SSO Admin API manages besides permission sets and assignments:
// the records of its asynchronous requests, where each permission set is
// provisioned, the OAuth applications of CreateTokenWithIAM with their
// assignments, and trusted token issuers.

// Kinds of asynchronous SSO Admin requests.
const (
	RequestCreateAssignment = "create_assignment"
	RequestDeleteAssignment = "delete_assignment"
	RequestProvision        = "provision"
)

// Statuses of a request, as the SSO Admin API spells them.
const (
	StatusInProgress = "IN_PROGRESS"
	StatusFailed     = "FAILED"
	StatusSucceeded  = "SUCCEEDED"
)

// AdminRequest is the record of an asynchronous SSO Admin request
// (CreateAccountAssignment, DeleteAccountAssignment,
// ProvisionPermissionSet): ssooidc completes each at once but keeps the
// record so that the status operations answer as AWS does.
type AdminRequest struct {
	ID            string // a UUID, the RequestId
	Kind          string // one of the Request* constants
	Status        string // one of the Status* constants
	FailureReason string
	AccountID     string
	// PermissionSetARN is the permission set's ARN as the request named
	// it; the request outlives the permission set.
	PermissionSetARN string
	PrincipalType    string
	PrincipalID      string
	CreatedAt        time.Time
	ExpiresAt        time.Time // when the record is collected
}

// AssignmentRequest applies an account assignment change with its record.
type AssignmentRequest struct {
	Request    AdminRequest // Kind RequestCreateAssignment or RequestDeleteAssignment
	Assignment Assignment
}

// RequestQuery selects request records of one kind, ordered by ID.
type RequestQuery struct {
	Page
	Kind   string
	Status string // "" for all
}

// Provisioned says that a permission set is provisioned to an account, and
// at which of its versions.
type Provisioned struct {
	PermissionSet string
	AccountID     string
	Version       int64
	// Current reports whether Version is the permission set's current
	// version (LATEST_PERMISSION_SET_PROVISIONED).
	Current bool
}

// AdminStore keeps the request records and provisioning state of the SSO
// Admin API.
type AdminStore interface {
	// ApplyAssignmentRequest creates (RequestCreateAssignment) or deletes
	// (RequestDeleteAssignment) r.Assignment and stores r.Request, in one
	// transaction; creating provisions the permission set to the account
	// and deleting the last assignment there unprovisions it, as
	// PutAssignment and DeleteAssignment do. Creating an existing
	// assignment is not an error. Returns ErrNotFound, storing nothing,
	// if a creation's account, permission set or principal does not exist
	// or a deletion's assignment does not exist; ErrConflict if the
	// request ID exists.
	ApplyAssignmentRequest(ctx context.Context, r AssignmentRequest) error
	// ProvisionPermissionSet provisions the permission set name at its
	// current version to accountID, or to every account it is provisioned
	// to when accountID is "", and stores r, in one transaction. Returns
	// ErrNotFound, storing nothing, if the permission set or the account
	// does not exist; ErrConflict if r.ID exists.
	ProvisionPermissionSet(ctx context.Context, name, accountID string, r AdminRequest) error
	// PutAdminRequest stores r on its own (a request that failed before
	// it changed anything). Returns ErrConflict if r.ID exists.
	PutAdminRequest(ctx context.Context, r AdminRequest) error
	// GetAdminRequest returns the request of kind with id. Returns
	// ErrNotFound if none.
	GetAdminRequest(ctx context.Context, kind, id string) (AdminRequest, error)
	// ListAdminRequests returns the requests q selects, ordered by ID.
	ListAdminRequests(ctx context.Context, q RequestQuery) ([]AdminRequest, error)
	// ListProvisioned returns where permission sets are provisioned: of
	// the permission set name, or to the account accountID (one of them
	// is set), ordered by permission set name and account.
	ListProvisioned(ctx context.Context, name, accountID string) ([]Provisioned, error)
}

// Application statuses and sign-in origins, as the SSO Admin API spells
// them.
const (
	Enabled  = "ENABLED"
	Disabled = "DISABLED"
)

// Application is an OAuth application of CreateTokenWithIAM, as the SSO
// Admin API describes it (CreateApplication and the Put... operations of
// its grants, scopes, authentication methods and configurations) or the
// config file declares it.
type Application struct {
	ARN         string    `json:"-"` // arn:aws:sso::ACCOUNT:application/ssoins-.../apl-...
	Name        string    `json:"Name"`
	Description string    `json:"Description,omitempty"`
	ProviderARN string    `json:"ProviderArn"`
	Status      string    `json:"Status"` // Enabled or Disabled
	Portal      Portal    `json:"Portal"`
	Tags        []Tag     `json:"Tags,omitempty"`
	ClientToken string    `json:"-"` // the idempotency token of its creation
	Source      string    `json:"-"` // "" for the API, "config" for the config file
	CreatedAt   time.Time `json:"CreatedAt"`
	// Version grows with every change (the store sets it), so a cache of
	// the application knows when it is stale.
	Version int64 `json:"-"`

	// Grants are the OAuth grants it may use, by grant type.
	Grants []AppGrant `json:"Grants,omitempty"`
	// Scopes are its access scopes besides the default ones.
	Scopes []AccessScope `json:"Scopes,omitempty"`
	// ActorPolicy is the policy document of its IAM authentication method,
	// stored exactly; its Allow statements name the IAM principals that
	// may call CreateTokenWithIAM for it. Nil: no IAM authentication.
	ActorPolicy json.RawMessage `json:"ActorPolicy,omitempty"`
	// AssignmentRequired: only people assigned to the application,
	// directly or through a group, get its tokens.
	AssignmentRequired bool `json:"AssignmentRequired"`
	// BackgroundSessions is its user background session status (Enabled,
	// Disabled or ""), stored and returned.
	BackgroundSessions string `json:"BackgroundSessions,omitempty"`
}

// Portal is how an application shows in the AWS access portal.
type Portal struct {
	SignInOrigin   string `json:"SignInOrigin,omitempty"` // IDENTITY_CENTER or APPLICATION
	ApplicationURL string `json:"ApplicationUrl,omitempty"`
	Visibility     string `json:"Visibility,omitempty"`
}

// AppGrant is one OAuth grant of an application.
type AppGrant struct {
	Type string `json:"Type"` // the wire grant type
	// RedirectURIs of an authorization_code grant.
	RedirectURIs []string `json:"RedirectUris,omitempty"`
	// Issuers of a jwt-bearer grant.
	Issuers []AuthorizedIssuer `json:"Issuers,omitempty"`
}

// AuthorizedIssuer is a trusted token issuer a jwt-bearer grant accepts,
// with the audiences it accepts from it.
type AuthorizedIssuer struct {
	IssuerARN string   `json:"IssuerArn"`
	Audiences []string `json:"Audiences,omitempty"`
}

// AccessScope is a scope an application may request, with the
// applications or instance it is authorized for (stored and returned).
type AccessScope struct {
	Scope   string   `json:"Scope"`
	Targets []string `json:"Targets,omitempty"`
}

// TrustedTokenIssuer is an external OIDC issuer whose JWTs the jwt-bearer
// grant exchanges for tokens of a person of the directory.
type TrustedTokenIssuer struct {
	ARN         string    `json:"-"` // arn:aws:sso::ACCOUNT:trustedTokenIssuer/ssoins-.../tti-UUID
	Name        string    `json:"Name"`
	Type        string    `json:"Type"` // OIDC_JWT
	IssuerURL   string    `json:"IssuerUrl"`
	ClientToken string    `json:"-"`
	Source      string    `json:"-"`
	CreatedAt   time.Time `json:"CreatedAt"`
	Tags        []Tag     `json:"Tags,omitempty"`
	// ClaimAttributePath is the claim of the JWT that names the person.
	ClaimAttributePath string `json:"ClaimAttributePath"`
	// IdentityStoreAttributePath is the directory attribute it matches:
	// userName or emails.value.
	IdentityStoreAttributePath string `json:"IdentityStoreAttributePath"`
	JWKSRetrieval              string `json:"JwksRetrieval"` // OPEN_ID_DISCOVERY
	// JWKSURL and JWKS replace discovery for issuers the config file
	// declares (the API has only OPEN_ID_DISCOVERY).
	JWKSURL string `json:"JwksUrl,omitempty"`
	JWKS    []byte `json:"Jwks,omitempty"`
}

// AppAssignment gives a user, or each member of a group, an application.
type AppAssignment struct {
	ApplicationARN string
	PrincipalType  string // PrincipalUser or PrincipalGroup
	PrincipalID    string
}

// AppAssignmentQuery selects application assignments of one application
// or of one principal, ordered by application ARN, principal type and ID.
type AppAssignmentQuery struct {
	Page           // After: AppAssignmentKey of the last one of the previous page
	ApplicationARN string
	PrincipalType  string
	PrincipalID    string
}

// AppAssignmentKey is the key of a in the order of AppAssignmentQuery.
func AppAssignmentKey(a AppAssignment) string {
	return a.ApplicationARN + "\x00" + a.PrincipalType + "\x00" + a.PrincipalID
}

// SplitAppAssignmentKey is the inverse of AppAssignmentKey.
func SplitAppAssignmentKey(key string) (AppAssignment, bool) {
	p := splitN(key, 3)
	if p == nil {
		return AppAssignment{}, false
	}
	return AppAssignment{ApplicationARN: p[0], PrincipalType: p[1], PrincipalID: p[2]}, true
}

// ApplicationStore keeps applications, their assignments and trusted
// token issuers.
type ApplicationStore interface {
	// CreateApplication stores a with Version 1. Returns ErrConflict if
	// a.ARN exists or a.ClientToken (when set) is another application's.
	CreateApplication(ctx context.Context, a Application) error
	// GetApplication returns the application with arn. Returns ErrNotFound
	// if none.
	GetApplication(ctx context.Context, arn string) (Application, error)
	// ListApplications returns every application, ordered by ARN.
	ListApplications(ctx context.Context) ([]Application, error)
	// UpdateApplication runs update on the application arn and stores
	// what it returns with the next Version (compare-and-swap, as
	// UpdatePermissionSet; ARN, ClientToken and CreatedAt keep their
	// values). Returns the stored record, or ErrNotFound if none.
	UpdateApplication(ctx context.Context, arn string, update func(Application) (Application, error)) (Application, error)
	// DeleteApplication deletes the application arn and its assignments.
	// Returns ErrNotFound if none.
	DeleteApplication(ctx context.Context, arn string) error

	// CreateAppAssignment stores a. Returns ErrNotFound if its application
	// or principal does not exist, ErrConflict if it exists.
	CreateAppAssignment(ctx context.Context, a AppAssignment) error
	// DeleteAppAssignment deletes a. Returns ErrNotFound if none.
	DeleteAppAssignment(ctx context.Context, a AppAssignment) error
	// QueryAppAssignments returns the application assignments q selects,
	// at most q.Limit after q.After.
	QueryAppAssignments(ctx context.Context, q AppAssignmentQuery) ([]AppAssignment, error)
	// AppAssigned reports whether the user userID is assigned the
	// application arn, directly or through a group: one query.
	AppAssigned(ctx context.Context, arn, userID string) (bool, error)

	// CreateTrustedTokenIssuer stores t. Returns ErrConflict if t.ARN
	// exists or t.ClientToken (when set) is another issuer's.
	CreateTrustedTokenIssuer(ctx context.Context, t TrustedTokenIssuer) error
	// GetTrustedTokenIssuer returns the issuer with arn. Returns
	// ErrNotFound if none.
	GetTrustedTokenIssuer(ctx context.Context, arn string) (TrustedTokenIssuer, error)
	// ListTrustedTokenIssuers returns every issuer, ordered by ARN.
	ListTrustedTokenIssuers(ctx context.Context) ([]TrustedTokenIssuer, error)
	// UpdateTrustedTokenIssuer is UpdateApplication for issuers (ARN,
	// IssuerURL, ClientToken and CreatedAt keep their values).
	UpdateTrustedTokenIssuer(ctx context.Context, arn string, update func(TrustedTokenIssuer) (TrustedTokenIssuer, error)) (TrustedTokenIssuer, error)
	// DeleteTrustedTokenIssuer deletes the issuer arn. Returns ErrNotFound
	// if none.
	DeleteTrustedTokenIssuer(ctx context.Context, arn string) error
}

// ClonePermissionSet returns a copy of p that shares no memory with it.
func ClonePermissionSet(p PermissionSet) PermissionSet {
	p.Tags = slices.Clone(p.Tags)
	p.Policies.Managed = slices.Clone(p.Policies.Managed)
	p.Policies.CustomerManaged = slices.Clone(p.Policies.CustomerManaged)
	if b := p.Policies.Boundary; b != nil {
		c := *b
		if b.CustomerManaged != nil {
			cm := *b.CustomerManaged
			c.CustomerManaged = &cm
		}
		p.Policies.Boundary = &c
	}
	return p
}

// CloneApplication returns a copy of a that shares no memory with it.
func CloneApplication(a Application) Application {
	a.Tags = slices.Clone(a.Tags)
	a.ActorPolicy = slices.Clone(a.ActorPolicy)
	a.Scopes = slices.Clone(a.Scopes)
	for i := range a.Scopes {
		a.Scopes[i].Targets = slices.Clone(a.Scopes[i].Targets)
	}
	a.Grants = slices.Clone(a.Grants)
	for i := range a.Grants {
		g := &a.Grants[i]
		g.RedirectURIs = slices.Clone(g.RedirectURIs)
		g.Issuers = slices.Clone(g.Issuers)
		for j := range g.Issuers {
			g.Issuers[j].Audiences = slices.Clone(g.Issuers[j].Audiences)
		}
	}
	return a
}

// CloneTrustedTokenIssuer returns a copy of t that shares no memory with
// it.
func CloneTrustedTokenIssuer(t TrustedTokenIssuer) TrustedTokenIssuer {
	t.Tags = slices.Clone(t.Tags)
	t.JWKS = slices.Clone(t.JWKS)
	return t
}
