package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/ssooidc/ssooidc/internal/clientaddr"

	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// defaultRegisterBody is RegisterClient's body bound when Options leave
// it: the value of clients.MaxRegisterBody (httpapi imports no service).
const defaultRegisterBody = 8 << 10

// Registrar is RegisterClient, for a caller at remoteAddr (the client
// address per-address limits count under).
type Registrar interface {
	Register(ctx context.Context, req wire.RegisterClientRequest, remoteAddr string) (wire.RegisterClientResponse, error)
}

// DeviceStarter is StartDeviceAuthorization.
type DeviceStarter interface {
	Start(ctx context.Context, req wire.StartDeviceAuthorizationRequest) (wire.StartDeviceAuthorizationResponse, error)
}

// TokenCreator is CreateToken.
type TokenCreator interface {
	CreateToken(ctx context.Context, req wire.CreateTokenRequest) (wire.CreateTokenResponse, error)
}

// Options configure an API.
type Options struct {
	Registrar Registrar
	Devices   DeviceStarter
	Tokens    TokenCreator
	// Portal serves the SSO portal API; nil leaves its routes unserved.
	Portal Portal
	// SigV4 and IAMTokens serve CreateTokenWithIAM; when either is nil it
	// answers that it is not enabled.
	SigV4     SigV4Verifier
	IAMTokens IAMTokenCreator
	// Policy decides whether a verified caller may call
	// sso-oauth:CreateTokenWithIAM (internal/policy).
	Policy Authorizer
	// Keys publishes /.well-known/jwks.json and, with Issuer (the
	// server's public URL), /.well-known/openid-configuration; nil serves
	// neither.
	Keys   KeySet
	Issuer string
	// Ready reports whether the store is reachable, for /readyz.
	Ready  func(ctx context.Context) error
	Logger *slog.Logger
	// TrustedProxies are reverse proxies whose X-Forwarded-For is
	// believed for the client address RegisterClient's limit counts under
	// (as the pages do). Empty: the connection's peer.
	TrustedProxies []netip.Prefix
	// RegisterBody bounds RegisterClient's body, in bytes; 0 is
	// clients.MaxRegisterBody's 8 KiB, as the server sets it.
	RegisterBody int64
}

// API is the AWS-wire surface of the server.
type API struct {
	opts  Options
	log   *slog.Logger
	addrs clientaddr.Resolver
}

// New returns an API.
func New(opts Options) *API {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.RegisterBody <= 0 {
		opts.RegisterBody = defaultRegisterBody
	}
	return &API{opts: opts, log: log, addrs: clientaddr.Resolver{Trusted: opts.TrustedProxies}}
}

func (a *API) registerClient(w http.ResponseWriter, r *http.Request) error {
	var req wire.RegisterClientRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	resp, err := a.opts.Registrar.Register(r.Context(), req, a.addrs.Of(r))
	if err != nil {
		return err
	}
	return writeJSON(w, resp)
}

func (a *API) startDeviceAuthorization(w http.ResponseWriter, r *http.Request) error {
	var req wire.StartDeviceAuthorizationRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	resp, err := a.opts.Devices.Start(r.Context(), req)
	if err != nil {
		return err
	}
	return writeJSON(w, resp)
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	var req wire.CreateTokenRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	resp, err := a.opts.Tokens.CreateToken(r.Context(), req)
	if err != nil {
		return err
	}
	// Tokens must never be cached by anything in between (RFC 6749 5.1).
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	return writeJSON(w, resp)
}

func (a *API) ready(w http.ResponseWriter, r *http.Request) error {
	if a.opts.Ready != nil {
		if err := a.opts.Ready(r.Context()); err != nil {
			a.log.ErrorContext(r.Context(), "store not ready", slog.String("error", err.Error()))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"status":"unavailable","store":"unreachable"}` + "\n"))
			return nil
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok","store":"ok"}` + "\n"))
	return nil
}

func (a *API) notFound(w http.ResponseWriter, r *http.Request) error {
	return sso.Errorf(sso.CodeInvalidRequest, "no operation at %s %s", r.Method, r.URL.Path)
}
