package access

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"sort"
	"time"

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

// Issuer makes role credentials for a person's assignment.
type Issuer interface {
	RoleCredentials(ctx context.Context, acct sso.Account, ps sso.PermissionSet, user sso.User) (Credentials, error)
}

// Options configure a Service.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
}

// Service is the portal.
type Service struct {
	tokens   sso.TokenStore
	users    sso.UserStore
	dir      sso.AccessStore
	limits   sso.LimitStore
	digester *sso.Digester
	issuer   Issuer
	now      func() time.Time
	log      *slog.Logger
}

// New returns a portal service.
func New(tokens sso.TokenStore, users sso.UserStore, dir sso.AccessStore, limits sso.LimitStore, d *sso.Digester, issuer Issuer, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{tokens: tokens, users: users, dir: dir, limits: limits, digester: d, issuer: issuer, now: opts.Now, log: opts.Logger}
}

func unauthorized() error {
	return sso.Errorf(sso.CodeUnauthorized, "Session token not found or invalid")
}

// session is an authenticated portal caller.
type session struct {
	token sso.AccessToken
	fam   sso.Family
	user  sso.User
}

// authenticate resolves the bearer token: missing, unknown, expired or
// revoked tokens are all UnauthorizedException, which the AWS tools turn
// into "run aws sso login".
func (s *Service) authenticate(ctx context.Context, bearer string) (session, error) {
	if bearer == "" || len(bearer) > 4096 {
		return session{}, unauthorized()
	}
	tok, fam, err := s.tokens.GetAccessToken(ctx, s.digester.Digest(sso.KindAccessToken, bearer))
	if errors.Is(err, sso.ErrNotFound) {
		return session{}, unauthorized()
	}
	if err != nil {
		return session{}, err
	}
	now := s.now()
	if fam.Revoked() || !now.Before(tok.ExpiresAt) || !now.Before(fam.ExpiresAt) {
		return session{}, unauthorized()
	}
	if len(tok.Scopes) > 0 && !sso.ContainsString(tok.Scopes, PortalScope) {
		return session{}, sso.Errorf(sso.CodeUnauthorized, "the token was not issued for the %s scope", PortalScope)
	}
	u, err := s.users.GetUser(ctx, tok.UserID)
	if errors.Is(err, sso.ErrNotFound) || err == nil && u.Disabled {
		return session{}, unauthorized() // the user was deleted or disabled
	}
	if err != nil {
		return session{}, err
	}
	n, err := s.limits.Hit(ctx, "portal:"+fam.ID, RateWindow, now)
	if err != nil {
		return session{}, err
	}
	if n > RateLimit {
		return session{}, sso.Errorf(sso.CodeTooManyRequests, "too many requests; slow down")
	}
	return session{tok, fam, u}, nil
}

func (s *Service) assignments(ctx context.Context, u sso.User) ([]sso.Assignment, error) {
	return s.dir.ListAssignmentsFor(ctx, u.ID)
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

// ListAccounts lists the accounts the caller has at least one role in.
func (s *Service) ListAccounts(ctx context.Context, bearer, next string, max int) (wire.ListAccountsResponse, error) {
	sess, err := s.authenticate(ctx, bearer)
	if err != nil {
		return wire.ListAccountsResponse{}, err
	}
	as, err := s.assignments(ctx, sess.user)
	if err != nil {
		return wire.ListAccountsResponse{}, err
	}
	ids := distinct(as, func(a sso.Assignment) string { return a.AccountID })
	ids, token, err := page(ids, next, max, sso.ValidAccountID)
	if err != nil {
		return wire.ListAccountsResponse{}, err
	}
	resp := wire.ListAccountsResponse{AccountList: []wire.AccountInfo{}}
	for _, id := range ids {
		acct, err := s.dir.GetAccount(ctx, id)
		if errors.Is(err, sso.ErrNotFound) {
			continue // deleted between the two reads
		}
		if err != nil {
			return wire.ListAccountsResponse{}, err
		}
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
	sess, err := s.authenticate(ctx, bearer)
	if err != nil {
		return wire.ListAccountRolesResponse{}, err
	}
	if accountID == "" {
		return wire.ListAccountRolesResponse{}, sso.Errorf(sso.CodeInvalidRequest, "account_id is required")
	}
	if !sso.ValidAccountID(accountID) {
		return wire.ListAccountRolesResponse{}, sso.Errorf(sso.CodeInvalidRequest, "account_id must be 12 digits")
	}
	as, err := s.assignments(ctx, sess.user)
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
// exist: the caller learns nothing about other people's access.
func (s *Service) GetRoleCredentials(ctx context.Context, bearer, accountID, roleName string) (wire.GetRoleCredentialsResponse, error) {
	sess, err := s.authenticate(ctx, bearer)
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
	}
	as, err := s.assignments(ctx, sess.user)
	if err != nil {
		return wire.GetRoleCredentialsResponse{}, err
	}
	assigned := false
	for _, a := range as {
		if a.AccountID == accountID && a.PermissionSet == roleName {
			assigned = true
			break
		}
	}
	notFound := sso.Errorf(sso.CodeResourceNotFound, "No access: you have no role %s in account %s", roleName, accountID)
	if !assigned {
		return wire.GetRoleCredentialsResponse{}, notFound
	}
	acct, err := s.dir.GetAccount(ctx, accountID)
	if errors.Is(err, sso.ErrNotFound) {
		return wire.GetRoleCredentialsResponse{}, notFound
	}
	if err != nil {
		return wire.GetRoleCredentialsResponse{}, err
	}
	ps, err := s.dir.GetPermissionSet(ctx, roleName)
	if errors.Is(err, sso.ErrNotFound) {
		return wire.GetRoleCredentialsResponse{}, notFound
	}
	if err != nil {
		return wire.GetRoleCredentialsResponse{}, err
	}
	c, err := s.issuer.RoleCredentials(ctx, acct, ps, sess.user)
	if err != nil {
		return wire.GetRoleCredentialsResponse{}, err
	}
	s.log.InfoContext(ctx, "role credentials issued", slog.String("user", sess.user.Name),
		slog.String("account_id", accountID), slog.String("role", roleName))
	return wire.GetRoleCredentialsResponse{RoleCredentials: &wire.RoleCredentials{
		AccessKeyID: str(c.AccessKeyID), SecretAccessKey: str(c.SecretAccessKey), SessionToken: str(c.SessionToken),
		// Epoch milliseconds (WIRE.md 7).
		Expiration: c.Expiration.UnixMilli(),
	}}, nil
}

// Logout revokes the caller's access token and its whole refresh family.
func (s *Service) Logout(ctx context.Context, bearer string) error {
	sess, err := s.authenticate(ctx, bearer)
	if err != nil {
		return err
	}
	if err := s.tokens.RevokeFamily(ctx, sess.fam.ID, s.now()); err != nil && !errors.Is(err, sso.ErrNotFound) {
		return err
	}
	s.log.InfoContext(ctx, "logged out", slog.String("user", sess.user.Name), slog.String("family_id", sess.fam.ID))
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
