package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// The self-service page of second factors, /security/mfa: list, add
// (authenticator app, security key or passkey), rename and remove factors,
// and new recovery codes. Every form needs a signed-in person.

// Notices of the security page.
const (
	noticeAdded   = "Added. You will be asked for it when you sign in."
	noticeRenamed = "Renamed."
	noticeRemoved = "Removed."
)

// mfaSecurityRoutes registers the security page.
//
//	GET  /security/mfa                   the list of factors, with the forms
//	GET  /security/mfa/totp              add an authenticator app: QR code, secret, first code
//	POST /security/mfa/totp              confirm it
//	POST /security/mfa/webauthn/options  WebAuthn registration options (JSON, for mfa.js)
//	POST /security/mfa/webauthn          add a security key or passkey
//	POST /security/mfa/rename            rename a factor
//	POST /security/mfa/remove            remove a factor
//	POST /security/mfa/recovery-codes    replace the recovery codes, shown once
func (h *Handler) mfaSecurityRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+mfaPath, h.page(h.mfaSignedIn(h.mfaSecurityPage)))
	mux.Handle("GET "+mfaPath+"/totp", h.page(h.mfaSignedIn(h.securityTOTPPage)))
	mux.Handle("POST "+mfaPath+"/totp", h.form(h.mfaSignedIn(h.securityAdd)))
	mux.Handle("POST "+mfaPath+"/webauthn/options", h.jsonPost(h.securityOptions))
	mux.Handle("POST "+mfaPath+"/webauthn", h.form(h.mfaSignedIn(h.securityAdd)))
	mux.Handle("POST "+mfaPath+"/rename", h.form(h.mfaSignedIn(h.securityRename)))
	mux.Handle("POST "+mfaPath+"/remove", h.form(h.mfaSignedIn(h.securityRemove)))
	mux.Handle("POST "+mfaPath+"/recovery-codes", h.form(h.mfaSignedIn(h.securityCodes)))
}

// userHandler is a handler for a signed-in person.
type userHandler func(w http.ResponseWriter, r *http.Request, u sso.User) error

// mfaSignedIn runs f for the signed-in person, or sends the browser to sign
// in first (and back to the security page).
func (h *Handler) mfaSignedIn(f userHandler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, ok, err := h.currentUser(r)
		if err != nil {
			return err
		}
		if !ok {
			http.Redirect(w, r, signInURL(mfaPath), http.StatusSeeOther)
			return nil
		}
		return f(w, r, u)
	}
}

func (h *Handler) mfaSecurityPage(w http.ResponseWriter, r *http.Request, u sso.User) error {
	return h.renderMFASecurity(w, r, http.StatusOK, u, r.URL.Query().Get("done"), "")
}

func (h *Handler) renderMFASecurity(w http.ResponseWriter, r *http.Request, status int, u sso.User, notice, msg string) error {
	list, left, err := h.mfa.Factors(r.Context(), u.ID)
	if err != nil {
		return err
	}
	mv := &MFAView{Recovery: left, Required: h.mfa.Required(), WebAuthn: h.mfa.WebAuthn(),
		Options: mfaPath + "/webauthn/options", Action: mfaPath + "/webauthn"}
	switch notice {
	case "added":
		mv.Notice = noticeAdded
	case "renamed":
		mv.Notice = noticeRenamed
	case "removed":
		mv.Notice = noticeRemoved
	}
	for _, f := range list {
		row := FactorRow{ID: f.ID, Name: f.Name, Kind: "Authenticator app", Added: day(f.CreatedAt), LastUsed: day(f.LastUsedAt)}
		if f.Kind == sso.FactorWebAuthn {
			row.Kind, row.Passkey = "Security key", f.Discoverable
			if f.Discoverable {
				row.Kind = "Passkey"
			}
		}
		mv.Factors = append(mv.Factors, row)
	}
	if mv.WebAuthn {
		mv.Script = mfaJSPath
		w.Header().Set("Content-Security-Policy", mfaScriptCSP)
	}
	h.render(w, r, status, tmplMFASecurity, view{Title: "Sign-in methods", User: displayName(u), Error: msg, MFA: mv})
	return nil
}

// day is a date for the list ("" for never).
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006")
}

// securityTOTPPage is the setup of a new authenticator app.
func (h *Handler) securityTOTPPage(w http.ResponseWriter, r *http.Request, u sso.User) error {
	return h.renderTOTPSetup(w, r, http.StatusOK, u, "", "")
}

func (h *Handler) renderTOTPSetup(w http.ResponseWriter, r *http.Request, status int, u sso.User, name, msg string) error {
	mv, err := h.setupView(r.Context(), u, mfaPath+"/totp", "", name)
	if err != nil {
		return h.securityRefused(w, r, u, err)
	}
	mv.WebAuthn, mv.Script = false, "" // this page adds an app; keys are added on the list
	h.render(w, r, status, tmplMFASetup, view{Title: "Add an authenticator app", User: displayName(u), Error: msg, MFA: mv})
	return nil
}

// securityAdd confirms a new factor (an app's first code, or a security
// key's answer); the first one's recovery codes are shown once.
func (h *Handler) securityAdd(w http.ResponseWriter, r *http.Request, u sso.User) error {
	codes, err := h.enrol(r, u)
	if err != nil {
		var se *sso.Error
		if !errors.As(err, &se) || se.Code == sso.CodeInternal {
			return err
		}
		if r.PostForm.Get("kind") == "totp" && se.Code != sso.CodeExpiredToken {
			return h.renderTOTPSetup(w, r, http.StatusBadRequest, u, r.PostForm.Get("name"), se.Message)
		}
		return h.renderMFASecurity(w, r, http.StatusBadRequest, u, "", se.Message)
	}
	if len(codes) > 0 {
		h.renderCodes(w, r, http.StatusOK, u, codes, mfaPath+"?done=added")
		return nil
	}
	http.Redirect(w, r, mfaPath+"?done=added", http.StatusSeeOther)
	return nil
}

func (h *Handler) securityOptions(r *http.Request) (any, error) {
	u, ok, err := h.currentUser(r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, sso.Errorf(sso.CodeUnauthorized, "Sign in again.")
	}
	return ceremonyOf(h.mfa.BeginRegistration(r.Context(), u))
}

func (h *Handler) securityRename(w http.ResponseWriter, r *http.Request, u sso.User) error {
	if err := h.mfa.Rename(r.Context(), u, r.PostForm.Get("id"), r.PostForm.Get("name")); err != nil {
		return h.securityRefused(w, r, u, err)
	}
	http.Redirect(w, r, mfaPath+"?done=renamed", http.StatusSeeOther)
	return nil
}

func (h *Handler) securityRemove(w http.ResponseWriter, r *http.Request, u sso.User) error {
	if err := h.mfa.Remove(r.Context(), u, r.PostForm.Get("id")); err != nil {
		return h.securityRefused(w, r, u, err)
	}
	http.Redirect(w, r, mfaPath+"?done=removed", http.StatusSeeOther)
	return nil
}

func (h *Handler) securityCodes(w http.ResponseWriter, r *http.Request, u sso.User) error {
	list, _, err := h.mfa.Factors(r.Context(), u.ID)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return h.renderMFASecurity(w, r, http.StatusBadRequest, u, "", "Add a sign-in method first: recovery codes stand in for one.")
	}
	codes, err := h.mfa.NewRecoveryCodes(r.Context(), u)
	if err != nil {
		return err
	}
	h.renderCodes(w, r, http.StatusOK, u, codes, mfaPath)
	return nil
}

// securityRefused shows the list again with the refusal's message.
func (h *Handler) securityRefused(w http.ResponseWriter, r *http.Request, u sso.User, err error) error {
	var se *sso.Error
	if !errors.As(err, &se) || se.Code == sso.CodeInternal || se.Message == "" {
		return err
	}
	status := http.StatusBadRequest
	switch se.Code {
	case sso.CodeConflict:
		status = http.StatusConflict
	case sso.CodeResourceNotFound:
		status = http.StatusNotFound
	}
	return h.renderMFASecurity(w, r, status, u, "", se.Message)
}
