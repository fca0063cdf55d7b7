package awsclient

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Clock-skew correction follows aws-sdk-go-v2 (aws/middleware
// RecordResponseTiming and aws/retry Attempt, the "Clock Skew Correction"
// SEP): every response with a Date header yields a skew, the server's
// time minus the client's when the response arrived; the next attempt
// signs with the client's time plus that skew; an error whose code may mean
// a skewed signature is retried when the skew it was signed with differs
// from the observed one by more than skewThreshold; and the last observed
// skew is kept on the client for its later operations.

// skewThreshold is aws-sdk-go-v2's: a signature is valid for 5 minutes on
// either side of the server's clock, so a smaller difference cannot be
// the cause of a refused signature.
const skewThreshold = 4 * time.Minute

// maxTrustedRequestDuration is aws-sdk-go-v2's: a Date header from a round
// trip slower than this says nothing reliable about the clocks.
const maxTrustedRequestDuration = 15 * time.Minute

// clockSkewCodes are aws-sdk-go-v2's clockSkewCodes (aws/retry
// middleware.go): codes services answer a signature outside the time
// window with (IAM Identity Center's SigV4 front end: InvalidSignatureException
// "Signature expired"). Each is retried only when the observed skew says
// the clocks disagree.
var clockSkewCodes = map[string]bool{
	"InvalidSignatureException": true,
	"SignatureDoesNotMatch":     true,
	"AuthFailure":               true,
	"RequestTimeTooSkewed":      true,
	"AccessDeniedException":     true,
}

// observedSkew derives the clock skew from a response as aws-sdk-go-v2's
// computeClockSkew does: none without a parseable Date header, from a cache
// (an Age header) or after a round trip longer than
// maxTrustedRequestDuration; otherwise Date minus the client's time at the
// response. serverTime is the parsed Date, or zero.
func observedSkew(h http.Header, requestAt, responseAt time.Time) (skew time.Duration, serverTime time.Time, ok bool) {
	d := h.Get("Date")
	if d == "" {
		return 0, time.Time{}, false
	}
	serverTime, err := http.ParseTime(d)
	if err != nil {
		return 0, time.Time{}, false
	}
	if h.Get("Age") != "" || responseAt.Sub(requestAt) > maxTrustedRequestDuration {
		return 0, serverTime, false
	}
	return serverTime.Sub(responseAt), serverTime, true
}

// ClockSkewError marks an error that a skewed client clock probably caused:
// the response's code is one of clockSkewCodes and the server's Date differs
// from the time the request was signed with by more than 4 minutes. It is
// retryable: the retry is signed with the server's time. It is what an
// operation returns when the retry fails too (or retries are exhausted),
// as aws-sdk-go-v2's retryableClockSkewError is.
type ClockSkewError struct {
	// Err is the service's error.
	Err error
	// Skew is the server's clock minus the client's, as observed.
	Skew time.Duration
	// SignedWith is the correction the failed request was signed with.
	SignedWith time.Duration
}

// Error says that the clocks differ, and by how much.
func (e *ClockSkewError) Error() string {
	return fmt.Sprintf("Probable clock skew error (the server's clock is %s %s this machine's): %v",
		absDuration(e.Skew).Round(time.Second), aheadOrBehind(e.Skew), e.Err)
}

// Unwrap returns Err.
func (e *ClockSkewError) Unwrap() error { return e.Err }

// RetryableError reports true: a retry signed with the corrected time may
// succeed.
func (e *ClockSkewError) RetryableError() bool { return true }

func aheadOrBehind(d time.Duration) string {
	if d < 0 {
		return "behind"
	}
	return "ahead of"
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// wrapClockSkew is aws-sdk-go-v2's wrapAsClockSkew: err becomes a
// ClockSkewError when its code is a clock-skew code, a skew was observed,
// and it differs from the one the attempt was signed with by more than
// skewThreshold (which also heals a stale correction once the clocks agree
// again).
func wrapClockSkew(err error, observed time.Duration, haveObserved bool, signedWith time.Duration) error {
	var coded interface{ ErrorCode() string }
	if !haveObserved || !errors.As(err, &coded) || !clockSkewCodes[coded.ErrorCode()] {
		return err
	}
	if absDuration(signedWith-observed) <= skewThreshold {
		return err
	}
	return &ClockSkewError{Err: err, Skew: observed, SignedWith: signedWith}
}
