package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// The AWS access portal for people (issue 18): the start URL's page, where
// a signed-in person sees their accounts and roles, takes credentials for
// a terminal, opens the console, and finds their applications. The
// protocols live behind Portal (the server adapts internal/access and the
// applications of internal/iamtoken to it); this file and portal_*.go only
// render.
//
//	GET /start                   the accounts, roles and applications (?q= filters)
//	GET {start URL's path}       the same, for a configured start URL on this server
//	GET /start/credentials       a role's credentials for the command line (?account_id=&role_name=)
//	GET /start/console           the AWS console as a role: a redirect through the federation endpoint
//	GET /static/js/{name}        the portal's script (copy buttons, live filter), cached for a year

// Portal is what the access portal page needs.
type Portal interface {
	// Accounts returns the accounts the person has roles in, with the
	// roles, ordered by account ID.
	Accounts(ctx context.Context, u sso.User) ([]PortalAccount, error)
	// Credentials returns credentials for the person's role. Errors are
	// *sso.Error: CodeInvalidRequest (not an account ID),
	// CodeResourceNotFound (no such role of theirs), CodeTooManyRequests.
	Credentials(ctx context.Context, u sso.User, accountID, role string) (RoleCredentials, error)
	// ConsoleURL returns a URL that signs the person in to the AWS console
	// as the role. Errors: those of Credentials, and CodeInvalidRequest
	// when the account offers no console sign-in.
	ConsoleURL(ctx context.Context, u sso.User, accountID, role string) (string, error)
	// Applications returns the applications assigned to the person that
	// the portal shows (enabled, visible, with an address).
	Applications(ctx context.Context, u sso.User) ([]PortalApplication, error)
}

// PortalAccount is an account on the portal page.
type PortalAccount struct {
	ID, Name, Email string
	Roles           []string
	// Console is true when "Console" is offered for the account's roles.
	Console bool
}

// RoleCredentials are a role's credentials for the command line.
type RoleCredentials struct {
	AccountID, AccountName, Role string
	AccessKeyID, SecretAccessKey string
	SessionToken                 string // "" for fixed credentials without one
	Expiration                   time.Time
	// Fixed is true for an account's fixed credentials (source static):
	// they do not end at Expiration.
	Fixed bool
}

// PortalApplication is an application on the portal page.
type PortalApplication struct {
	Name, Description string
	URL               string // http or https
}

// Paths of the portal.
const (
	startPath       = "/start"
	credentialsPath = "/start/credentials"
	consolePath     = "/start/console"
	securityPath    = "/security"
	mfaPath         = "/security/mfa"
)

// portalRoutes registers the portal's pages (with the Security page's,
// security.go) when the handler has a portal.
func (h *Handler) portalRoutes(mux *http.ServeMux) {
	h.securityRoutes(mux)
	if h.portal == nil {
		return
	}
	mux.Handle("GET "+startPath, h.page(h.startPage))
	mux.Handle("GET "+credentialsPath, h.page(h.credentialsPage))
	mux.Handle("GET "+consolePath, h.page(h.consoleRedirect))
	mux.Handle("GET /static/js/{name}", h.script())
	for _, p := range h.startPaths {
		if p == startPath {
			continue
		}
		// A configured start URL on this server: its path serves the
		// portal too, unless a route of ours has it already.
		probe := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: p}, Host: "x"}
		if _, pattern := mux.Handler(probe); pattern != "" {
			h.log.Warn("a start URL's path is served by another page; the portal stays at /start", "path", p, "route", pattern)
			continue
		}
		mux.Handle("GET "+p, h.page(h.startPage))
	}
}

// startPaths returns the paths of those start URLs whose host is the
// public URL's: the portal is served there too. Paths that are not plain
// (segments of letters, digits, "-", "_", ".") are left out.
func startPaths(publicURL string, startURLs []string) []string {
	pu, err := url.Parse(publicURL)
	if err != nil || pu.Host == "" {
		return nil
	}
	var out []string
	for _, s := range startURLs {
		u, err := url.Parse(s)
		if err != nil || !strings.EqualFold(u.Host, pu.Host) || !plainPath(u.Path) {
			continue
		}
		out = append(out, u.Path)
	}
	return out
}

func plainPath(p string) bool {
	if len(p) < 2 || len(p) > 200 || p[0] != '/' || strings.Contains(p, "//") || strings.HasSuffix(p, "/") {
		return false
	}
	for _, c := range p {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/-_.", c)) {
			return false
		}
	}
	return !strings.Contains(p, "/.")
}

// signedIn returns the signed-in person, or redirects to sign-in (which
// comes back to this page) and returns ok == false.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request) (sso.User, bool, error) {
	u, ok, err := h.currentUser(r)
	if err != nil || ok {
		return u, ok, err
	}
	next := localPath(r.URL.RequestURI())
	if next == "" {
		next = startPath
	}
	http.Redirect(w, r, signInURL(next), http.StatusSeeOther)
	return sso.User{}, false, nil
}

// actor names the signed-in person as the actor of what the request
// changes (the audit trail).
func actor(r *http.Request, u sso.User) context.Context {
	return sso.WithActor(r.Context(), sso.Actor{Type: sso.ActorUser, ID: u.ID, Name: u.Name})
}

// maxFilter bounds the filter echoed back and matched.
const maxFilter = 100

// expandUpTo is how many accounts the page shows with their roles open: a
// person with a few sees everything at once; with more, the list stays
// short and the filter (or a click) opens what they look for.
const expandUpTo = 4

// startPage is GET /start: the person's accounts (filtered by ?q=, as the
// script does live), their roles, and their applications.
func (h *Handler) startPage(w http.ResponseWriter, r *http.Request) error {
	u, ok, err := h.signedIn(w, r)
	if err != nil || !ok {
		return err
	}
	accts, err := h.portal.Accounts(r.Context(), u)
	if err != nil {
		return portalError(err)
	}
	apps, err := h.portal.Applications(r.Context(), u)
	if err != nil {
		return portalError(err)
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	q = sso.TruncateUTF8(q, maxFilter)
	pv := &PortalView{Query: q, Action: r.URL.Path, Total: len(accts), Applications: apps, ScriptPath: scriptPath,
		ExpandAll: q != "" || len(accts) <= expandUpTo}
	for _, a := range accts {
		av := accountView(a)
		if !matches(av.Search, q) {
			continue
		}
		pv.Accounts = append(pv.Accounts, av)
	}
	sort.Slice(pv.Accounts, func(i, j int) bool {
		if a, b := strings.ToLower(pv.Accounts[i].Name), strings.ToLower(pv.Accounts[j].Name); a != b {
			return a < b
		}
		return pv.Accounts[i].ID < pv.Accounts[j].ID
	})
	setScriptCSP(w)
	h.render(w, r, http.StatusOK, tmplStart, view{Title: "AWS access portal", User: displayName(u), Nav: navAccounts,
		Portal: pv})
	return nil
}

// accountView is an account as the page shows it, with the links of its
// roles and the text the filter searches.
func accountView(a PortalAccount) AccountView {
	av := AccountView{ID: a.ID, Name: a.Name, Email: a.Email,
		Search: strings.ToLower(a.Name + " " + a.ID + " " + a.Email)}
	if av.Name == "" {
		av.Name = a.ID
	}
	for _, role := range a.Roles {
		q := url.Values{"account_id": {a.ID}, "role_name": {role}}.Encode()
		rv := RoleView{Name: role, CredentialsURL: credentialsPath + "?" + q}
		if a.Console {
			rv.ConsoleURL = consolePath + "?" + q
		}
		av.Roles = append(av.Roles, rv)
	}
	return av
}

// matches reports whether the account's search text holds every word of
// the filter q, in any case.
func matches(search, q string) bool {
	for _, w := range strings.Fields(strings.ToLower(q)) {
		if !strings.Contains(search, w) {
			return false
		}
	}
	return true
}

// roleParams reads ?account_id=&role_name= of a role's page.
func roleParams(r *http.Request) (accountID, role string, err error) {
	q := r.URL.Query()
	accountID, role = strings.TrimSpace(q.Get("account_id")), strings.TrimSpace(q.Get("role_name"))
	if !sso.ValidAccountID(accountID) || role == "" || len(role) > 128 {
		return "", "", &pageError{status: http.StatusBadRequest, heading: "Choose a role",
			message: "This link does not name an account and a role. Go back to your accounts and choose a role there.",
			link:    startPath, linkText: "Back to your accounts"}
	}
	return accountID, role, nil
}

// credentialsPage is GET /start/credentials: a role's credentials for the
// command line, in every shell's form, and the aws configure sso values.
func (h *Handler) credentialsPage(w http.ResponseWriter, r *http.Request) error {
	u, ok, err := h.signedIn(w, r)
	if err != nil || !ok {
		return err
	}
	accountID, role, err := roleParams(r)
	if err != nil {
		return err
	}
	c, err := h.portal.Credentials(r.Context(), u, accountID, role)
	if err != nil {
		return portalError(err)
	}
	cv := h.credentialsView(c)
	setScriptCSP(w)
	w.Header().Set("Cache-Control", "no-store") // credentials: never kept by a cache
	h.render(w, r, http.StatusOK, tmplCredentials, view{Title: "Command line access · " + role, User: displayName(u),
		Nav: navAccounts, Credentials: cv, Portal: &PortalView{ScriptPath: scriptPath}})
	return nil
}

// consoleRedirect is GET /start/console: the AWS console as the role. It
// makes credentials, so it answers only navigations that started on this
// site (a link on the portal page) or were typed: a cross-site link
// cannot sign a person in to the console without them choosing to.
func (h *Handler) consoleRedirect(w http.ResponseWriter, r *http.Request) error {
	u, ok, err := h.signedIn(w, r)
	if err != nil || !ok {
		return err
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return &pageError{status: http.StatusForbidden, heading: "Open the console from your portal",
			message: "This link came from another site, so it was not followed. Open your accounts and choose Console there.",
			link:    startPath, linkText: "Go to your accounts"}
	}
	accountID, role, err := roleParams(r)
	if err != nil {
		return err
	}
	to, err := h.portal.ConsoleURL(r.Context(), u, accountID, role)
	if err != nil {
		return portalError(err)
	}
	// The sign-in URL carries a token that signs anyone in for 15
	// minutes: never cached, never sent on as a referrer (no-referrer is
	// set on every page).
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// portalError shows a refusal of the portal on its page; anything else is
// internal.
func portalError(err error) error {
	var e *sso.Error
	if !asSSOError(err, &e) {
		return err
	}
	pe := &pageError{message: e.Message, err: err, link: startPath, linkText: "Back to your accounts"}
	switch e.Code {
	case sso.CodeInvalidRequest:
		pe.status, pe.heading = http.StatusBadRequest, "Not available"
	case sso.CodeResourceNotFound:
		pe.status, pe.heading = http.StatusNotFound, "No such role"
		pe.message = "You have no such role. It may have been removed; your accounts show the roles you have now."
	case sso.CodeTooManyRequests:
		pe.status, pe.heading = http.StatusTooManyRequests, "Too many requests"
		pe.message = "You asked for credentials many times in a few seconds. Wait a moment and try again."
	default:
		return err
	}
	return pe
}

// portalOptions takes the portal's options (web.go's New calls it).
func (h *Handler) portalOptions(opts Options) {
	h.portal, h.security, h.factorCount = opts.Portal, opts.Security, opts.FactorCount
	h.region, h.publicURL = opts.Region, strings.TrimRight(opts.PublicURL, "/")
	if h.region == "" {
		h.region = "us-east-1"
	}
	if len(opts.StartURLs) > 0 {
		h.startURL = opts.StartURLs[0]
	}
	h.startPaths = startPaths(opts.PublicURL, opts.StartURLs)
}
