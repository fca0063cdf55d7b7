package sso

import (
	"errors"
	"fmt"
	"time"
)

// Code is a domain failure. internal/httpapi holds the one table that maps
// a Code to an HTTP status, an AWS error shape and a log level.
type Code int

// The codes. Their names follow the AWS error shapes they map to.
const (
	CodeInternal Code = iota
	CodeInvalidRequest
	CodeInvalidClient
	CodeInvalidClientMetadata
	CodeInvalidRedirectURI
	CodeInvalidScope
	CodeInvalidGrant
	CodeUnauthorizedClient
	CodeUnsupportedGrantType
	CodeAuthorizationPending
	CodeSlowDown
	CodeAccessDenied
	CodeExpiredToken
	CodeInvalidRequestRegion
	// Portal codes.
	CodeUnauthorized
	CodeResourceNotFound
	CodeTooManyRequests
	// SigV4 front-end codes (CreateTokenWithIAM): the request never
	// reached the operation.
	CodeMissingAuthenticationToken
	CodeIncompleteSignature
	CodeInvalidSignature
	CodeUnrecognizedClient
	// Directory codes: a uniqueness rule refused a change (the Identity
	// Store's ConflictException, SCIM's 409 uniqueness).
	CodeConflict
	// CodeQuotaExceeded: a change would pass a limit on how many of
	// something a record may have (ServiceQuotaExceededException).
	CodeQuotaExceeded
)

var codeNames = [...]string{
	"internal", "invalid_request", "invalid_client", "invalid_client_metadata",
	"invalid_redirect_uri", "invalid_scope", "invalid_grant", "unauthorized_client",
	"unsupported_grant_type", "authorization_pending", "slow_down", "access_denied",
	"expired_token", "invalid_request_region", "unauthorized", "resource_not_found",
	"too_many_requests", "missing_authentication_token", "incomplete_signature",
	"invalid_signature", "unrecognized_client", "conflict", "quota_exceeded",
}

func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("code(%d)", int(c))
}

// Error is a domain failure with a message that is safe to show a client.
// Internal causes go in Err, which is logged but never sent.
type Error struct {
	Code    Code
	Message string
	Err     error
	// RetryAfter, when not zero, is how long the caller should wait before
	// trying again; adapters send it as Retry-After (RFC 9110 section
	// 10.2.3) with CodeTooManyRequests.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code.String() + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code.String() + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted client-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// RetryAfterOf returns the RetryAfter of err's *Error, or zero.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// RetryAfterSeconds is RetryAfterOf(err) in whole seconds, rounded up, as
// a Retry-After header carries it; 0 when err has none.
func RetryAfterSeconds(err error) int {
	d := RetryAfterOf(err)
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// CodeOf returns the Code of err, or CodeInternal when err carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Store errors. Backends return them (possibly wrapped); services test them
// with errors.Is.
var (
	// ErrNotFound: the record does not exist (or has been collected).
	ErrNotFound = errors.New("sso: not found")
	// ErrConflict: a uniqueness constraint or a compare-and-swap precondition
	// failed; another request got there first.
	ErrConflict = errors.New("sso: conflict")
)
