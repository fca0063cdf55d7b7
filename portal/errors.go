package portal

import (
	smithy "github.com/aws/smithy-go"

	"github.com/ssooidc/ssooidc/awsclient"
	"github.com/ssooidc/ssooidc/wire"
)

// ErrorInfo is what every portal error response carries. Every error type
// of this package embeds it; reach it from any of them through ServiceError.
type ErrorInfo struct {
	// Code is the error code, the name of the error shape such as
	// "UnauthorizedException", or "UnknownError" when the response names
	// none.
	Code string
	// Message is the "message" member.
	Message string
	// RequestID is the x-amzn-RequestId response header.
	RequestID string
	// StatusCode is the HTTP status of the response.
	StatusCode int
}

// Error returns "Code: message".
func (e *ErrorInfo) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// ErrorCode returns Code; with ErrorMessage and ErrorFault it makes every
// error of this package a smithy.APIError.
func (e *ErrorInfo) ErrorCode() string { return e.Code }

// ErrorMessage returns Message.
func (e *ErrorInfo) ErrorMessage() string { return e.Message }

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

// ServiceError is implemented by every error the portal returns: the typed
// errors below and APIError.
type ServiceError interface {
	smithy.APIError
	Info() *ErrorInfo
}

// APIError is an error response whose code is none of the portal's error
// shapes (smithy.GenericAPIError in aws-sdk-go-v2).
type APIError struct{ ErrorInfo }

// InvalidRequestException: a parameter is missing or invalid. HTTP 400.
type InvalidRequestException struct{ ErrorInfo }

// UnauthorizedException: the access token is invalid or expired; sign in
// again. HTTP 401.
type UnauthorizedException struct{ ErrorInfo }

// ResourceNotFoundException: the account or role does not exist or is not
// assigned to the user. HTTP 404.
type ResourceNotFoundException struct{ ErrorInfo }

// TooManyRequestsException: the caller is throttled. HTTP 429; retried by
// the standard retryer.
type TooManyRequestsException struct{ ErrorInfo }

// decodeError turns an error response into the error of its shape as
// aws-sdk-go-v2 does: code from the X-Amzn-ErrorType header, else the
// body's __type (the portal sends
// "com.amazonaws.switchboard.portal#UnauthorizedException"), else its code;
// the modeled "message" member by its exact name.
func decodeError(resp *awsclient.Response) error {
	code, message, err := awsclient.ErrorCode(resp.Header, resp.Body)
	if err != nil {
		return &smithy.DeserializationError{Err: err}
	}
	info := ErrorInfo{Code: code, Message: message, RequestID: resp.RequestID, StatusCode: resp.StatusCode}
	if _, known := wire.PortalErrors[code]; !known {
		return &APIError{info}
	}
	// The modeled member is "message"; like aws-sdk-go-v2, accept the
	// "Message" spelling some services use.
	var body struct {
		Message     *string `json:"message"` // wire.PortalError.Message
		Capitalized *string `json:"Message"`
	}
	if err := awsclient.DecodeJSON(resp.Body, &body); err != nil {
		return &smithy.DeserializationError{Err: err}
	}
	info.Message = deref(body.Message)
	if body.Message == nil {
		info.Message = deref(body.Capitalized)
	}
	switch code {
	case wire.ErrInvalidRequest:
		return &InvalidRequestException{info}
	case wire.ErrUnauthorized:
		return &UnauthorizedException{info}
	case wire.ErrResourceNotFound:
		return &ResourceNotFoundException{info}
	default: // wire.ErrTooManyRequests
		return &TooManyRequestsException{info}
	}
}
