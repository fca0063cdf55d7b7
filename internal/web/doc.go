// Package web serves the pages people see: the device verification page
// (enter the code), sign-in, consent (allow or deny), the pages that
// close a flow, the access portal (/start: accounts, roles, credentials for
// the command line, console sign-in, applications; portal.go) and the
// Security page (password, sessions; security.go). It is html/template and
// embedded files only: no external assets, one small stylesheet served
// from the package, and no JavaScript but the portal's one script file,
// which adds copy buttons and a live filter to pages that work without it.
//
// The package imports no backend. It consumes small interfaces it
// defines, Devices (the device flow, implemented by internal/device) and
// People (sign-in and browser sessions, implemented by internal/identity),
// Portal and Security (the access portal and the Security page, which the
// server builds over internal/access, internal/sessions and identity),
// Upstreams (sign-in through identity providers, upstream.go; built over
// internal/upstream by the server), and the error codes of internal/sso.
//
// Security: every page gets anti-framing and a strict Content-Security-
// Policy; every form POST goes through http.CrossOriginProtection; the
// session cookie is HttpOnly, SameSite=Lax and Secure (with the __Host-
// prefix) when the server is reached over TLS; the sign-in step only ever
// returns to a validated local path. See routes.go for every route.
//
// Adding a flow (such as GET /authorize): register it in routes.go with
// h.page or h.form; ask for a session with h.currentUser and, when there is
// none, redirect to signInURL(next) with next the flow's own local path
// (localPath refuses anything else, so there is no open redirect); ask the
// question with the consent template, h.render(w, r, status, tmplConsent,
// view{Consent: &Consent{...}}), whose Action and Hidden fields post the
// answer back to the flow, and whose Code may stay empty.
package web
