package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// errorKind is one row of the error table.
type errorKind struct {
	shape  string // AWS error shape name, sent in X-Amzn-ErrorType and __type
	status int
	oauth  string // the OAuth "error" member (OIDC API only)
	level  slog.Level
	// frontEnd marks the errors of AWS's request front end (SigV4), which
	// are not OIDC shapes: their body is {"message": ...} only.
	frontEnd bool
	// endpoint and region fill InvalidRequestRegionException's members;
	// lookupIAM sets them from the error.
	endpoint, region string
}

// levelQuiet marks outcomes that are part of normal operation
// (authorization_pending is what a poll is for): no log line.
const levelQuiet = slog.Level(-100)

// oidcErrors is the one table that maps a domain code to what an SSO OIDC
// client sees (WIRE.md 2.5 and 3.4) and to the level it is logged at.
var oidcErrors = map[sso.Code]errorKind{
	sso.CodeInternal:              kind(wire.ErrInternalServer, slog.LevelError),
	sso.CodeInvalidRequest:        kind(wire.ErrInvalidRequest, slog.LevelDebug),
	sso.CodeInvalidClient:         kind(wire.ErrInvalidClient, slog.LevelInfo),
	sso.CodeInvalidClientMetadata: kind(wire.ErrInvalidClientMetadata, slog.LevelDebug),
	sso.CodeInvalidRedirectURI:    kind(wire.ErrInvalidRedirectURI, slog.LevelDebug),
	sso.CodeInvalidScope:          kind(wire.ErrInvalidScope, slog.LevelDebug),
	sso.CodeInvalidGrant:          kind(wire.ErrInvalidGrant, slog.LevelInfo),
	sso.CodeUnauthorizedClient:    kind(wire.ErrUnauthorizedClient, slog.LevelDebug),
	sso.CodeUnsupportedGrantType:  kind(wire.ErrUnsupportedGrantType, slog.LevelDebug),
	sso.CodeAuthorizationPending:  kind(wire.ErrAuthorizationPending, levelQuiet),
	sso.CodeSlowDown:              kind(wire.ErrSlowDown, slog.LevelDebug),
	sso.CodeAccessDenied:          kind(wire.ErrAccessDenied, slog.LevelDebug),
	sso.CodeExpiredToken:          kind(wire.ErrExpiredToken, slog.LevelDebug),
	sso.CodeInvalidRequestRegion:  kind(wire.ErrInvalidRequestRegion, slog.LevelInfo),
	// A throttled OIDC call is a SlowDownException: it is in every
	// operation's error list, and the CLI's device loop understands it.
	sso.CodeTooManyRequests: kind(wire.ErrSlowDown, slog.LevelInfo),
	// Portal codes have no OIDC shape; should one reach an OIDC handler it
	// is a request the caller may not make.
	sso.CodeUnauthorized:     kind(wire.ErrAccessDenied, slog.LevelInfo),
	sso.CodeResourceNotFound: kind(wire.ErrInvalidRequest, slog.LevelDebug),
	// Directory and SSO Admin codes have no OIDC shape either.
	sso.CodeConflict:      kind(wire.ErrInvalidRequest, slog.LevelDebug),
	sso.CodeQuotaExceeded: kind(wire.ErrInvalidRequest, slog.LevelDebug),
	// CreateTokenWithIAM's SigV4 front end: the shapes, statuses and
	// bodies AWS's front ends answer with (403, {"message": ...}). No SDK
	// models them; botocore and aws-sdk-go-v2 surface them as a generic
	// error with this code and message.
	sso.CodeMissingAuthenticationToken: frontEnd(ErrMissingAuthenticationToken, slog.LevelInfo),
	sso.CodeIncompleteSignature:        frontEnd(ErrIncompleteSignature, slog.LevelInfo),
	sso.CodeInvalidSignature:           frontEnd(ErrInvalidSignature, slog.LevelInfo),
	sso.CodeUnrecognizedClient:         frontEnd(ErrUnrecognizedClient, slog.LevelInfo),
}

// The front-end error shapes of SigV4 failures.
const (
	ErrMissingAuthenticationToken = "MissingAuthenticationTokenException"
	ErrIncompleteSignature        = "IncompleteSignatureException"
	ErrInvalidSignature           = "InvalidSignatureException"
	ErrUnrecognizedClient         = "UnrecognizedClientException"
)

func frontEnd(shape string, level slog.Level) errorKind {
	return errorKind{shape: shape, status: http.StatusForbidden, level: level, frontEnd: true}
}

func kind(shape string, level slog.Level) errorKind {
	s := wire.OIDCErrors[shape]
	return errorKind{shape: shape, status: s.Status, oauth: s.OAuth, level: level}
}

// internalMessage is all a client ever learns about an internal failure.
const internalMessage = "An internal error occurred. Try again later."

// lookupOIDC returns the table row and the client-safe message for err.
func lookupOIDC(err error) (errorKind, string) {
	code := sso.CodeOf(err)
	k, ok := oidcErrors[code]
	if !ok || code == sso.CodeInternal {
		return oidcErrors[sso.CodeInternal], internalMessage
	}
	var e *sso.Error
	if asErr(err, &e) && e.Message != "" {
		return k, e.Message
	}
	return k, http.StatusText(k.status)
}
