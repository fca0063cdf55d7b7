package awsclient

import (
	"net/http"
	"time"
)

// ResponseMetadata describes the HTTP exchange behind an operation's output:
// what aws-sdk-go-v2 keeps in an output's ResultMetadata (request id, raw
// response, response and server times, attempts, clock skew), as plain
// fields. Every output of packages ssooidc and portal carries one.
type ResponseMetadata struct {
	// RequestID is the x-amzn-RequestId (or x-amz-request-id) header.
	RequestID string
	// StatusCode is the HTTP status of the response, 2xx.
	StatusCode int
	// Header holds the response headers.
	Header http.Header
	// ResponseAt is the client's time when the response arrived.
	ResponseAt time.Time
	// ServerTime is the response's Date header; zero if it had none.
	ServerTime time.Time
	// ClockSkew is ServerTime minus ResponseAt, as aws-sdk-go-v2 measures
	// it; zero if no trustworthy Date header came back or clock-skew
	// correction is disabled.
	ClockSkew time.Duration
	// Attempts is the number of HTTP attempts the operation took.
	Attempts int
}

// Metadata returns the response's metadata.
func (r *Response) Metadata() ResponseMetadata {
	return ResponseMetadata{
		RequestID:  r.RequestID,
		StatusCode: r.StatusCode,
		Header:     r.Header,
		ResponseAt: r.Time,
		ServerTime: r.ServerTime,
		ClockSkew:  r.ClockSkew,
		Attempts:   r.Attempts,
	}
}
