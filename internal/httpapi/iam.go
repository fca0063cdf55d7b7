package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// SigV4Verifier checks a request's SigV4 signature over its whole body
// and returns who signed it (implemented by *sigv4.Verifier).
type SigV4Verifier interface {
	Verify(r *http.Request, body []byte) (sigv4.Principal, error)
}

// IAMTokenCreator is CreateTokenWithIAM for a verified caller
// (implemented by *iamtoken.Service).
type IAMTokenCreator interface {
	CreateTokenWithIAM(ctx context.Context, caller sigv4.Principal, req wire.CreateTokenWithIAMRequest) (wire.CreateTokenWithIAMResponse, error)
}

// Authorizer decides whether a principal may call an action
// (*policy.Policy).
type Authorizer interface {
	Allowed(arn, action string) bool
}

// KeySet publishes the server's JWT verification keys (implemented by
// *keys.Set).
type KeySet interface {
	// JWKSJSON returns the JSON Web Key Set document.
	JWKSJSON(ctx context.Context) ([]byte, error)
}

// createTokenWithIAM is POST /token?aws_iam=t. The signature is checked
// first, over the exact bytes received, as AWS's front end does: an
// unsigned or badly signed request learns nothing about the operation.
func (a *API) createTokenWithIAM(w http.ResponseWriter, r *http.Request) error {
	if a.opts.SigV4 == nil || a.opts.IAMTokens == nil {
		return sso.Errorf(sso.CodeInvalidRequest, "CreateTokenWithIAM is not enabled on this server")
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	caller, err := a.opts.SigV4.Verify(r, body)
	if err != nil {
		return err
	}
	if a.opts.Policy != nil && !a.opts.Policy.Allowed(caller.ARN, "sso-oauth:CreateTokenWithIAM") {
		return sso.Errorf(sso.CodeAccessDenied, "User: %s is not authorized to perform: sso-oauth:CreateTokenWithIAM", caller.ARN)
	}
	var req wire.CreateTokenWithIAMRequest
	if err := decodeBytes(body, &req); err != nil {
		return err
	}
	resp, err := a.opts.IAMTokens.CreateTokenWithIAM(r.Context(), caller, req)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	return writeJSON(w, resp)
}

// regionDetailer is an error that names the endpoint and region a caller
// should use (sigv4.RegionError).
type regionDetailer interface {
	RequestRegion() (endpoint, region string)
}

// lookupIAM is lookupOIDC with InvalidRequestRegionException's members.
func lookupIAM(err error) (errorKind, string) {
	k, msg := lookupOIDC(err)
	var rd regionDetailer
	if sso.CodeOf(err) == sso.CodeInvalidRequestRegion && errors.As(err, &rd) {
		k.endpoint, k.region = rd.RequestRegion()
	}
	return k, msg
}

// frontEndError is the body of an AWS front-end error.
type frontEndError struct {
	Message string `json:"message"`
}

// writeIAMError writes CreateTokenWithIAM's errors: front-end errors as
// AWS's front ends do (the shape in X-Amzn-ErrorType, {"message": ...}),
// the operation's own as every OIDC error, with endpoint and region for
// InvalidRequestRegionException.
func writeIAMError(w http.ResponseWriter, k errorKind, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(wire.HeaderErrorType, k.shape)
	w.WriteHeader(k.status)
	if k.frontEnd {
		_ = json.NewEncoder(w).Encode(frontEndError{Message: msg})
		return
	}
	body := wire.OIDCError{Type: k.shape, Error: k.oauth, ErrorDescription: msg, Message: msg}
	if k.endpoint != "" {
		body.Endpoint = &k.endpoint
	}
	if k.region != "" {
		body.Region = &k.region
	}
	_ = json.NewEncoder(w).Encode(body)
}

// jwks is GET /.well-known/jwks.json.
func (a *API) jwks(w http.ResponseWriter, r *http.Request) error {
	b, err := a.opts.Keys.JWKSJSON(r.Context())
	if err != nil {
		return err
	}
	// The set names the next period's key ahead of its use, so a verifier
	// may cache it a while.
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
	return nil
}

// openIDConfiguration is GET /.well-known/openid-configuration (OpenID
// Connect Discovery 1.0 section 3), so that a consumer of our ID tokens
// finds the issuer's keys the standard way.
func (a *API) openIDConfiguration(w http.ResponseWriter, r *http.Request) error {
	iss := a.opts.Issuer
	doc := map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              iss + "/.well-known/jwks.json",
		"authorization_endpoint":                iss + wire.PathAuthorize,
		"token_endpoint":                        iss + wire.PathCreateToken,
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"grant_types_supported": []string{wire.GrantAuthorizationCode, wire.GrantRefreshToken, wire.GrantDeviceCode,
			wire.GrantJWTBearer, wire.GrantTokenExchange},
		"scopes_supported": []string{"openid", "aws", "sts:identity_context", "sso:account:access"},
		"claims_supported": []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "aws:identity_store_id",
			"aws:instance_arn", "aws:instance_account", "aws:credential_id", "sts:identity_context"},
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	return writeJSON(w, doc)
}
