package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// Portal is the SSO portal API (implemented by *access.Service).
type Portal interface {
	GetRoleCredentials(ctx context.Context, bearer, accountID, roleName string) (wire.GetRoleCredentialsResponse, error)
	ListAccounts(ctx context.Context, bearer, next string, max int) (wire.ListAccountsResponse, error)
	ListAccountRoles(ctx context.Context, bearer, accountID, next string, max int) (wire.ListAccountRolesResponse, error)
	Logout(ctx context.Context, bearer string) error
}

// portalErrors maps domain codes to the portal's four error shapes
// (WIRE.md 7). Anything else is an internal error.
var portalErrors = map[sso.Code]errorKind{
	sso.CodeInvalidRequest:   portalKind(wire.ErrInvalidRequest, slog.LevelDebug),
	sso.CodeUnauthorized:     portalKind(wire.ErrUnauthorized, slog.LevelDebug),
	sso.CodeResourceNotFound: portalKind(wire.ErrResourceNotFound, slog.LevelInfo),
	sso.CodeTooManyRequests:  portalKind(wire.ErrTooManyRequests, slog.LevelWarn),
}

func portalKind(shape string, level slog.Level) errorKind {
	return errorKind{shape: shape, status: wire.PortalErrors[shape].Status, level: level}
}

func lookupPortal(err error) (errorKind, string) {
	k, ok := portalErrors[sso.CodeOf(err)]
	if !ok {
		return errorKind{shape: wire.ErrInternalServer, status: 500, level: slog.LevelError}, internalMessage
	}
	var e *sso.Error
	if asErr(err, &e) && e.Message != "" {
		return k, e.Message
	}
	return k, http.StatusText(k.status)
}

// writePortalError writes the portal's error: the shape in the header and
// as __type in the body, with a message, as AWS does.
func writePortalError(w http.ResponseWriter, k errorKind, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(wire.HeaderErrorType, k.shape)
	w.WriteHeader(k.status)
	_ = json.NewEncoder(w).Encode(wire.PortalError{Type: k.shape, Message: msg})
}

func bearer(r *http.Request) string { return r.Header.Get(wire.HeaderBearerToken) }

// portalQuery returns the query of a portal request. A parameter given
// twice is InvalidRequest: which one counts would be a guess, and a proxy
// and the server might guess differently (parameter pollution).
func portalQuery(r *http.Request) (url.Values, error) {
	q := r.URL.Query()
	for _, name := range []string{wire.QueryAccountID, wire.QueryRoleName, wire.QueryNextToken, wire.QueryMaxResults} {
		if len(q[name]) > 1 {
			return nil, sso.Errorf(sso.CodeInvalidRequest, "the parameter %s appears more than once", name)
		}
	}
	return q, nil
}

func maxResults(q url.Values) (int, error) {
	v := q.Get(wire.QueryMaxResults)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		return 0, sso.Errorf(sso.CodeInvalidRequest, "max_result must be a number from 1 to 100")
	}
	return n, nil
}

func (a *API) getRoleCredentials(w http.ResponseWriter, r *http.Request) error {
	q, err := portalQuery(r)
	if err != nil {
		return err
	}
	resp, err := a.opts.Portal.GetRoleCredentials(r.Context(), bearer(r), q.Get(wire.QueryAccountID), q.Get(wire.QueryRoleName))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, resp)
}

func (a *API) listAccounts(w http.ResponseWriter, r *http.Request) error {
	q, err := portalQuery(r)
	if err != nil {
		return err
	}
	max, err := maxResults(q)
	if err != nil {
		return err
	}
	resp, err := a.opts.Portal.ListAccounts(r.Context(), bearer(r), q.Get(wire.QueryNextToken), max)
	if err != nil {
		return err
	}
	return writeJSON(w, resp)
}

func (a *API) listAccountRoles(w http.ResponseWriter, r *http.Request) error {
	q, err := portalQuery(r)
	if err != nil {
		return err
	}
	max, err := maxResults(q)
	if err != nil {
		return err
	}
	resp, err := a.opts.Portal.ListAccountRoles(r.Context(), bearer(r), q.Get(wire.QueryAccountID), q.Get(wire.QueryNextToken), max)
	if err != nil {
		return err
	}
	return writeJSON(w, resp)
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	if err := a.opts.Portal.Logout(r.Context(), bearer(r)); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}
