package web

import (
	"context"
	"crypto/sha256"
	_ "embed" // the WebAuthn script
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strconv"

	"rsc.io/qr"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// The second factor of a sign-in (issue 15): the step after the first
// factor, enrolment when the policy requires a factor, and the passkey
// sign-in. The factors live behind MFA (internal/mfa); this file carries
// the browser from one step to the next. Authentication codes and
// recovery codes work without JavaScript; security keys and passkeys need
// the WebAuthn API, reached through one small script of ours (static/
// mfa.js, CSP script-src 'self').

// MFA is what the pages need of second factors; internal/mfa implements
// it (through an adapter in internal/server). Errors are *sso.Error with a
// Message for the person: CodeAccessDenied (refused), CodeTooManyRequests
// (sign-in limits), CodeExpiredToken (the pending sign-in or ceremony is
// gone), CodeInvalidRequest, CodeConflict, CodeResourceNotFound; anything
// else is internal.
type MFA interface {
	// Required reports whether every person must have a second factor;
	// WebAuthn whether security keys and passkeys can be used.
	Required() bool
	WebAuthn() bool
	// Due says what a person identified by method must still do: ""
	// nothing, "verify" or "enrol".
	Due(ctx context.Context, u sso.User, method string) (string, error)
	// Hold keeps a pending sign-in and returns the browser's secret;
	// Held reads it; Release takes it, once.
	Hold(ctx context.Context, p PendingSignIn) (string, error)
	Held(ctx context.Context, secret string) (PendingSignIn, error)
	Release(ctx context.Context, secret string) (PendingSignIn, error)
	// Factors lists a person's factors and counts their recovery codes.
	Factors(ctx context.Context, userID string) ([]sso.Factor, int, error)
	VerifyTOTP(ctx context.Context, u sso.User, code, remoteAddr string) error
	VerifyRecovery(ctx context.Context, u sso.User, code, remoteAddr string) error
	// BeginLogin and BeginRegistration return a ceremony's handle and
	// its options for the WebAuthn API (JSON); the Finish methods take the
	// authenticator's answer (JSON, as mfa.js sends it).
	BeginLogin(ctx context.Context, u sso.User) (string, []byte, error)
	FinishLogin(ctx context.Context, u sso.User, handle string, response []byte, remoteAddr string) error
	BeginPasskey(ctx context.Context, remoteAddr string) (string, []byte, error)
	FinishPasskey(ctx context.Context, handle string, response []byte, remoteAddr string) (sso.User, error)
	BeginTOTP(ctx context.Context, u sso.User) (TOTPSetup, error)
	// FinishTOTP and FinishRegistration return new recovery codes when the
	// factor is the person's first.
	FinishTOTP(ctx context.Context, u sso.User, handle, name, code string) ([]string, error)
	BeginRegistration(ctx context.Context, u sso.User) (string, []byte, error)
	FinishRegistration(ctx context.Context, u sso.User, handle, name string, response []byte) ([]string, error)
	Rename(ctx context.Context, u sso.User, id, name string) error
	Remove(ctx context.Context, u sso.User, id string) error
	NewRecoveryCodes(ctx context.Context, u sso.User) ([]string, error)
}

// PendingSignIn is a sign-in waiting for its second factor.
type PendingSignIn struct {
	User   sso.User
	Method string
	Next   string
	Enrol  bool
}

// TOTPSetup is an authenticator app being set up: the secret, shown once,
// as text and as an otpauth URI for the QR code.
type TOTPSetup struct {
	Handle, Secret, URI string
}

// The pending sign-in's cookie: HttpOnly, SameSite=Lax, as long as the
// pending sign-in lives.
const (
	mfaCookieSecure = "__Host-ssooidc_mfa"
	mfaCookiePlain  = "ssooidc_mfa"
	mfaCookieMaxAge = 10 * 60
)

// mfaScriptCSP lets a page run our one script and nothing else; connect-src
// 'self' for its fetch of the WebAuthn options.
const mfaScriptCSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

//go:embed static/mfa.js
var mfaJS []byte

// mfaJSPath names the script by its content, as the stylesheet is named.
var mfaJSPath = func() string {
	s := sha256.Sum256(mfaJS)
	return "/static/mfa." + hex.EncodeToString(s[:6]) + ".js"
}()

// Labels and messages of the pages.
const (
	msgMFAExpired = "This sign-in has expired. Sign in again."
	msgMFAMissing = "Enter the code."
)

// MFAView is what the second-factor pages show.
type MFAView struct {
	Script string // the script's path, on pages that use it
	// The second-factor step.
	TOTP     bool // the person has an authenticator app
	Keys     bool // ... a security key or passkey
	Recovery int  // recovery codes left
	Code     bool // show the recovery code form instead of the app's
	// Enrolment and the security page.
	Setup    *TOTPSetup
	QR       template.URL // data: URL of the QR code's PNG
	WebAuthn bool         // security keys can be registered
	Action   string       // where the setup forms post
	Options  string       // where the WebAuthn script asks for options
	Codes    []string     // new recovery codes, shown once
	Next     string
	Factors  []FactorRow
	Required bool
	Notice   string
}

// FactorRow is a factor on the security page.
type FactorRow struct {
	ID, Name, Kind, Added, LastUsed string
	Passkey                         bool
}

// mfaRoutes registers the pages of second factors (and the security page,
// mfa_security.go).
//
//	GET  /signin/mfa                 the second-factor step (or enrolment)
//	POST /signin/mfa                 an authentication code, a recovery code or a security key's answer
//	POST /signin/mfa/options         WebAuthn options of the pending person (JSON, for mfa.js)
//	POST /signin/mfa/setup           enrolment during sign-in
//	POST /signin/mfa/setup/options   WebAuthn registration options (JSON)
//	POST /signin/passkey/options     WebAuthn options of a passkey sign-in (JSON)
//	POST /signin/passkey             a passkey's answer: signed in
//	GET  /static/mfa.HASH.js         the script
func (h *Handler) mfaRoutes(mux *http.ServeMux) {
	if h.mfa == nil {
		return
	}
	mux.Handle("GET /signin/mfa", h.page(h.mfaPage))
	mux.Handle("POST /signin/mfa", h.form(h.mfaSubmit))
	mux.Handle("POST /signin/mfa/options", h.jsonPost(h.mfaLoginOptions))
	mux.Handle("POST /signin/mfa/setup", h.form(h.mfaSetup))
	mux.Handle("POST /signin/mfa/setup/options", h.jsonPost(h.mfaSetupOptions))
	mux.Handle("POST /signin/passkey/options", h.jsonPost(h.passkeyOptions))
	mux.Handle("POST /signin/passkey", h.form(h.passkeySignIn))
	mux.Handle("GET "+mfaJSPath, h.mfaScript())
	h.mfaSecurityRoutes(mux)
}

// secondFactor is completeSignIn's second step: when the person owes a
// second factor (or must enrol one), it holds the sign-in, sets its
// cookie and sends the browser to the step, and reports true.
func (h *Handler) secondFactor(w http.ResponseWriter, r *http.Request, u sso.User, method, next string) (bool, error) {
	if h.mfa == nil {
		return false, nil
	}
	due, err := h.mfa.Due(r.Context(), u, method)
	if err != nil || due == "" {
		return false, err
	}
	secret, err := h.mfa.Hold(r.Context(), PendingSignIn{User: u, Method: method, Next: next, Enrol: due == "enrol"})
	if err != nil {
		return false, err
	}
	http.SetCookie(w, &http.Cookie{Name: h.mfaCookieName(r), Value: secret, Path: "/", MaxAge: mfaCookieMaxAge,
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/signin/mfa", http.StatusSeeOther)
	return true, nil
}

func (h *Handler) mfaCookieName(r *http.Request) string {
	if h.secure(r) {
		return mfaCookieSecure
	}
	return mfaCookiePlain
}

func (h *Handler) mfaCookie(r *http.Request) string {
	c, err := r.Cookie(h.mfaCookieName(r))
	if err != nil || len(c.Value) != 43 {
		return ""
	}
	return c.Value
}

// held returns the pending sign-in of the request, or answers with the
// "expired" page and ok false.
func (h *Handler) held(w http.ResponseWriter, r *http.Request) (PendingSignIn, bool, error) {
	secret := h.mfaCookie(r)
	if secret == "" {
		return PendingSignIn{}, false, h.mfaExpired(w, r)
	}
	p, err := h.mfa.Held(r.Context(), secret)
	if sso.CodeOf(err) == sso.CodeExpiredToken {
		return PendingSignIn{}, false, h.mfaExpired(w, r)
	}
	return p, err == nil, err
}

func (h *Handler) mfaExpired(w http.ResponseWriter, r *http.Request) error {
	h.render(w, r, http.StatusBadRequest, tmplMessage, view{Title: "Sign-in expired", Heading: "Sign-in expired",
		Message: msgMFAExpired, Tone: "error", Link: "/signin", LinkText: "Sign in again"})
	return nil
}

// mfaPage is GET /signin/mfa: the second-factor step, or the enrolment
// that the required mode asks for first.
func (h *Handler) mfaPage(w http.ResponseWriter, r *http.Request) error {
	p, ok, err := h.held(w, r)
	if !ok {
		return err
	}
	if p.Enrol {
		return h.renderSetup(w, r, http.StatusOK, p.User, "", "")
	}
	return h.renderVerify(w, r, http.StatusOK, p.User, r.URL.Query().Get("with") == "recovery", "")
}

func (h *Handler) renderVerify(w http.ResponseWriter, r *http.Request, status int, u sso.User, recovery bool, msg string) error {
	list, left, err := h.mfa.Factors(r.Context(), u.ID)
	if err != nil {
		return err
	}
	mv := &MFAView{Recovery: left, Code: recovery, Options: "/signin/mfa/options"}
	for _, f := range list {
		mv.TOTP = mv.TOTP || f.Kind == sso.FactorTOTP
		mv.Keys = mv.Keys || f.Kind == sso.FactorWebAuthn && h.mfa.WebAuthn()
	}
	if mv.Keys {
		mv.Script = mfaJSPath
		w.Header().Set("Content-Security-Policy", mfaScriptCSP)
	}
	title := "Verify it's you"
	h.render(w, r, status, tmplMFAVerify, view{Title: title, Error: msg, MFA: mv, Here: "/signin/mfa"})
	return nil
}

// mfaSubmit is POST /signin/mfa: check the second factor, then finish the
// sign-in.
func (h *Handler) mfaSubmit(w http.ResponseWriter, r *http.Request) error {
	p, ok, err := h.held(w, r)
	if !ok {
		return err
	}
	if p.Enrol {
		http.Redirect(w, r, "/signin/mfa", http.StatusSeeOther)
		return nil
	}
	ctx, f, addr := r.Context(), r.PostForm, h.clientAddr(r)
	recovery := false
	switch f.Get("method") {
	case "totp":
		if f.Get("code") == "" {
			return h.renderVerify(w, r, http.StatusBadRequest, p.User, false, msgMFAMissing)
		}
		err = h.mfa.VerifyTOTP(ctx, p.User, f.Get("code"), addr)
	case "recovery":
		recovery = true
		if f.Get("recovery_code") == "" {
			return h.renderVerify(w, r, http.StatusBadRequest, p.User, true, msgMFAMissing)
		}
		err = h.mfa.VerifyRecovery(ctx, p.User, f.Get("recovery_code"), addr)
	case "webauthn":
		err = h.mfa.FinishLogin(ctx, p.User, f.Get("handle"), []byte(f.Get("credential")), addr)
	default:
		return userError(http.StatusBadRequest, msgBadForm, errors.New("no second-factor method"))
	}
	if err != nil {
		return h.mfaRefused(w, r, p.User, recovery, err)
	}
	return h.finishHeld(w, r, nil)
}

// mfaRefused shows the step again with what was wrong.
func (h *Handler) mfaRefused(w http.ResponseWriter, r *http.Request, u sso.User, recovery bool, err error) error {
	var se *sso.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code {
	case sso.CodeAccessDenied, sso.CodeInvalidRequest:
		return h.renderVerify(w, r, http.StatusUnauthorized, u, recovery, se.Message)
	case sso.CodeTooManyRequests:
		setRetryAfter(w, err)
		return h.renderVerify(w, r, http.StatusTooManyRequests, u, recovery, cmpMsg(se.Message, msgSignInLimited))
	case sso.CodeExpiredToken:
		return h.renderVerify(w, r, http.StatusBadRequest, u, recovery, se.Message)
	}
	return err
}

func cmpMsg(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// finishHeld takes the pending sign-in, once, and starts the session; with
// codes (a first factor was just enrolled), it shows them once with a
// link on instead of redirecting.
func (h *Handler) finishHeld(w http.ResponseWriter, r *http.Request, codes []string) error {
	p, err := h.mfa.Release(r.Context(), h.mfaCookie(r))
	if sso.CodeOf(err) == sso.CodeExpiredToken {
		return h.mfaExpired(w, r)
	}
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: h.mfaCookieName(r), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteLaxMode})
	next := localPath(p.Next)
	if next == "" {
		next = defaultNext
	}
	// The session records both factors: the first one's method and mfa.
	method := p.Method + "+mfa"
	if len(codes) == 0 {
		return h.startSession(w, r, p.User, method, next)
	}
	if err := h.newSession(w, r, p.User, method); err != nil {
		return err
	}
	h.renderCodes(w, r, http.StatusOK, p.User, codes, next)
	return nil
}

// renderCodes shows new recovery codes, once.
func (h *Handler) renderCodes(w http.ResponseWriter, r *http.Request, status int, u sso.User, codes []string, next string) {
	h.render(w, r, status, tmplMFACodes, view{Title: "Save your recovery codes", User: displayName(u),
		MFA: &MFAView{Codes: codes, Next: next}, Here: "/security/mfa"})
}

// renderSetup is enrolment during sign-in (the required mode): set up an
// authenticator app, or a security key or passkey.
func (h *Handler) renderSetup(w http.ResponseWriter, r *http.Request, status int, u sso.User, name, msg string) error {
	mv, err := h.setupView(r.Context(), u, "/signin/mfa/setup", "/signin/mfa/setup/options", name)
	if err != nil {
		return err
	}
	mv.Required = true
	if mv.WebAuthn {
		w.Header().Set("Content-Security-Policy", mfaScriptCSP)
	}
	h.render(w, r, status, tmplMFASetup, view{Title: "Set up a second sign-in step", Error: msg, MFA: mv, Here: "/signin/mfa"})
	return nil
}

// setupView starts an authenticator app's setup and draws its QR code.
func (h *Handler) setupView(ctx context.Context, u sso.User, action, options, name string) (*MFAView, error) {
	setup, err := h.mfa.BeginTOTP(ctx, u)
	if err != nil {
		return nil, err
	}
	code, err := qr.Encode(setup.URI, qr.M)
	if err != nil {
		return nil, err
	}
	png := base64.StdEncoding.EncodeToString(code.PNG())
	mv := &MFAView{Setup: &setup, QR: template.URL("data:image/png;base64," + png), Action: action, Options: options,
		WebAuthn: h.mfa.WebAuthn()}
	if mv.WebAuthn {
		mv.Script = mfaJSPath
	}
	mv.Notice = name
	return mv, nil
}

// mfaSetup is POST /signin/mfa/setup: the first factor of a person whom
// the policy requires to have one; then the sign-in completes and the
// recovery codes are shown once.
func (h *Handler) mfaSetup(w http.ResponseWriter, r *http.Request) error {
	p, ok, err := h.held(w, r)
	if !ok {
		return err
	}
	if !p.Enrol {
		http.Redirect(w, r, "/signin/mfa", http.StatusSeeOther)
		return nil
	}
	codes, err := h.enrol(r, p.User)
	if err != nil {
		var se *sso.Error
		if !errors.As(err, &se) || se.Code == sso.CodeInternal {
			return err
		}
		return h.renderSetup(w, r, http.StatusBadRequest, p.User, r.PostForm.Get("name"), se.Message)
	}
	return h.finishHeld(w, r, codes)
}

// enrol adds the factor a setup form posted: an authenticator app
// (kind=totp: handle, name, code) or a security key (kind=webauthn:
// handle, name, credential).
func (h *Handler) enrol(r *http.Request, u sso.User) ([]string, error) {
	f := r.PostForm
	switch f.Get("kind") {
	case "totp":
		return h.mfa.FinishTOTP(r.Context(), u, f.Get("handle"), f.Get("name"), f.Get("code"))
	case "webauthn":
		return h.mfa.FinishRegistration(r.Context(), u, f.Get("handle"), f.Get("name"), []byte(f.Get("credential")))
	}
	return nil, sso.Errorf(sso.CodeInvalidRequest, msgBadForm)
}

// The JSON endpoints of mfa.js.

// jsonFunc answers a JSON endpoint: a value to send, or an error.
type jsonFunc func(r *http.Request) (any, error)

// jsonPost adapts a JSON endpoint of the script: cross-origin requests are
// refused (the script's fetch is same-origin), the body is bounded and
// parsed as a form, the answer is JSON; a refusal is {"message": ...}
// with its status, an internal error a fixed message.
func (h *Handler) jsonPost(f jsonFunc) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		status, body := http.StatusOK, any(nil)
		if err := r.ParseForm(); err != nil {
			status, body = http.StatusBadRequest, map[string]string{"message": msgBadForm}
		} else if v, err := f(r); err != nil {
			status, body = h.jsonError(r, err)
		} else {
			body = v
		}
		b, _ := json.Marshal(body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(status)
		_, _ = w.Write(b)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		w.Header().Set("Cache-Control", "no-store")
		h.csrf.Handler(inner).ServeHTTP(w, r)
	})
}

func (h *Handler) jsonError(r *http.Request, err error) (int, any) {
	var se *sso.Error
	if errors.As(err, &se) && se.Message != "" && se.Code != sso.CodeInternal {
		status := http.StatusBadRequest
		switch se.Code {
		case sso.CodeTooManyRequests:
			status = http.StatusTooManyRequests
		case sso.CodeAccessDenied, sso.CodeUnauthorized:
			status = http.StatusForbidden
		}
		return status, map[string]string{"message": se.Message}
	}
	h.log.ErrorContext(r.Context(), "web request failed", "method", r.Method, "path", r.URL.Path, "error", err.Error())
	return http.StatusInternalServerError, map[string]string{"message": "The server could not complete this request. Try again in a moment."}
}

// ceremonyJSON is what the options endpoints answer.
type ceremonyJSON struct {
	Handle  string          `json:"handle"`
	Options json.RawMessage `json:"options"`
}

func ceremonyOf(handle string, opts []byte, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return ceremonyJSON{Handle: handle, Options: opts}, nil
}

// pendingUser is the person of the request's pending sign-in.
func (h *Handler) pendingUser(r *http.Request) (PendingSignIn, error) {
	secret := h.mfaCookie(r)
	if secret == "" {
		return PendingSignIn{}, sso.Errorf(sso.CodeExpiredToken, msgMFAExpired)
	}
	return h.mfa.Held(r.Context(), secret)
}

func (h *Handler) mfaLoginOptions(r *http.Request) (any, error) {
	p, err := h.pendingUser(r)
	if err != nil {
		return nil, err
	}
	return ceremonyOf(h.mfa.BeginLogin(r.Context(), p.User))
}

func (h *Handler) mfaSetupOptions(r *http.Request) (any, error) {
	p, err := h.pendingUser(r)
	if err != nil {
		return nil, err
	}
	if !p.Enrol {
		return nil, sso.Errorf(sso.CodeInvalidRequest, msgMFAExpired)
	}
	return ceremonyOf(h.mfa.BeginRegistration(r.Context(), p.User))
}

func (h *Handler) passkeyOptions(r *http.Request) (any, error) {
	return ceremonyOf(h.mfa.BeginPasskey(r.Context(), h.clientAddr(r)))
}

// passkeySignIn is POST /signin/passkey: a passkey alone signs the person
// in (it verified them: two factors at once).
func (h *Handler) passkeySignIn(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.PostForm.Get("next"))
	if next == "" {
		next = defaultNext
	}
	u, err := h.mfa.FinishPasskey(r.Context(), r.PostForm.Get("handle"), []byte(r.PostForm.Get("credential")), h.clientAddr(r))
	if err != nil {
		var se *sso.Error
		if !errors.As(err, &se) || se.Code == sso.CodeInternal {
			return err
		}
		status := http.StatusUnauthorized
		if se.Code == sso.CodeTooManyRequests {
			status = http.StatusTooManyRequests
			setRetryAfter(w, err)
		}
		h.renderSignIn(w, r, status, next, "", se.Message)
		return nil
	}
	return h.completeSignIn(w, r, u, methodPasskey, next)
}

// methodPasskey is the sign-in method of a passkey alone (mfa.MethodPasskey).
const methodPasskey = "passkey"

// mfaScript serves mfa.js under its content-hashed name.
func (h *Handler) mfaScript() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		_, _ = w.Write(mfaJS)
	})
}

// passkeyButton reports whether the sign-in page offers a passkey, and
// lets the page run the script that does it.
func (h *Handler) passkeyButton(w http.ResponseWriter) string {
	if h.mfa == nil || !h.mfa.WebAuthn() {
		return ""
	}
	w.Header().Set("Content-Security-Policy", mfaScriptCSP)
	return mfaJSPath
}
