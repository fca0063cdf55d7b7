package httpapi

import (
	"net/http"

	"github.com/ssooidc/ssooidc/wire"
)

// Routes registers every AWS-wire route on mux.
func (a *API) Routes(mux *http.ServeMux) {
	mux.Handle("POST "+wire.PathRegisterClient, a.adapt("RegisterClient", a.registerClient))
	mux.Handle("POST "+wire.PathStartDeviceAuthorization, a.adapt("StartDeviceAuthorization", a.startDeviceAuthorization))
	mux.Handle("POST "+wire.PathCreateToken, a.adapt("CreateToken", a.createToken))
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
