package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Messages of the code entry page.
const (
	msgEnterCode    = "Enter the code shown on your device."
	msgInvalidCode  = "That code is not valid, or it has already been used. Check the code shown on your device and try again."
	msgExpiredCode  = "That code has expired. Start the sign-in again on your device to get a new code."
	msgTooManyCodes = "Too many incorrect codes. Wait a few minutes and try again."
	msgBadDecision  = "Choose Allow or Deny."
)

// maxCodeInput bounds what is echoed back into the code field and passed
// on; a code is 9 characters.
const maxCodeInput = 64

// codeParam reads a user code from a query or form value.
func codeParam(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > maxCodeInput {
		v = v[:maxCodeInput]
	}
	return v
}

// consentPath is the consent page of a looked-up code.
func consentPath(userCode string) string {
	return "/device/consent?user_code=" + url.QueryEscape(userCode)
}

// codePage is GET /device: the code entry form, prefilled from ?user_code=
// (verificationUriComplete). It looks nothing up: a GET has no effect, and
// the person confirms the code on the consent page anyway (RFC 8628
// section 3.3.1).
func (h *Handler) codePage(w http.ResponseWriter, r *http.Request) error {
	u, _, err := h.currentUser(r)
	if err != nil {
		return err
	}
	h.renderCode(w, r, http.StatusOK, u, codeParam(r.URL.Query().Get("user_code")), "")
	return nil
}

func (h *Handler) renderCode(w http.ResponseWriter, r *http.Request, status int, u sso.User, code, msg string) {
	v := view{Title: "Sign in a device", Code: code, Error: msg, Here: "/device"}
	if u.ID != "" {
		v.User = displayName(u)
	}
	h.render(w, r, status, tmplCode, v)
}

// codeError shows a Devices error on the code page, with the code kept in
// the field to correct it. Codes other than the expected ones are internal.
func (h *Handler) codeError(w http.ResponseWriter, r *http.Request, u sso.User, code string, err error) error {
	var status int
	var msg string
	switch sso.CodeOf(err) {
	case sso.CodeInvalidGrant, sso.CodeInvalidRequest:
		status, msg = http.StatusBadRequest, msgInvalidCode
	case sso.CodeExpiredToken:
		status, msg = http.StatusBadRequest, msgExpiredCode
	case sso.CodeTooManyRequests:
		status, msg = http.StatusTooManyRequests, msgTooManyCodes
		setRetryAfter(w, err)
	default:
		return err
	}
	h.renderCode(w, r, status, u, code, msg)
	return nil
}

// submitCode is POST /device: on to the consent page, which looks the code
// up. Nobody signed in goes through sign-in first, and nothing is looked up
// for them: wrong guesses count per signed-in person (and per address), so
// that no number of anonymous guesses can lock anyone out.
func (h *Handler) submitCode(w http.ResponseWriter, r *http.Request) error {
	u, signedIn, err := h.currentUser(r)
	if err != nil {
		return err
	}
	code := codeParam(r.PostForm.Get("user_code"))
	if code == "" {
		h.renderCode(w, r, http.StatusBadRequest, u, "", msgEnterCode)
		return nil
	}
	if !signedIn {
		// Normalising is no lookup: it only tidies what the consent page
		// will show in its address.
		if c, ok := sso.NormalizeUserCode(code); ok {
			code = sso.FormatUserCode(c)
		}
		http.Redirect(w, r, signInURL(consentPath(code)), http.StatusSeeOther)
		return nil
	}
	p, err := h.devices.Lookup(r.Context(), code, u, h.clientAddr(r))
	if err != nil {
		return h.codeError(w, r, u, code, err)
	}
	http.Redirect(w, r, consentPath(p.UserCode), http.StatusSeeOther)
	return nil
}

// deviceConsent is GET /device/consent?user_code=: who asks, for what, and
// the code to compare, with Allow and Deny.
func (h *Handler) deviceConsent(w http.ResponseWriter, r *http.Request) error {
	code := codeParam(r.URL.Query().Get("user_code"))
	u, signedIn, err := h.currentUser(r)
	if err != nil {
		return err
	}
	if !signedIn {
		http.Redirect(w, r, signInURL(consentPath(code)), http.StatusSeeOther)
		return nil
	}
	if code == "" {
		h.renderCode(w, r, http.StatusBadRequest, u, "", msgEnterCode)
		return nil
	}
	p, err := h.devices.Lookup(r.Context(), code, u, h.clientAddr(r))
	if err != nil {
		return h.codeError(w, r, u, code, err)
	}
	h.render(w, r, http.StatusOK, tmplConsent, view{
		Title: "Allow access?", User: displayName(u), Here: consentPath(p.UserCode),
		Consent: &Consent{
			Title:      "Allow this device?",
			ClientName: p.ClientName,
			Scopes:     p.Scopes,
			Code:       p.UserCode,
			StartURL:   p.StartURL,
			ExpiresIn:  h.expiresIn(p.ExpiresAt),
			Action:     "/device/decide",
			Hidden:     []Field{{Name: "user_code", Value: p.UserCode}},
		},
	})
	return nil
}

// decide is POST /device/decide: Allow or Deny. The code is looked up again
// first, through the same guess limit as the code page, so that this form
// is no way around it; the lookup also names the client on the last page.
func (h *Handler) decide(w http.ResponseWriter, r *http.Request) error {
	code := codeParam(r.PostForm.Get("user_code"))
	u, signedIn, err := h.currentUser(r)
	if err != nil {
		return err
	}
	if !signedIn {
		// The session ended between the consent page and the click: sign
		// in, then see the consent page again rather than deciding blind.
		http.Redirect(w, r, signInURL(consentPath(code)), http.StatusSeeOther)
		return nil
	}
	approve, err := decision(r)
	if err != nil {
		return err
	}
	p, err := h.devices.Lookup(r.Context(), code, u, h.clientAddr(r))
	if err != nil {
		return h.codeError(w, r, u, code, err)
	}
	if err := h.devices.Decide(r.Context(), p.UserCode, u.ID, approve); err != nil {
		return h.codeError(w, r, u, code, err)
	}
	v := view{User: displayName(u), Here: "/device"}
	if approve {
		who := "The application"
		if p.ClientName != "" {
			who = p.ClientName
		}
		v.Title, v.Heading, v.Tone = "Device signed in", "Your device is signed in", "success"
		v.Message = who + " is now signed in as " + u.Name + ". You can close this window and return to your device."
	} else {
		who := "the device"
		if p.ClientName != "" {
			who = p.ClientName
		}
		v.Title, v.Heading, v.Tone = "Request denied", "Request denied", "denied"
		v.Message = "You denied the request, so " + who + " was not signed in. You can close this window."
	}
	h.render(w, r, http.StatusOK, tmplMessage, v)
	return nil
}

// expiresIn says how long a code has left, for people: "9 minutes".
func (h *Handler) expiresIn(at time.Time) string {
	if at.IsZero() {
		return ""
	}
	d := at.Sub(h.now())
	switch {
	case d <= 0:
		return ""
	case d < 90*time.Second:
		return "in about a minute"
	case d < 90*time.Minute:
		return fmt.Sprintf("in %d minutes", int(d.Round(time.Minute)/time.Minute))
	}
	return fmt.Sprintf("in %d hours", int(d.Round(time.Hour)/time.Hour))
}

// decision reads the consent form's button: true for Allow, false for
// Deny; anything else is a bad form.
func decision(r *http.Request) (bool, error) {
	switch r.PostForm.Get("decision") {
	case "allow":
		return true, nil
	case "deny":
		return false, nil
	}
	return false, userError(http.StatusBadRequest, msgBadDecision, nil)
}
