package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// The Security page (issue 18): a person changes their password, sees the
// sessions they have (browsers, and the command-line and SDK sessions of
// their tools) and ends them, one or all; multi-factor authentication has
// its own pages at /security/mfa.
//
//	GET  /security                  the page (?done= names what was just done)
//	POST /security/password         change the password (the current one, the new one twice)
//	POST /security/sessions/end     end one session (kind=browser|tool, id=)
//	POST /security/sessions/end-all sign out everywhere, this browser included

// Security is what the Security page needs (the server adapts
// internal/identity and internal/sessions to it). Errors are *sso.Error
// with a message for the person where the doc names a code; anything
// else is internal.
type Security interface {
	// HasPassword reports whether the person signs in with a password
	// kept here (not only through an identity provider).
	HasPassword(ctx context.Context, u sso.User) (bool, error)
	// ChangePassword replaces the person's password after checking the
	// current one (throttled like a sign-in) and ends their other browser
	// sessions, keeping the one of keepCookie. Errors: CodeInvalidRequest,
	// CodeAccessDenied (the current password is wrong),
	// CodeTooManyRequests.
	ChangePassword(ctx context.Context, u sso.User, current, next, remoteAddr, keepCookie string) error
	// Sessions lists the person's live sessions, newest first; the
	// browser session of cookie is marked Current.
	Sessions(ctx context.Context, u sso.User, cookie string) ([]BrowserSession, []ToolSession, error)
	// EndBrowser ends one of the person's browser sessions; EndTool
	// revokes one of their tools' sessions (its refresh and access tokens
	// stop working). Errors: CodeResourceNotFound.
	EndBrowser(ctx context.Context, u sso.User, id string) error
	EndTool(ctx context.Context, u sso.User, id string) error
	// EndAll ends every session of the person, browsers (this one
	// included) and tools.
	EndAll(ctx context.Context, u sso.User) error
}

// BrowserSession is a browser signed in to the pages.
type BrowserSession struct {
	ID, UserAgent, Address string
	CreatedAt, ExpiresAt   time.Time
	Current                bool
}

// ToolSession is the login session of a command-line tool or SDK.
type ToolSession struct {
	ID, ClientName                 string
	CreatedAt, LastUsed, ExpiresAt time.Time
	Refreshable                    bool
}

// Messages of the Security page.
const (
	msgPasswordsDiffer = "The two new passwords are not the same."
	msgPasswordMissing = "Enter your current password and the new one twice."
	msgPasswordChanged = "Your password is changed. Your other browsers are signed out."
	msgBrowserEnded    = "That browser is signed out."
	msgToolEnded       = "That session is signed out: its tokens no longer work, and the tool has to log in again."
)

// done are the confirmations ?done= may name (no text from the query is
// ever shown).
var done = map[string]string{"password": msgPasswordChanged, "browser": msgBrowserEnded, "tool": msgToolEnded}

func (h *Handler) securityRoutes(mux *http.ServeMux) {
	if h.security == nil {
		return
	}
	mux.Handle("GET "+securityPath, h.page(h.securityPage))
	mux.Handle("POST "+securityPath+"/password", h.form(h.changePassword))
	mux.Handle("POST "+securityPath+"/sessions/end", h.form(h.endSession))
	mux.Handle("POST "+securityPath+"/sessions/end-all", h.form(h.endAll))
}

// securityPage is GET /security.
func (h *Handler) securityPage(w http.ResponseWriter, r *http.Request) error {
	u, ok, err := h.signedIn(w, r)
	if err != nil || !ok {
		return err
	}
	return h.renderSecurity(w, r, u, http.StatusOK, done[r.URL.Query().Get("done")], "")
}

// renderSecurity shows the page with a confirmation (notice) or a
// password form error (formError).
func (h *Handler) renderSecurity(w http.ResponseWriter, r *http.Request, u sso.User, status int, notice, formError string) error {
	has, err := h.security.HasPassword(r.Context(), u)
	if err != nil {
		return err
	}
	bs, ts, err := h.security.Sessions(r.Context(), u, h.sessionCookie(r))
	if err != nil {
		return err
	}
	sv := &SecurityView{HasPassword: has, Notice: notice, PasswordError: formError, MFAPath: mfaPath, FactorCount: -1}
	if h.factorCount != nil {
		n, err := h.factorCount(r.Context(), u.ID)
		if err != nil {
			return err
		}
		sv.FactorCount = n
	}
	for _, b := range bs {
		sv.Browsers = append(sv.Browsers, SessionView{ID: b.ID, Kind: "browser", Name: browserName(b.UserAgent),
			Detail: b.Address, Started: h.when(b.CreatedAt), StartedAt: stamp(b.CreatedAt),
			Ends: h.when(b.ExpiresAt), EndsAt: stamp(b.ExpiresAt), Current: b.Current})
	}
	for _, t := range ts {
		name := t.ClientName
		if name == "" {
			name = "An application that gave no name"
		}
		detail := "Cannot refresh: ends with its access token"
		if t.Refreshable {
			detail = "Refreshes its tokens until it ends"
		}
		v := SessionView{ID: t.ID, Kind: "tool", Name: name, Detail: detail, Started: h.when(t.CreatedAt), StartedAt: stamp(t.CreatedAt),
			Ends: h.when(t.ExpiresAt), EndsAt: stamp(t.ExpiresAt)}
		if t.LastUsed.After(t.CreatedAt) { // refreshed since it started
			v.LastUsed, v.LastUsedAt = h.when(t.LastUsed), stamp(t.LastUsed)
		}
		sv.Tools = append(sv.Tools, v)
	}
	h.render(w, r, status, tmplSecurity, view{Title: "Security", User: displayName(u), Nav: navSecurity, Security: sv,
		Error: formError})
	return nil
}

// changePassword is POST /security/password.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) error {
	u, ok, err := h.signedIn(w, r)
	if err != nil || !ok {
		return err
	}
	f := r.PostForm
	current, next, again := f.Get("current_password"), f.Get("new_password"), f.Get("new_password_again")
	switch {
	case current == "" || next == "" || again == "":
		return h.renderSecurity(w, r, u, http.StatusBadRequest, "", msgPasswordMissing)
	case next != again:
		return h.renderSecurity(w, r, u, http.StatusBadRequest, "", msgPasswordsDiffer)
	}
	err = h.security.ChangePassword(actor(r, u), u, current, next, h.clientAddr(r), h.sessionCookie(r))
	var e *sso.Error
	if err != nil && asSSOError(err, &e) && e.Message != "" {
		status := http.StatusBadRequest
		switch e.Code {
		case sso.CodeAccessDenied:
			status = http.StatusForbidden
		case sso.CodeTooManyRequests:
			status = http.StatusTooManyRequests
			setRetryAfter(w, err)
		case sso.CodeInvalidRequest:
		default:
			return err
		}
		return h.renderSecurity(w, r, u, status, "", e.Message)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, securityPath+"?done=password", http.StatusSeeOther)
	return nil
}

// endSession is POST /security/sessions/end: one browser or tool session.
// Ending this browser's own session signs it out.
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request) error {
	u, ok, err := h.signedIn(w, r)
	if err != nil || !ok {
		return err
	}
	id := r.PostForm.Get("id")
	var kind string
	switch r.PostForm.Get("kind") {
	case "browser":
		kind, err = "browser", h.security.EndBrowser(actor(r, u), u, id)
	case "tool":
		kind, err = "tool", h.security.EndTool(actor(r, u), u, id)
	default:
		return userError(http.StatusBadRequest, msgBadForm, nil)
	}
	if sso.CodeOf(err) == sso.CodeResourceNotFound {
		return h.renderSecurity(w, r, u, http.StatusNotFound, "That session had ended already.", "")
	}
	if err != nil {
		return err
	}
	if _, still, err := h.currentUser(r); err == nil && !still {
		// This browser's own session: it is signed out now.
		h.clearSessionCookie(w, r)
		http.Redirect(w, r, signInURL(securityPath), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, securityPath+"?done="+url.QueryEscape(kind), http.StatusSeeOther)
	return nil
}

// endAll is POST /security/sessions/end-all: sign out everywhere, this
// browser included.
func (h *Handler) endAll(w http.ResponseWriter, r *http.Request) error {
	u, ok, err := h.signedIn(w, r)
	if err != nil || !ok {
		return err
	}
	if err := h.security.EndAll(actor(r, u), u); err != nil {
		return err
	}
	h.clearSessionCookie(w, r)
	h.render(w, r, http.StatusOK, tmplMessage, view{Title: "Signed out everywhere", Heading: "You are signed out everywhere",
		Tone: "success", Message: "Every browser and every command-line or SDK session of yours is signed out, this one too. " +
			"Your tools have to log in again (aws sso login).",
		Link: signInURL(securityPath), LinkText: "Sign in again"})
	return nil
}

// when says a time for people: the date in UTC, and how long ago or
// ahead.
func (h *Handler) when(t time.Time) string {
	d := h.now().Sub(t)
	abs := t.UTC().Format("2 Jan 2006, 15:04 UTC")
	switch {
	case d >= 0 && d < time.Minute:
		return abs + " (just now)"
	case d >= 0:
		return abs + " (" + ago(d) + " ago)"
	}
	return abs + " (" + h.expiresIn(t) + ")"
}

// ago says a past duration in the largest whole unit.
func ago(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return "a minute"
	case d < 2*time.Hour:
		return itoa(int(d/time.Minute)) + " minutes"
	case d < 48*time.Hour:
		return itoa(int(d/time.Hour)) + " hours"
	}
	return itoa(int(d/(24*time.Hour))) + " days"
}

// stamp is t for a <time datetime=...>.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
