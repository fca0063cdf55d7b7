package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Cookie names. Over TLS the cookie takes the __Host- prefix: the browser
// then only accepts it Secure, host-only and for Path=/, so a sibling
// subdomain cannot plant a session of its own choosing.
const (
	cookieSecure = "__Host-ssooidc_session"
	cookiePlain  = "ssooidc_session"
)

// Messages shown on the sign-in page.
const (
	msgSignInLead    = "Sign in with your ssooidc account to continue."
	msgMissingCreds  = "Enter your username and password."
	msgWrongCreds    = "Incorrect username or password."
	msgSignInLimited = "Too many sign-in attempts. Wait a few minutes and try again."
	msgBadForm       = "The form could not be read. Go back and try again."
)

// defaultNext is where sign-in returns when it was given nowhere valid.
const defaultNext = "/device"

// secure reports whether the session cookie must be Secure: the request
// came over TLS, or the public URL is https (TLS ends at a proxy).
func (h *Handler) secure(r *http.Request) bool {
	return r.TLS != nil || h.secureURL
}

func (h *Handler) cookieName(r *http.Request) string {
	if h.secure(r) {
		return cookieSecure
	}
	return cookiePlain
}

// sessionCookie returns the session cookie value of r, or "".
func (h *Handler) sessionCookie(r *http.Request) string {
	c, err := r.Cookie(h.cookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}

// currentUser returns the signed-in user, or ok == false when nobody is
// signed in (no cookie, or an unknown or expired session).
func (h *Handler) currentUser(r *http.Request) (u sso.User, ok bool, err error) {
	if s, found := r.Context().Value(signedInKey{}).(signedIn); found {
		return s.u, s.ok, s.err // looked up once by who (adapter.go)
	}
	v := h.sessionCookie(r)
	if v == "" {
		return sso.User{}, false, nil
	}
	u, err = h.people.SessionUser(r.Context(), v)
	if sso.CodeOf(err) == sso.CodeUnauthorized {
		return sso.User{}, false, nil
	}
	if err != nil {
		return sso.User{}, false, err
	}
	return u, true, nil
}

func (h *Handler) setSessionCookie(w http.ResponseWriter, r *http.Request, value string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: h.cookieName(r), Value: value, Path: "/", Expires: expires,
		MaxAge:   int(expires.Sub(h.now()).Seconds()),
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteLaxMode,
	})
}

func (h *Handler) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: h.cookieName(r), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteLaxMode,
	})
}

// displayName is how the account footer names a user.
func displayName(u sso.User) string {
	if u.DisplayName != "" && u.DisplayName != u.Name {
		return u.DisplayName + " (" + u.Name + ")"
	}
	return u.Name
}

// localPath returns next when it is a safe place to send a browser after
// sign-in, and "" otherwise. Safe means a path on this server: it starts
// with one "/", and has no scheme, host, backslash, fragment, space or
// control character. Browsers read "//host" and "/\host" as another host,
// and drop tabs and newlines from URLs (so "/\t/host" becomes "//host"),
// so those are refused outright rather than cleaned: no open redirect.
func localPath(next string) string {
	if len(next) == 0 || len(next) > 2048 || next[0] != '/' {
		return ""
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return ""
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c >= 0x7f || c == '\\' || c == '#' {
			return ""
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return ""
	}
	return next
}

// signInURL is the sign-in page that returns to next.
func signInURL(next string) string {
	return "/signin?next=" + url.QueryEscape(next)
}

// signInPage is GET /signin: the form, or straight on to next when the
// person is signed in already.
func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"))
	if next == "" {
		next = defaultNext
	}
	_, ok, err := h.currentUser(r)
	if err != nil {
		return err
	}
	if ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	h.renderSignIn(w, r, http.StatusOK, next, "", "")
	return nil
}

func (h *Handler) renderSignIn(w http.ResponseWriter, r *http.Request, status int, next, username, msg string) {
	lead, upstreams, passwords := h.signInOptions(next) // identity providers (upstream.go)
	h.render(w, r, status, tmplSignIn, view{
		Title: "Sign in", Lead: lead, Next: next, Username: username, Error: msg,
		Here: signInURL(next), Upstreams: upstreams, Passwords: passwords,
		Passkey: h.passkeyButton(w), // mfa.go
	})
}

// signIn is POST /signin.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.PostForm.Get("next"))
	if next == "" {
		next = defaultNext
	}
	username, password := strings.TrimSpace(r.PostForm.Get("username")), r.PostForm.Get("password")
	if len(username) > 256 {
		username = username[:256]
	}
	if username == "" || password == "" {
		h.renderSignIn(w, r, http.StatusBadRequest, next, username, msgMissingCreds)
		return nil
	}
	u, err := h.people.SignIn(r.Context(), username, password, h.clientAddr(r))
	switch sso.CodeOf(err) {
	case sso.CodeAccessDenied:
		h.renderSignIn(w, r, http.StatusUnauthorized, next, username, msgWrongCreds)
		return nil
	case sso.CodeTooManyRequests:
		// Throttled, or the server is at its budget of password hashing:
		// the message says which, Retry-After says how long.
		setRetryAfter(w, err)
		msg := msgSignInLimited
		var e *sso.Error
		if errors.As(err, &e) && e.Message != "" {
			msg = e.Message
		}
		h.renderSignIn(w, r, http.StatusTooManyRequests, next, username, msg)
		return nil
	}
	if err != nil {
		return err
	}
	return h.completeSignIn(w, r, u, "password", next)
}

// completeSignIn is where every first factor (a password, an upstream
// identity provider) hands over a person it has identified, with how
// (method): what follows — a second factor when one is due, then the
// browser session — happens here, so no way of signing in can skip it.
func (h *Handler) completeSignIn(w http.ResponseWriter, r *http.Request, u sso.User, method, next string) error {
	// The second factor, when one is due, or its enrolment (mfa.go).
	if held, err := h.secondFactor(w, r, u, method, next); held || err != nil {
		return err
	}
	return h.startSession(w, r, u, method, next)
}

// startSession starts the browser session of a person who has signed in
// and sends the browser on to next.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, u sso.User, method, next string) error {
	if err := h.newSession(w, r, u, method); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// newSession starts the browser session of u, who signed in with method
// (recorded with the session in the audit trail), and sets its cookie.
func (h *Handler) newSession(w http.ResponseWriter, r *http.Request, u sso.User, method string) error {
	// A fresh session for every sign-in: one that existed before (another
	// user's, or one planted) ends here.
	if old := h.sessionCookie(r); old != "" {
		if err := h.people.EndSession(r.Context(), old); err != nil {
			return err
		}
	}
	value, expires, err := h.people.StartSession(r.Context(), u, method)
	if err != nil {
		return err
	}
	h.setSessionCookie(w, r, value, expires)
	return nil
}

// signOut is POST /signout: end the session, then go to next (by default
// the code entry page). next is usually the page the person was on; it
// asks them to sign in again if it needs a session.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) error {
	if v := h.sessionCookie(r); v != "" {
		if err := h.people.EndSession(r.Context(), v); err != nil {
			return err
		}
	}
	h.clearSessionCookie(w, r)
	next := localPath(r.PostForm.Get("next"))
	if next == "" {
		next = defaultNext
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
