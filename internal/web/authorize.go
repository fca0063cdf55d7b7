package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Authorizer is what the authorization page needs from the authorization
// code grant.
type Authorizer interface {
	// Prompt validates the query of GET /authorize. When the client and its
	// redirect URI are valid but something else is not, it returns the URL
	// to send the browser back to with the error (RFC 6749 section
	// 4.1.2.1). When the client or its redirect URI is not valid, it
	// returns an *sso.Error to show on our own page: never a redirect.
	Prompt(ctx context.Context, q url.Values) (p AuthorizePrompt, redirect string, err error)
	// Decide validates q again and, on behalf of userID, returns where to
	// send the browser: the redirect URI with a code (approve) or with
	// error=access_denied. Errors are as for Prompt.
	Decide(ctx context.Context, q url.Values, userID string, approve bool) (redirect string, err error)
}

// AuthorizePrompt is what the consent page shows for an authorization
// request.
type AuthorizePrompt struct {
	ClientName  string
	Scopes      []string
	RedirectURI string
}

// authorizePage is GET /authorize: validate, make sure someone is signed
// in (the sign-in page comes back here), then ask.
func (h *Handler) authorizePage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p, redirect, err := h.authz.Prompt(r.Context(), q)
	if redirect != "" {
		http.Redirect(w, r, redirect, http.StatusFound)
		return nil
	}
	if err != nil {
		return authorizeError(err)
	}
	u, signedIn, err := h.currentUser(r)
	if err != nil {
		return err
	}
	if !signedIn {
		next := localPath(r.URL.RequestURI())
		if next == "" {
			return userError(http.StatusBadRequest, "This sign-in link is not valid. Start the login again from your application.", nil)
		}
		http.Redirect(w, r, signInURL(next), http.StatusSeeOther)
		return nil
	}
	// The answer is a form POST whose response redirects to the
	// application. Browsers hold that redirect to the page's form-action,
	// so allow the (validated, registered) redirect URI's origin here.
	if origin := originOf(p.RedirectURI); origin != "" {
		w.Header().Set("Content-Security-Policy", strings.Replace(contentSecurityPolicy,
			"form-action 'self'", "form-action 'self' "+origin, 1))
	}
	h.render(w, r, http.StatusOK, tmplConsent, view{
		Title: "Allow access?", User: displayName(u), Here: r.URL.RequestURI(),
		Consent: &Consent{
			Title:      "Allow this application?",
			ClientName: p.ClientName,
			Scopes:     p.Scopes,
			ReturnsTo:  returnsTo(p.RedirectURI), // portal_text.go
			Action:     "/authorize",
			Hidden:     []Field{{Name: "request", Value: r.URL.RawQuery}},
		},
	})
	return nil
}

// authorizeDecide is POST /authorize: the answer to the consent page. The
// request travels in a hidden field and is validated again.
func (h *Handler) authorizeDecide(w http.ResponseWriter, r *http.Request) error {
	raw := r.PostForm.Get("request")
	q, err := url.ParseQuery(raw)
	if err != nil || raw == "" {
		return userError(http.StatusBadRequest, "This form is not valid. Start the login again from your application.", nil)
	}
	u, signedIn, err := h.currentUser(r)
	if err != nil {
		return err
	}
	if !signedIn {
		http.Redirect(w, r, signInURL("/authorize?"+raw), http.StatusSeeOther)
		return nil
	}
	approve, err := decision(r)
	if err != nil {
		return err
	}
	redirect, err := h.authz.Decide(r.Context(), q, u.ID, approve)
	if redirect != "" {
		// 303: the browser follows with a GET to the application's
		// loopback listener, carrying only code and state.
		http.Redirect(w, r, redirect, http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return authorizeError(err)
	}
	return errors.New("authorize: no redirect and no error")
}

// originOf returns scheme://host[:port] of an absolute http(s) URI, or ""
// (a private-use scheme is allowed as the scheme alone).
func originOf(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return ""
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" || strings.ContainsAny(u.Host, " ;,'") {
			return ""
		}
		return u.Scheme + "://" + u.Host
	}
	if strings.ContainsAny(u.Scheme, " ;,'") {
		return ""
	}
	return u.Scheme + ":"
}

// authorizeError shows a request that cannot be sent back to its client.
// The messages of these codes are written for people by the grant.
func authorizeError(err error) error {
	var e *sso.Error
	if errors.As(err, &e) && e.Code != sso.CodeInternal {
		return &pageError{status: http.StatusBadRequest, heading: "This sign-in request is not valid", message: authorizeMessage(e), err: err}
	}
	return err
}
