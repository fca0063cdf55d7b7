package ssooidc

import (
	"strings"

	smithy "github.com/aws/smithy-go"

	"github.com/ssooidc/ssooidc/awsclient"
	"github.com/ssooidc/ssooidc/wire"
)

// ErrorInfo is what every SSO OIDC error response carries. Every error type
// of this package embeds it; reach it from any of them through ServiceError.
type ErrorInfo struct {
	// Code is the error code, the name of the error shape such as
	// "AuthorizationPendingException", or "UnknownError" when the response
	// names none.
	Code string
	// OAuthError is the "error" member: the OAuth 2.0 error code (RFC 6749
	// section 5.2) such as "authorization_pending".
	OAuthError string
	// ErrorDescription is the "error_description" member.
	ErrorDescription string
	// Message is the "message" member, which servers may add for botocore.
	Message string
	// RequestID is the x-amzn-RequestId response header.
	RequestID string
	// StatusCode is the HTTP status of the response.
	StatusCode int
}

// Error returns "Code: error: description".
func (e *ErrorInfo) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	for _, s := range []string{e.OAuthError, e.ErrorMessage()} {
		if s != "" {
			b.WriteString(": ")
			b.WriteString(s)
		}
	}
	return b.String()
}

// ErrorCode returns Code; with ErrorMessage and ErrorFault it makes every
// error of this package a smithy.APIError, as aws-sdk-go-v2's are.
func (e *ErrorInfo) ErrorCode() string { return e.Code }

// ErrorMessage returns ErrorDescription, or Message if that is empty.
func (e *ErrorInfo) ErrorMessage() string {
	if e.ErrorDescription != "" {
		return e.ErrorDescription
	}
	return e.Message
}

// ErrorFault reports a server fault for status 5xx and a client fault
// otherwise.
func (e *ErrorInfo) ErrorFault() smithy.ErrorFault {
	if e.StatusCode >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

// HTTPStatusCode returns StatusCode.
func (e *ErrorInfo) HTTPStatusCode() int { return e.StatusCode }

// ServiceRequestID returns RequestID.
func (e *ErrorInfo) ServiceRequestID() string { return e.RequestID }

// Info returns e itself, so that any error of this package yields its
// ErrorInfo through the ServiceError interface.
func (e *ErrorInfo) Info() *ErrorInfo { return e }

// ServiceError is implemented by every error the SSO OIDC service returns:
// the typed errors below and APIError.
//
//	var se ssooidc.ServiceError
//	if errors.As(err, &se) { log.Print(se.Info().RequestID) }
type ServiceError interface {
	smithy.APIError
	Info() *ErrorInfo
}

// APIError is an error response whose code is none of the SSO OIDC error
// shapes (smithy.GenericAPIError in aws-sdk-go-v2).
type APIError struct{ ErrorInfo }

// AccessDeniedException: you do not have sufficient access to perform this
// action. OAuth error "access_denied", HTTP 400.
type AccessDeniedException struct {
	ErrorInfo
	// Reason is the "reason" member.
	Reason AccessDeniedExceptionReason
}

// AccessDeniedExceptionReason is the reason of an AccessDeniedException.
type AccessDeniedExceptionReason string

// The reasons of AccessDeniedException in the model.
const (
	AccessDeniedExceptionReasonKMSAccessDenied AccessDeniedExceptionReason = "KMS_AccessDeniedException"
)

// AuthorizationPendingException: the user has not yet approved the device
// authorization. OAuth error "authorization_pending", HTTP 400. Keep
// polling; it is never retried by the client itself.
type AuthorizationPendingException struct{ ErrorInfo }

// RetryableError reports false: pending is an answer to wait on, not a
// transient failure.
func (e *AuthorizationPendingException) RetryableError() bool { return false }

// ExpiredTokenException: the token (for the device flow: the device code)
// has expired. OAuth error "expired_token", HTTP 400.
type ExpiredTokenException struct{ ErrorInfo }

// InternalServerException: the service failed. OAuth error "server_error",
// HTTP 500; retried by the standard retryer.
type InternalServerException struct{ ErrorInfo }

// InvalidClientException: the client is unknown, its secret wrong or
// expired. OAuth error "invalid_client", HTTP 401.
type InvalidClientException struct{ ErrorInfo }

// InvalidClientMetadataException: the client information sent is invalid.
// OAuth error "invalid_client_metadata", HTTP 400.
type InvalidClientMetadataException struct{ ErrorInfo }

// InvalidGrantException: the grant (device code, authorization code or
// refresh token) is invalid. OAuth error "invalid_grant", HTTP 400.
type InvalidGrantException struct{ ErrorInfo }

// InvalidRedirectUriException: a redirect URI is invalid. OAuth error
// "invalid_redirect_uri", HTTP 400.
type InvalidRedirectUriException struct{ ErrorInfo }

// InvalidRequestException: a parameter is missing or malformed. OAuth error
// "invalid_request", HTTP 400.
type InvalidRequestException struct {
	ErrorInfo
	// Reason is the "reason" member.
	Reason InvalidRequestExceptionReason
}

// InvalidRequestExceptionReason is the reason of an
// InvalidRequestException.
type InvalidRequestExceptionReason string

// The reasons of InvalidRequestException in the model.
const (
	InvalidRequestExceptionReasonKMSKeyNotFound     InvalidRequestExceptionReason = "KMS_NotFoundException"
	InvalidRequestExceptionReasonKMSInvalidKeyUsage InvalidRequestExceptionReason = "KMS_InvalidKeyUsageException"
	InvalidRequestExceptionReasonKMSInvalidState    InvalidRequestExceptionReason = "KMS_InvalidStateException"
	InvalidRequestExceptionReasonKMSDisabledKey     InvalidRequestExceptionReason = "KMS_DisabledException"
)

// InvalidRequestRegionException: the request was sent to the wrong region
// (CreateTokenWithIAM). OAuth error "invalid_request", HTTP 400.
type InvalidRequestRegionException struct {
	ErrorInfo
	// Endpoint is the "endpoint" member: where the request belongs.
	Endpoint string
	// Region is the "region" member.
	Region string
}

// InvalidScopeException: a scope is invalid. OAuth error "invalid_scope",
// HTTP 400.
type InvalidScopeException struct{ ErrorInfo }

// SlowDownException: the client polls too fast. OAuth error "slow_down",
// HTTP 400. A device-flow poller must add 5 seconds to its interval (RFC
// 8628 section 3.5); it is never retried by the client itself.
type SlowDownException struct{ ErrorInfo }

// RetryableError reports false: the answer to slow_down is a longer
// interval, not an immediate retry.
func (e *SlowDownException) RetryableError() bool { return false }

// UnauthorizedClientException: the client may not use this grant. OAuth
// error "unauthorized_client", HTTP 400.
type UnauthorizedClientException struct{ ErrorInfo }

// UnsupportedGrantTypeException: the grant type is not supported. OAuth
// error "unsupported_grant_type", HTTP 400.
type UnsupportedGrantTypeException struct{ ErrorInfo }

// decodeError turns an error response into the error of its shape, as
// aws-sdk-go-v2 does (WIRE.md 3.3): the code from the X-Amzn-ErrorType
// header, else the body's __type, else its code, sanitized; an exact,
// case-sensitive match against the shape names; the modeled members from
// the body by their exact names.
func decodeError(resp *awsclient.Response) error {
	code, message, err := awsclient.ErrorCode(resp.Header, resp.Body)
	if err != nil {
		return &smithy.DeserializationError{Err: err, Snapshot: snapshot(resp.Body)}
	}
	var body wire.OIDCError
	_, known := wire.OIDCErrors[code]
	if err := awsclient.DecodeJSON(resp.Body, &body); err != nil && known {
		return &smithy.DeserializationError{Err: err, Snapshot: snapshot(resp.Body)}
	}
	info := ErrorInfo{
		Code:             code,
		OAuthError:       body.Error,
		ErrorDescription: body.ErrorDescription,
		Message:          message,
		RequestID:        resp.RequestID,
		StatusCode:       resp.StatusCode,
	}
	switch code {
	case wire.ErrAccessDenied:
		return &AccessDeniedException{ErrorInfo: info, Reason: AccessDeniedExceptionReason(deref(body.Reason))}
	case wire.ErrAuthorizationPending:
		return &AuthorizationPendingException{info}
	case wire.ErrExpiredToken:
		return &ExpiredTokenException{info}
	case wire.ErrInternalServer:
		return &InternalServerException{info}
	case wire.ErrInvalidClient:
		return &InvalidClientException{info}
	case wire.ErrInvalidClientMetadata:
		return &InvalidClientMetadataException{info}
	case wire.ErrInvalidGrant:
		return &InvalidGrantException{info}
	case wire.ErrInvalidRedirectURI:
		return &InvalidRedirectUriException{info}
	case wire.ErrInvalidRequest:
		return &InvalidRequestException{ErrorInfo: info, Reason: InvalidRequestExceptionReason(deref(body.Reason))}
	case wire.ErrInvalidRequestRegion:
		return &InvalidRequestRegionException{ErrorInfo: info, Endpoint: deref(body.Endpoint), Region: deref(body.Region)}
	case wire.ErrInvalidScope:
		return &InvalidScopeException{info}
	case wire.ErrSlowDown:
		return &SlowDownException{info}
	case wire.ErrUnauthorizedClient:
		return &UnauthorizedClientException{info}
	case wire.ErrUnsupportedGrantType:
		return &UnsupportedGrantTypeException{info}
	}
	return &APIError{info}
}

// snapshot keeps the start of an undecodable body for the error.
func snapshot(body []byte) []byte {
	if len(body) > 1024 {
		body = body[:1024]
	}
	return append([]byte(nil), body...)
}
