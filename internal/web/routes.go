package web

import "net/http"

// Routes registers every page of the package on mux. Every handler sets the
// security headers; every POST goes through cross-origin protection first.
//
//	GET  /device                 the code entry page (prefilled from ?user_code=)
//	POST /device                 look the code up; on to sign-in or consent
//	GET  /device/consent         the consent page for ?user_code= (signed in)
//	POST /device/decide          Allow or Deny (signed in)
//	GET  /signin                 the sign-in page; returns to ?next= (a local path)
//	POST /signin                 check the password, start a session, go to next
//	POST /signout                end the session
//	/upstream/{id}/...           sign-in through an identity provider (upstream.go)
//	/signin/mfa..., /signin/passkey..., /security/mfa...  second factors (mfa.go)
//	GET  /authorize              authorization code + PKCE: sign in, consent, redirect back
//	POST /authorize              Allow or Deny of an authorization request (signed in)
//	GET  /static/{name}          the stylesheet, cached for a year (its name holds its hash)
//	GET  /start, /security, ...  the access portal and the Security page (portal.go, security.go)
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.Handle("GET /device", h.page(h.codePage))
	mux.Handle("POST /device", h.form(h.submitCode))
	mux.Handle("GET /device/consent", h.page(h.deviceConsent))
	mux.Handle("POST /device/decide", h.form(h.decide))
	mux.Handle("GET /signin", h.page(h.signInPage))
	mux.Handle("POST /signin", h.form(h.passwordSignIn())) // refuses when local passwords are off (upstream.go)
	mux.Handle("POST /signout", h.form(h.signOut))
	if h.authz != nil {
		mux.Handle("GET /authorize", h.page(h.authorizePage))
		mux.Handle("POST /authorize", h.form(h.authorizeDecide))
	}
	mux.Handle("GET /static/{name}", h.static())
	h.upstreamRoutes(mux) // identity providers (upstream.go)
	h.portalRoutes(mux)   // the access portal and the Security page (portal.go, security.go)
	h.mfaRoutes(mux)      // second factors and /security/mfa (mfa.go)
}
