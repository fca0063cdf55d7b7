package access

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"sort"
	"time"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// PortalScope is the scope a token needs for the portal. Tokens of clients
// registered without scopes (the AWS CLI's legacy registration) carry none
// and are accepted, as AWS accepts them.
const PortalScope = "sso:account:access"

// Page sizes of the list operations (the model allows 1 to 100).
const (
	DefaultPageSize = 100
	MaxPageSize     = 100
)

// Rate limit of the portal, per login session: generous for people and
// tools, a wall for a runaway loop.
const (
	RateWindow = 10 * time.Second
	RateLimit  = 200
)

// Credentials are temporary AWS credentials for a role.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// Issuer makes role credentials for a person's assignment. acct and ps
// carry the fields of an sso.RoleGrant, user its ID and Name.
type Issuer interface {
	RoleCredentials(ctx context.Context, acct sso.Account, ps sso.PermissionSet, user sso.User) (Credentials, error)
}

// Options configure a Service.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
	// Audit records sign-outs (Logout); nil records nothing.
	Audit *audit.Recorder
	// Console configures console sign-in from the pages (signedin.go).
	Console ConsoleOptions
}

// Store is what the portal reads and writes.
type Store interface {
	sso.TokenStore
	sso.AccessStore
	sso.PortalStore
}

// Service is the portal.
type Service struct {
	store    Store
	digester *sso.Digester
	issuer   Issuer
	now      func() time.Time
	log      *slog.Logger
	limit    *limiter
	cache    *credCache
	console  ConsoleOptions
	rec      *audit.Recorder
}

// New returns a portal service.
func New(st Store, d *sso.Digester, issuer Issuer, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, digester: d, issuer: issuer, now: opts.Now, log: opts.Logger,
		limit: newLimiter(RateWindow), cache: newCredCache(), console: opts.Console, rec: opts.Audit}
}

func unauthorized() error {
	return sso.Errorf(sso.CodeUnauthorized, "Session token not found or invalid")
}

// authenticate resolves the bearer token in one read (token, family and
// user); see check.
func (s *Service) authenticate(ctx context.Context, bearer string) (sso.Bearer, error) {
	return s.check(ctx, bearer, func(digest []byte) (sso.Bearer, error) { return s.store.GetBearer(ctx, digest) })
}

// check reads a bearer token with read (which may read more in the same
// statement) and checks it: missing, unknown, expired or revoked tokens,
// and tokens of a deleted or disabled user, are all
// UnauthorizedException, which the AWS tools turn into "run aws sso
// login". Then the session's calls are counted in this process
// (limiter), after the token is known to be good, so that no made-up
// token takes room in the limiter.
func (s *Service) check(ctx context.Context, bearer string, read func(digest []byte) (sso.Bearer, error)) (sso.Bearer, error) {
	if bearer == "" || len(bearer) > 4096 {
		return sso.Bearer{}, unauthorized()
	}
	b, err := read(s.digester.Digest(sso.KindAccessToken, bearer))
	if errors.Is(err, sso.ErrNotFound) {
		return sso.Bearer{}, unauthorized()
	}
	if err != nil {
		return sso.Bearer{}, err
	}
	now := s.now()
	if b.Revoked || !now.Before(b.ExpiresAt) {
		return sso.Bearer{}, unauthorized()
	}
	if len(b.Scopes) > 0 && !sso.ContainsString(b.Scopes, PortalScope) {
		return sso.Bearer{}, sso.Errorf(sso.CodeUnauthorized, "the token was not issued for the %s scope", PortalScope)
	}
	if !b.UserFound || b.UserDisabled {
		return sso.Bearer{}, unauthorized() // the user was deleted or disabled
	}
	if err := s.allow("portal:"+b.FamilyID, now); err != nil {
		return sso.Bearer{}, err
	}
	return b, nil
}

// allow counts a call under key and refuses it past RateLimit per
// RateWindow.
func (s *Service) allow(key string, now time.Time) error {
	if s.limit.hit(key, now) > RateLimit {
		return &sso.Error{Code: sso.CodeTooManyRequests, Message: "too many requests; slow down", RetryAfter: RateWindow}
	}
	return nil
}

// page cuts keys (sorted, distinct) after the key encoded in next, to at
// most max entries, and returns the token of the next page ("" at the end).
// A next token is the base64url of a key this page could have returned:
// anything else (not base64url, not canonical, or not a key valid says is
// one) is InvalidRequest, not an empty page.
func page(keys []string, next string, max int, valid func(string) bool) ([]string, string, error) {
	if max == 0 {
		max = DefaultPageSize
	}
	if max < 1 || max > MaxPageSize {
		return nil, "", sso.Errorf(sso.CodeInvalidRequest, "max_result must be between 1 and %d", MaxPageSize)
	}
	startAt := 0
	if next != "" {
		// The decoder skips \r and \n; comparing the re-encoding refuses
		// them and any other second spelling of a token.
		b, err := base64.RawURLEncoding.Strict().DecodeString(next)
		if err != nil || len(b) == 0 || !valid(string(b)) || base64.RawURLEncoding.EncodeToString(b) != next {
			return nil, "", sso.Errorf(sso.CodeInvalidRequest, "next_token is not valid")
		}
		after := string(b)
		startAt = sort.SearchStrings(keys, after)
		if startAt < len(keys) && keys[startAt] == after {
			startAt++
		}
	}
	end := startAt + max
	if end >= len(keys) {
		return keys[startAt:], "", nil
	}
	return keys[startAt:end], base64.RawURLEncoding.EncodeToString([]byte(keys[end-1])), nil
}

// ListAccounts lists the accounts the caller has at least one role in:
// one read (the token with the accounts of its person's assignments).
func (s *Service) ListAccounts(ctx context.Context, bearer, next string, max int) (wire.ListAccountsResponse, error) {
	var accts []sso.Account
	_, err := s.check(ctx, bearer, func(digest []byte) (sso.Bearer, error) {
		b, as, err := s.store.GetBearerAccounts(ctx, digest)
		accts = as
		return b, err
	})
	if err != nil {
		return wire.ListAccountsResponse{}, err
	}
	byID := make(map[string]sso.Account, len(accts))
	ids := make([]string, 0, len(accts))
	for _, a := range accts {
		byID[a.ID] = a
		ids = append(ids, a.ID)
	}
	sort.Strings(ids) // the store returns them in any order; page needs them in byte order
	ids, token, err := page(ids, next, max, sso.ValidAccountID)
	if err != nil {
		return wire.ListAccountsResponse{}, err
	}
	resp := wire.ListAccountsResponse{AccountList: make([]wire.AccountInfo, 0, len(ids))}
	for _, id := range ids {
		acct := byID[id]
		info := wire.AccountInfo{AccountID: str(acct.ID), AccountName: str(acct.Name)}
		if acct.Email != "" {
			info.EmailAddress = str(acct.Email)
		}
		resp.AccountList = append(resp.AccountList, info)
	}
	if token != "" {
		resp.NextToken = &token
	}
	return resp, nil
}

// ListAccountRoles lists the caller's roles in an account.
func (s *Service) ListAccountRoles(ctx context.Context, bearer, accountID, next string, max int) (wire.ListAccountRolesResponse, error) {
	b, err := s.authenticate(ctx, bearer)
	if err != nil {
		return wire.ListAccountRolesResponse{}, err
	}
	if accountID == "" {
		return wire.ListAccountRolesResponse{}, sso.Errorf(sso.CodeInvalidRequest, "account_id is required")
	}
	if !sso.ValidAccountID(accountID) {
		return wire.ListAccountRolesResponse{}, sso.Errorf(sso.CodeInvalidRequest, "account_id must be 12 digits")
	}
	as, err := s.store.ListAssignmentsFor(ctx, b.UserID)
	if err != nil {
		return wire.ListAccountRolesResponse{}, err
	}
	var mine []sso.Assignment
	for _, a := range as {
		if a.AccountID == accountID {
			mine = append(mine, a)
		}
	}
	roles, token, err := page(distinct(mine, func(a sso.Assignment) string { return a.PermissionSet }), next, max,
		permissionSetPattern.MatchString)
	if err != nil {
		return wire.ListAccountRolesResponse{}, err
	}
	resp := wire.ListAccountRolesResponse{RoleList: []wire.RoleInfo{}}
	for _, r := range roles {
		resp.RoleList = append(resp.RoleList, wire.RoleInfo{RoleName: str(r), AccountID: str(accountID)})
	}
	if token != "" {
		resp.NextToken = &token
	}
	return resp, nil
}

// GetRoleCredentials returns credentials for one of the caller's roles.
// A role the caller is not assigned, directly or through a group, is
// ResourceNotFoundException, the same answer as a role that does not
// exist: the caller learns nothing about other people's access. One read
// (the token with the assignment's account and permission set), then the
// credentials: fixed ones, or STS's, cached (credcache.go).
func (s *Service) GetRoleCredentials(ctx context.Context, bearer, accountID, roleName string) (wire.GetRoleCredentialsResponse, error) {
	var grant *sso.RoleGrant
	b, err := s.check(ctx, bearer, func(digest []byte) (sso.Bearer, error) {
		b, g, err := s.store.GetBearerRole(ctx, digest, accountID, roleName)
		grant = g
		return b, err
	})
	if err != nil {
		return wire.GetRoleCredentialsResponse{}, err
	}
	switch {
	case accountID == "":
		return wire.GetRoleCredentialsResponse{}, sso.Errorf(sso.CodeInvalidRequest, "account_id is required")
	case roleName == "":
		return wire.GetRoleCredentialsResponse{}, sso.Errorf(sso.CodeInvalidRequest, "role_name is required")
	case !sso.ValidAccountID(accountID):
		return wire.GetRoleCredentialsResponse{}, sso.Errorf(sso.CodeInvalidRequest, "account_id must be 12 digits")
	case grant == nil:
		return wire.GetRoleCredentialsResponse{}, noRole(accountID, roleName)
	}
	c, err := s.issue(ctx, sso.User{ID: b.UserID, Name: b.UserName}, *grant)
	if err != nil {
		return wire.GetRoleCredentialsResponse{}, err
	}
	return wire.GetRoleCredentialsResponse{RoleCredentials: &wire.RoleCredentials{
		AccessKeyID: str(c.AccessKeyID), SecretAccessKey: str(c.SecretAccessKey),
		// Present even when empty (fixed credentials without a session
		// token): botocore and the AWS CLI v2 read it as
		// credentials['sessionToken'] (botocore/credentials.py,
		// SSOCredentialFetcher), and without the member every credential
		// lookup of the profile fails with KeyError. The pages leave an
		// empty token out instead.
		SessionToken: str(c.SessionToken),
		// Epoch milliseconds (WIRE.md 7).
		Expiration: c.Expiration.UnixMilli(),
	}}, nil
}

func noRole(accountID, roleName string) error {
	return sso.Errorf(sso.CodeResourceNotFound, "No access: you have no role %s in account %s", roleName, accountID)
}

// credentials returns credentials for user's role roleName in accountID,
// with the account: ResourceNotFoundException unless the user has it.
func (s *Service) credentials(ctx context.Context, user sso.User, accountID, roleName string) (Credentials, sso.Account, error) {
	g, err := s.store.GetRoleGrant(ctx, user.ID, accountID, roleName)
	if errors.Is(err, sso.ErrNotFound) {
		return Credentials{}, sso.Account{}, noRole(accountID, roleName)
	}
	if err != nil {
		return Credentials{}, sso.Account{}, err
	}
	c, err := s.issue(ctx, user, g)
	return c, g.Account, err
}

// issue makes credentials of the grant for user (ID and Name): fixed ones
// from the issuer, STS's through the cache.
func (s *Service) issue(ctx context.Context, user sso.User, g sso.RoleGrant) (Credentials, error) {
	acct, ps := g.Account, g.PermissionSet
	if acct.Source == sso.SourceStatic {
		// Fixed credentials: nothing is made, so nothing is logged (a
		// line per call costs throughput, PERF.md).
		return s.issuer.RoleCredentials(ctx, acct, ps, user)
	}
	return s.cache.fetch(ctx, credKey(user.ID, acct.ID, ps.Name), fingerprint(acct, ps, user), s.now,
		func(ctx context.Context) (Credentials, error) {
			c, err := s.issuer.RoleCredentials(ctx, acct, ps, user)
			if err == nil {
				s.log.InfoContext(ctx, "role credentials issued", slog.String("user_id", user.ID),
					slog.String("account_id", acct.ID), slog.String("role", ps.Name), slog.Time("expires", c.Expiration))
			}
			return c, err
		})
}

// Logout revokes the caller's access token and its whole refresh family.
func (s *Service) Logout(ctx context.Context, bearer string) error {
	b, err := s.authenticate(ctx, bearer)
	if err != nil {
		return err
	}
	// The person holding the token signs themself out: they are the actor.
	ctx = sso.WithActor(ctx, sso.Actor{Type: sso.ActorUser, ID: b.UserID, Name: b.UserName})
	ev := s.rec.Event(ctx, audit.FamilyRevoked, sso.Target{Type: audit.TargetFamily, ID: b.FamilyID, User: b.UserName},
		"reason", "logout")
	revoke := func(ctx context.Context) error { return s.store.RevokeFamily(ctx, b.FamilyID, s.now()) }
	if err := s.rec.Do(ctx, revoke, ev); err != nil && !errors.Is(err, sso.ErrNotFound) {
		return err
	}
	s.log.InfoContext(ctx, "logged out", slog.String("user", b.UserName), slog.String("family_id", b.FamilyID))
	return nil
}

func distinct(as []sso.Assignment, key func(sso.Assignment) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range as {
		k := key(a)
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func str(s string) *string { return &s }
