package ssooidc

import (
	"context"
	"time"

	"github.com/ssooidc/ssooidc/wire"
)

// StartDeviceAuthorizationInput is the input of StartDeviceAuthorization
// (WIRE.md 2.2). All members are required.
type StartDeviceAuthorizationInput struct {
	// ClientID comes from RegisterClient.
	ClientID string
	// ClientSecret comes from RegisterClient.
	ClientSecret string
	// StartURL is the access-portal URL, such as
	// https://d-1234567890.awsapps.com/start.
	StartURL string
}

// StartDeviceAuthorizationOutput is the output of StartDeviceAuthorization.
type StartDeviceAuthorizationOutput struct {
	// DeviceCode is what CreateToken polls with.
	DeviceCode string
	// UserCode is what the user confirms, such as "BRCJ-PDVT".
	UserCode string
	// VerificationURI is where the user goes to confirm UserCode.
	VerificationURI string
	// VerificationURIComplete is VerificationURI with the user code in it;
	// the AWS CLI opens it in the browser.
	VerificationURIComplete string
	// ExpiresIn is the lifetime of the device code in seconds.
	ExpiresIn int32
	// Interval is the minimum time between polls in seconds; 0 means the
	// server sent none (use 5).
	Interval int32
	// Expiry is not a wire member: the client's time of the response plus
	// ExpiresIn, or zero if ExpiresIn is 0. PollDeviceToken stops there.
	Expiry time.Time
	// RequestID is the x-amzn-RequestId response header
	// (ResultMetadata.RequestID).
	RequestID string
	// ResultMetadata describes the HTTP response.
	ResultMetadata ResponseMetadata
}

// StartDeviceAuthorization starts the device authorization flow (RFC
// 8628): show the user VerificationURIComplete and UserCode, then call
// PollDeviceToken. It is never signed (POST /device_authorization).
func (c *Client) StartDeviceAuthorization(ctx context.Context, in *StartDeviceAuthorizationInput, optFns ...func(*Options)) (*StartDeviceAuthorizationOutput, error) {
	const op = "StartDeviceAuthorization"
	if in == nil {
		in = &StartDeviceAuthorizationInput{}
	}
	v := newValidation("StartDeviceAuthorizationInput")
	v.require("ClientID", in.ClientID)
	v.require("ClientSecret", in.ClientSecret)
	v.require("StartURL", in.StartURL)
	if err := v.err(); err != nil {
		return nil, c.tc.OperationError(op, err)
	}
	req := wire.StartDeviceAuthorizationRequest{
		ClientID:     ptr(in.ClientID),
		ClientSecret: ptr(in.ClientSecret),
		StartURL:     ptr(in.StartURL),
	}
	var out wire.StartDeviceAuthorizationResponse
	resp, err := c.call(ctx, op, wire.PathStartDeviceAuthorization, false, &req, &out, optFns)
	if err != nil {
		return nil, err
	}
	return &StartDeviceAuthorizationOutput{
		DeviceCode:              out.DeviceCode,
		UserCode:                out.UserCode,
		VerificationURI:         out.VerificationURI,
		VerificationURIComplete: out.VerificationURIComplete,
		ExpiresIn:               out.ExpiresIn,
		Interval:                out.Interval,
		Expiry:                  expiry(resp.Time, out.ExpiresIn),
		RequestID:               resp.RequestID,
		ResultMetadata:          resp.Metadata(),
	}, nil
}

// expiry returns t plus seconds, or the zero time for 0.
func expiry(t time.Time, seconds int32) time.Time {
	if seconds <= 0 {
		return time.Time{}
	}
	return t.Add(time.Duration(seconds) * time.Second)
}
