package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"strconv"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/style.css
var cssBytes []byte

// cssHash and cssName name the stylesheet by its content, so that it can be
// cached for a year and a new build never meets a stale copy.
var (
	cssHash = func() string { s := sha256.Sum256(cssBytes); return hex.EncodeToString(s[:6]) }()
	cssName = "style." + cssHash + ".css"
	cssPath = "/static/" + cssName
)

// The pages. Each is parsed with layout.html, which defines the frame
// (head, brand, card, account footer) and calls the page's "content".
const (
	tmplCode    = "code.html"
	tmplSignIn  = "signin.html"
	tmplConsent = "consent.html"
	tmplMessage = "message.html"

	// The access portal and the Security page (portal.go, security.go).
	tmplStart       = "start.html"
	tmplCredentials = "credentials.html"
	tmplSecurity    = "security.html"
	// Second factors (mfa.go).
	tmplMFAVerify   = "mfa_verify.html"
	tmplMFASetup    = "mfa_setup.html"
	tmplMFACodes    = "mfa_codes.html"
	tmplMFASecurity = "mfa_security.html"
)

type pages struct {
	byName map[string]*template.Template
}

func mustParsePages() *pages {
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range []string{tmplCode, tmplSignIn, tmplConsent, tmplMessage, tmplStart, tmplCredentials, tmplSecurity,
		tmplMFAVerify, tmplMFASetup, tmplMFACodes, tmplMFASecurity} {
		p.byName[name] = template.Must(template.New(name).Funcs(templateFuncs).ParseFS(templateFS,
			"templates/layout.html", "templates/parts.html", "templates/"+name))
	}
	return p
}

// view is everything a page template can show. One flat struct keeps the
// templates simple; each page uses the fields it needs.
type view struct {
	Title   string // the <title>, before " · ssooidc"
	CSSPath string
	User    string // who is signed in ("" if nobody): shows the account footer
	Here    string // this page's local path, for "Sign out" to come back to
	Error   string // an alert above the form

	// The code page.
	Code string

	// The sign-in page.
	Lead     string
	Username string
	Next     string
	// Identity providers' buttons, and whether the password form shows
	// (upstream.go).
	Upstreams []UpstreamLink
	Passwords bool

	// The consent page.
	Consent *Consent

	// Second factors (mfa.go): their pages, and the sign-in page's
	// passkey button (the script's path, "" for none).
	MFA     *MFAView
	Passkey string

	// The message page.
	Heading  string
	Message  string
	Tone     string // success, denied or error
	Link     string
	LinkText string

	// The access portal and the Security page (portal.go, security.go):
	// Nav is the page of the portal's navigation that is this one.
	Nav         string
	HasPortal   bool // the portal's pages are served (render sets it)
	Portal      *PortalView
	Credentials *CredentialsView
	Security    *SecurityView
}

// Consent is what the consent page shows: generic, so that other flows
// (the authorization code flow) can ask the same question.
type Consent struct {
	Title      string   // the heading, e.g. "Allow access?"
	ClientName string   // the application's name as registered (not verified)
	Scopes     []string // shown as what they grant (scopeText), or "no scopes"
	Code       string   // a code to compare with the device's; "" for none
	ReturnsTo  string   // where the answer goes (the redirect URI's host), "" for none
	StartURL   string   // optional
	ExpiresIn  string   // optional, e.g. "9 minutes"
	Action     string   // where Allow and Deny post to (a local path)
	Hidden     []Field  // hidden fields of that form
}

// Field is a hidden form field.
type Field struct {
	Name, Value string
}

// render executes a page into a buffer, then writes it: a template failure
// becomes a clean error page, not half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	v.CSSPath = cssPath
	v.HasPortal = h.portal != nil
	if v.Here == "" {
		v.Here = r.URL.Path
	}
	var buf bytes.Buffer
	if err := h.pages.byName[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.ErrorContext(r.Context(), "rendering a page failed", "template", name, "error", err.Error())
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("<!doctype html><html lang=en><title>Error</title><p>Something went wrong.</p></html>")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
