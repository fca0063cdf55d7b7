package access

import (
	"context"
	"errors"
	"net/http"
	"sort"

	"github.com/ssooidc/ssooidc/console"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// The portal for a person signed in on the pages (the access portal at
// the start URL): the same accounts, roles and credentials as the portal
// API gives their tools, found by user rather than by bearer token.

// AccountAccess is an account with the roles a person has in it.
type AccountAccess struct {
	Account sso.Account
	Roles   []string // permission set names, sorted
}

// ConsoleOptions configure console sign-in from the pages ("Console" of a
// role): the role's credentials are exchanged for a sign-in token at the
// AWS federation endpoint (the console package).
type ConsoleOptions struct {
	// Enabled shows "Console" for accounts whose credentials come from
	// STS (the federation endpoint takes only temporary credentials).
	Enabled bool
	// Region picks the partition and the console's region; FederationURL
	// overrides the partition's endpoint.
	Region        string
	FederationURL string
	// Issuer is where the console sends the person when the session ends
	// (the portal's URL).
	Issuer string
	// HTTPClient calls the federation endpoint; nil: a 30-second client.
	HTTPClient *http.Client
}

// AccessOf returns the accounts the user userID has roles in, with the
// roles, ordered by account ID: two reads.
func (s *Service) AccessOf(ctx context.Context, userID string) ([]AccountAccess, error) {
	accts, err := s.store.ListAccountsFor(ctx, userID)
	if err != nil {
		return nil, err
	}
	as, err := s.store.ListAssignmentsFor(ctx, userID)
	if err != nil {
		return nil, err
	}
	roles := map[string][]string{}
	for _, a := range as {
		if !sso.ContainsString(roles[a.AccountID], a.PermissionSet) {
			roles[a.AccountID] = append(roles[a.AccountID], a.PermissionSet)
		}
	}
	out := make([]AccountAccess, 0, len(accts))
	for _, a := range accts {
		r := roles[a.ID]
		if len(r) == 0 {
			continue // the assignment went between the two reads
		}
		sort.Strings(r)
		out = append(out, AccountAccess{Account: a, Roles: r})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Account.ID < out[j].Account.ID })
	return out, nil
}

// CredentialsOf returns credentials for the user's role roleName in
// accountID, as GetRoleCredentials does for their tools, with the account.
// Errors are *sso.Error: CodeInvalidRequest (not an account ID),
// CodeResourceNotFound (no such role of theirs), CodeTooManyRequests (the
// person's page calls are limited as a session's API calls are).
func (s *Service) CredentialsOf(ctx context.Context, user sso.User, accountID, roleName string) (Credentials, sso.Account, error) {
	if !sso.ValidAccountID(accountID) {
		return Credentials{}, sso.Account{}, sso.Errorf(sso.CodeInvalidRequest, "%q is not an account ID (12 digits).", accountID)
	}
	if err := s.allow("page:"+user.ID, s.now()); err != nil {
		return Credentials{}, sso.Account{}, err
	}
	return s.credentials(ctx, user, accountID, roleName)
}

// ErrNoConsole is returned by ConsoleURL for a role whose console
// sign-in is not offered: the console is not enabled, or the account's
// credentials are fixed ones.
var ErrNoConsole = sso.Errorf(sso.CodeInvalidRequest, "Console sign-in is not available for this account.")

// ConsoleEnabled reports whether "Console" is offered for acct.
func (s *Service) ConsoleEnabled(acct sso.Account) bool {
	return s.console.Enabled && acct.Source != sso.SourceStatic
}

// ConsoleURL returns a URL that signs the person in to the AWS console as
// their role roleName in accountID, for 15 minutes: the role's credentials
// exchanged for a sign-in token at the federation endpoint. Errors: those
// of CredentialsOf; ErrNoConsole; anything the federation endpoint
// answers is internal (logged, with no credentials in it).
func (s *Service) ConsoleURL(ctx context.Context, user sso.User, accountID, roleName string) (string, error) {
	c, acct, err := s.CredentialsOf(ctx, user, accountID, roleName)
	if err != nil {
		return "", err
	}
	if !s.ConsoleEnabled(acct) || c.SessionToken == "" {
		return "", ErrNoConsole
	}
	o := console.Options{Region: s.console.Region, FederationURL: s.console.FederationURL, Issuer: s.console.Issuer,
		HTTPClient: s.console.HTTPClient}
	u, err := console.SigninURL(ctx, console.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
		SessionToken: c.SessionToken}, o)
	if err != nil {
		var fe *console.Error
		if errors.As(err, &fe) {
			return "", &sso.Error{Code: sso.CodeInternal, Message: "The AWS sign-in endpoint refused the role's credentials.", Err: err}
		}
		return "", err
	}
	return u, nil
}
