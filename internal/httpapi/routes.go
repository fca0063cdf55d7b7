package httpapi

import (
	"net/http"

	"github.com/ssooidc/ssooidc/wire"
)

// Routes registers every AWS-wire route on mux.
func (a *API) Routes(mux *http.ServeMux) {
	mux.Handle("POST "+wire.PathRegisterClient, a.adaptBounded("RegisterClient", a.opts.RegisterBody, a.registerClient))
	mux.Handle("POST "+wire.PathStartDeviceAuthorization, a.adapt("StartDeviceAuthorization", a.startDeviceAuthorization))
	// CreateToken and CreateTokenWithIAM share the path; the literal query
	// aws_iam=t (WIRE.md 2.4) tells them apart.
	createToken := a.adapt("CreateToken", a.createToken)
	createTokenWithIAM := a.adaptWith("CreateTokenWithIAM", a.createTokenWithIAM, lookupIAM, writeIAMError)
	mux.Handle("POST "+wire.PathCreateToken, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("aws_iam") {
			createTokenWithIAM.ServeHTTP(w, r)
			return
		}
		createToken.ServeHTTP(w, r)
	}))
	if a.opts.Keys != nil {
		mux.Handle("GET /.well-known/jwks.json", a.adapt("JWKS", a.jwks))
		mux.Handle("GET /.well-known/openid-configuration", a.adapt("OpenIDConfiguration", a.openIDConfiguration))
	}
	if a.opts.Portal != nil {
		mux.Handle("GET "+wire.PathGetRoleCredentials, a.adaptPortal("GetRoleCredentials", a.getRoleCredentials))
		mux.Handle("GET "+wire.PathListAccounts, a.adaptPortal("ListAccounts", a.listAccounts))
		mux.Handle("GET "+wire.PathListAccountRoles, a.adaptPortal("ListAccountRoles", a.listAccountRoles))
		mux.Handle("POST "+wire.PathLogout, a.adaptPortal("Logout", a.logout))
	}
	mux.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	}))
	mux.Handle("GET /readyz", a.adapt("Ready", a.ready))
}

// NotFound is the handler for paths no route matches: an AWS-shaped error
// rather than a plain-text 404, since the callers are AWS clients.
func (a *API) NotFound() http.Handler {
	return a.adapt("NotFound", a.notFound)
}
