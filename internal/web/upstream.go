package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Sign-in through the organization's identity providers (upstreams): the
// "Sign in with NAME" buttons, the redirect out, and the return. The
// protocols live behind Upstreams (internal/upstream); this file only
// carries the browser from one step to the next.

// Upstreams is what the pages need of sign-in through identity providers.
// Its errors are *sso.Error: a refusal (CodeAccessDenied, CodeExpiredToken,
// CodeInvalidRequest, CodeResourceNotFound, CodeTooManyRequests) carries a
// Message for the person and has been logged; anything else is internal.
type Upstreams interface {
	// Providers lists the identity providers, in button order.
	Providers() []UpstreamButton
	// Begin starts a sign-in through provider id that returns to next,
	// for the browser whose binding cookie is binding, and returns where
	// to send the browser.
	Begin(ctx context.Context, id, next, binding, remoteAddr string) (string, error)
	// Callback finishes an OpenID Connect sign-in from the redirect back.
	Callback(ctx context.Context, id string, query url.Values, binding, remoteAddr string) (UpstreamResult, error)
	// POST verifies a SAML answer posted to the assertion consumer service
	// and returns the secret that Finish takes in the browser's next
	// request.
	POST(ctx context.Context, id string, form url.Values, remoteAddr string) (string, error)
	// Finish finishes a SAML sign-in that POST verified.
	Finish(ctx context.Context, id, secret, binding, remoteAddr string) (UpstreamResult, error)
	// Metadata returns SAML provider id's service provider metadata.
	Metadata(ctx context.Context, id string) ([]byte, error)
}

// UpstreamButton is an identity provider on the sign-in page.
type UpstreamButton struct {
	ID, Name string
}

// UpstreamResult is a person an identity provider signed in.
type UpstreamResult struct {
	User   sso.User
	Next   string // where to go ("" for the default)
	Method string // the sign-in method, e.g. "oidc:okta"
}

// UpstreamLink is a button of the sign-in page.
type UpstreamLink struct {
	Name, URL string
}

// The binding cookie ties a sign-in to the browser that started it
// (RFC 9700 section 4.7.1). SameSite=Lax: it comes along on the top-level
// GET navigations back from the provider, never on cross-site POSTs.
const (
	bindingSecure = "__Host-ssooidc_upstream"
	bindingPlain  = "ssooidc_upstream"
	bindingMaxAge = 15 * 60 // seconds; longer than a pending sign-in lives
	// maxSAMLBytes bounds a form posted to the assertion consumer service:
	// base64 of a 512 KiB answer.
	maxSAMLBytes = 720 << 10
)

// Messages of password sign-in when only identity providers are allowed.
const (
	msgUpstreamLead = "Sign in with your organization's account to continue."
	msgPasswordsOff = "Signing in with a password is turned off here. Use one of the buttons above."
)

// upstreamRoutes registers the routes of sign-in through identity
// providers:
//
//	GET  /upstream/{id}/login     start: remember the sign-in, redirect to the provider
//	GET  /upstream/{id}/callback  OpenID Connect redirect URI
//	POST /upstream/{id}/acs       SAML assertion consumer service (HTTP-POST)
//	GET  /upstream/{id}/finish    SAML: the browser's step after the ACS
//	GET  /upstream/{id}/metadata  SAML service provider metadata
func (h *Handler) upstreamRoutes(mux *http.ServeMux) {
	if h.upstreams == nil {
		return
	}
	mux.Handle("GET /upstream/{id}/login", h.page(h.upstreamLogin))
	mux.Handle("GET /upstream/{id}/callback", h.page(h.upstreamCallback))
	mux.Handle("POST /upstream/{id}/acs", h.assertionPost(h.upstreamACS))
	mux.Handle("GET /upstream/{id}/finish", h.page(h.upstreamFinish))
	mux.Handle("GET /upstream/{id}/metadata", h.page(h.upstreamMetadata))
}

// passwordSignIn is POST /signin: the password check, or a refusal when
// local passwords are off (hiding the form is not enough).
func (h *Handler) passwordSignIn() handlerFunc {
	if !h.noPasswords {
		return h.signIn
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		next := localPath(r.PostForm.Get("next"))
		if next == "" {
			next = defaultNext
		}
		h.renderSignIn(w, r, http.StatusForbidden, next, "", msgPasswordsOff)
		return nil
	}
}

// signInOptions are the sign-in page's lead, buttons and whether it shows
// the password form.
func (h *Handler) signInOptions(next string) (lead string, links []UpstreamLink, passwords bool) {
	lead, passwords = msgSignInLead, !h.noPasswords
	if h.upstreams == nil {
		return lead, nil, passwords
	}
	for _, b := range h.upstreams.Providers() {
		links = append(links, UpstreamLink{Name: b.Name,
			URL: "/upstream/" + url.PathEscape(b.ID) + "/login?next=" + url.QueryEscape(next)})
	}
	if !passwords {
		lead = msgUpstreamLead
	}
	return lead, links, passwords
}

func (h *Handler) bindingName(r *http.Request) string {
	if h.secure(r) {
		return bindingSecure
	}
	return bindingPlain
}

// binding returns the browser's binding cookie, or "".
func (h *Handler) binding(r *http.Request) string {
	c, err := r.Cookie(h.bindingName(r))
	if err != nil || len(c.Value) != 43 {
		return ""
	}
	return c.Value
}

// upstreamLogin is GET /upstream/{id}/login: remember the sign-in, bound
// to this browser, and send the browser to the provider.
func (h *Handler) upstreamLogin(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"))
	if next == "" {
		next = defaultNext
	}
	binding := h.binding(r)
	if binding == "" {
		binding = sso.RandomSecret()
	}
	to, err := h.upstreams.Begin(r.Context(), r.PathValue("id"), next, binding, h.clientAddr(r))
	if err != nil {
		return h.upstreamFail(w, r, err)
	}
	// Kept, not replaced, when the browser has one: sign-ins started in
	// two tabs both stay valid.
	http.SetCookie(w, &http.Cookie{Name: h.bindingName(r), Value: binding, Path: "/", MaxAge: bindingMaxAge,
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// upstreamCallback is GET /upstream/{id}/callback, the OpenID Connect
// redirect URI.
func (h *Handler) upstreamCallback(w http.ResponseWriter, r *http.Request) error {
	res, err := h.upstreams.Callback(r.Context(), r.PathValue("id"), r.URL.Query(), h.binding(r), h.clientAddr(r))
	if err != nil {
		return h.upstreamFail(w, r, err)
	}
	return h.upstreamDone(w, r, res)
}

// upstreamACS is POST /upstream/{id}/acs: verify the SAML answer, then
// send the browser on to finish it with a GET, which carries the binding
// cookie that this cross-site POST does not.
func (h *Handler) upstreamACS(w http.ResponseWriter, r *http.Request) error {
	secret, err := h.upstreams.POST(r.Context(), r.PathValue("id"), r.PostForm, h.clientAddr(r))
	if err != nil {
		return h.upstreamFail(w, r, err)
	}
	http.Redirect(w, r, "/upstream/"+url.PathEscape(r.PathValue("id"))+"/finish?state="+url.QueryEscape(secret), http.StatusSeeOther)
	return nil
}

// upstreamFinish is GET /upstream/{id}/finish.
func (h *Handler) upstreamFinish(w http.ResponseWriter, r *http.Request) error {
	res, err := h.upstreams.Finish(r.Context(), r.PathValue("id"), r.URL.Query().Get("state"), h.binding(r), h.clientAddr(r))
	if err != nil {
		return h.upstreamFail(w, r, err)
	}
	return h.upstreamDone(w, r, res)
}

// upstreamDone hands the person to completeSignIn, like every first
// factor.
func (h *Handler) upstreamDone(w http.ResponseWriter, r *http.Request, res UpstreamResult) error {
	next := localPath(res.Next)
	if next == "" {
		next = defaultNext
	}
	return h.completeSignIn(w, r, res.User, res.Method, next)
}

// upstreamMetadata is GET /upstream/{id}/metadata: the SAML service
// provider metadata to register at the IdP.
func (h *Handler) upstreamMetadata(w http.ResponseWriter, r *http.Request) error {
	b, err := h.upstreams.Metadata(r.Context(), r.PathValue("id"))
	if err != nil {
		return h.upstreamFail(w, r, err)
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Header().Set("Content-Disposition", `inline; filename="`+strings.ReplaceAll(r.PathValue("id"), `"`, "")+`-sp-metadata.xml"`)
	_, _ = w.Write(b)
	return nil
}

// assertionPost adapts the assertion consumer service: the identity
// provider's page posts it from another origin, so cross-origin protection
// does not apply (the answer's signature, its InResponseTo and the state
// in RelayState do, and the binding cookie at the finish step). The body
// is bounded.
func (h *Handler) assertionPost(f handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		w.Header().Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, maxSAMLBytes)
		if err := r.ParseForm(); err != nil {
			h.fail(w, r, userError(http.StatusBadRequest, msgBadForm, err))
			return
		}
		h.serve(w, r, f)
	})
}

// upstreamFail shows a refused sign-in: what happened and what to do, from
// the service's message (already logged with its reason). Other errors
// are internal.
func (h *Handler) upstreamFail(w http.ResponseWriter, r *http.Request, err error) error {
	var se *sso.Error
	if !errors.As(err, &se) {
		return err
	}
	heading, status := "Sign-in refused", http.StatusForbidden
	switch se.Code {
	case sso.CodeAccessDenied:
	case sso.CodeExpiredToken:
		heading, status = "Sign-in expired", http.StatusBadRequest
	case sso.CodeInvalidRequest:
		status = http.StatusBadRequest
	case sso.CodeResourceNotFound:
		heading, status = "Not found", http.StatusNotFound
	case sso.CodeTooManyRequests:
		heading, status = "Too many sign-in attempts", http.StatusTooManyRequests
	default:
		return err
	}
	h.render(w, r, status, tmplMessage, view{Title: heading, Heading: heading, Message: se.Message, Tone: "error",
		Link: "/signin", LinkText: "Back to sign-in"})
	return nil
}
