package server

import (
	"context"
	"net/url"
	"strings"

	"github.com/ssooidc/ssooidc/internal/access"
	"github.com/ssooidc/ssooidc/internal/iamtoken"
	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/sessions"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/web"
)

// The access portal's page and the Security page (issue 18) over the
// services: web declares what it needs, these adapt access, iamtoken's
// applications, identity and sessions to it.

// portalPages adapts the portal service and the applications to
// web.Portal.
type portalPages struct {
	svc  *access.Service
	apps *iamtoken.Registry
	st   sso.ApplicationStore
}

func (p portalPages) Accounts(ctx context.Context, u sso.User) ([]web.PortalAccount, error) {
	as, err := p.svc.AccessOf(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]web.PortalAccount, 0, len(as))
	for _, a := range as {
		out = append(out, web.PortalAccount{ID: a.Account.ID, Name: a.Account.Name, Email: a.Account.Email, Roles: a.Roles,
			Console: p.svc.ConsoleEnabled(a.Account)})
	}
	return out, nil
}

func (p portalPages) Credentials(ctx context.Context, u sso.User, accountID, role string) (web.RoleCredentials, error) {
	c, acct, err := p.svc.CredentialsOf(ctx, u, accountID, role)
	if err != nil {
		return web.RoleCredentials{}, err
	}
	return web.RoleCredentials{AccountID: acct.ID, AccountName: acct.Name, Role: role, AccessKeyID: c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration,
		Fixed: acct.Source == sso.SourceStatic}, nil
}

func (p portalPages) ConsoleURL(ctx context.Context, u sso.User, accountID, role string) (string, error) {
	return p.svc.ConsoleURL(ctx, u, accountID, role)
}

// Applications are those of the SSO Admin API and the config file that the
// portal shows a person, as Identity Center's does: enabled, not hidden
// (Visibility DISABLED), with an http(s) address, and, when assignment is
// required, assigned to the person directly or through a group.
func (p portalPages) Applications(ctx context.Context, u sso.User) ([]web.PortalApplication, error) {
	all, err := p.apps.Applications(ctx)
	if err != nil {
		return nil, err
	}
	var out []web.PortalApplication
	for _, a := range all {
		if a.Status == sso.Disabled || a.Portal.Visibility == sso.Disabled || !webAddress(a.Portal.ApplicationURL) {
			continue
		}
		if a.AssignmentRequired {
			ok, err := p.st.AppAssigned(ctx, a.ARN, u.ID)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		out = append(out, web.PortalApplication{Name: a.Name, Description: a.Description, URL: a.Portal.ApplicationURL})
	}
	return out, nil
}

// webAddress reports whether s is an absolute http or https URL: the only
// addresses the page links to.
func webAddress(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (strings.EqualFold(u.Scheme, "https") || strings.EqualFold(u.Scheme, "http")) && u.Host != ""
}

// securityPages adapts identity (passwords) and sessions to web.Security.
type securityPages struct {
	id       *identity.Service
	sessions *sessions.Service
}

func (s securityPages) HasPassword(ctx context.Context, u sso.User) (bool, error) {
	return s.id.HasPassword(ctx, u.ID)
}

func (s securityPages) ChangePassword(ctx context.Context, u sso.User, current, next, remoteAddr, keepCookie string) error {
	return s.id.ChangePassword(ctx, u, current, next, remoteAddr, keepCookie)
}

func (s securityPages) Sessions(ctx context.Context, u sso.User, cookie string) ([]web.BrowserSession, []web.ToolSession, error) {
	bs, ts, err := s.sessions.List(ctx, u.ID, cookie)
	if err != nil {
		return nil, nil, err
	}
	var browsers []web.BrowserSession
	for _, b := range bs {
		browsers = append(browsers, web.BrowserSession{ID: b.ID, UserAgent: b.UserAgent, Address: b.Address,
			CreatedAt: b.CreatedAt, ExpiresAt: b.ExpiresAt, Current: b.Current})
	}
	var tools []web.ToolSession
	for _, t := range ts {
		tools = append(tools, web.ToolSession{ID: t.ID, ClientName: t.ClientName, CreatedAt: t.CreatedAt,
			LastUsed: t.LastUsed, ExpiresAt: t.ExpiresAt, Refreshable: t.Refreshable})
	}
	return browsers, tools, nil
}

func (s securityPages) EndBrowser(ctx context.Context, u sso.User, id string) error {
	return s.sessions.EndBrowser(ctx, u, id)
}

func (s securityPages) EndTool(ctx context.Context, u sso.User, id string) error {
	return s.sessions.EndTool(ctx, u, id)
}

func (s securityPages) EndAll(ctx context.Context, u sso.User) error {
	_, _, err := s.sessions.EndAll(ctx, u, "")
	return err
}

// consoleOptions are cfg's console options with their defaults: the
// server's region, and the portal as where the console sends people back.
func consoleOptions(cfg Config) access.ConsoleOptions {
	o := cfg.Console
	if o.Region == "" {
		o.Region = cfg.Region
	}
	if o.Issuer == "" {
		o.Issuer = cfg.PublicURL + "/start"
	}
	return o
}
