package ssooidc

import (
	"context"
	"errors"
	"time"
)

// ErrDeviceCodeExpired is returned by PollDeviceToken when the device code
// expires (ExpiresIn after StartDeviceAuthorization) before the user
// approves. A server that notices first answers ExpiredTokenException,
// which PollDeviceToken returns as is.
var ErrDeviceCodeExpired = errors.New("ssooidc: device authorization expired before it was approved")

// Intervals of the device flow (RFC 8628 section 3.5).
const (
	// DefaultPollInterval is used when the server sends no interval.
	DefaultPollInterval = 5 * time.Second
	// SlowDownIncrement is added to the interval on every SlowDown.
	SlowDownIncrement = 5 * time.Second
)

// PollDeviceTokenInput is the input of PollDeviceToken.
type PollDeviceTokenInput struct {
	// ClientID comes from RegisterClient. Required.
	ClientID string
	// ClientSecret comes from RegisterClient. Required.
	ClientSecret string
	// Authorization is the output of StartDeviceAuthorization. Required.
	Authorization *StartDeviceAuthorizationOutput

	// Now returns the current time; nil means the client's clock.
	Now func() time.Time
	// Sleep waits for d, or returns ctx.Err() when ctx ends first; nil
	// means a real timer. Tests replace Now and Sleep to run the loop
	// without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
}

// PollDeviceToken waits until the user approves the device authorization
// and returns the tokens. It waits Interval seconds (5 if none) before each
// CreateToken call with the device_code grant; on AuthorizationPending it
// polls again, on SlowDown it first adds 5 seconds to the interval (RFC
// 8628 section 3.5). It returns ErrDeviceCodeExpired when the next poll
// would fall after Authorization.Expiry, ctx's error when ctx ends, and any
// other error (ExpiredToken, AccessDenied, ...) as CreateToken returned it.
// Throttling and server errors are retried inside CreateToken by the
// client's retryer. optFns apply to every CreateToken call.
func (c *Client) PollDeviceToken(ctx context.Context, in *PollDeviceTokenInput, optFns ...func(*Options)) (*CreateTokenOutput, error) {
	const op = "PollDeviceToken"
	if in == nil {
		in = &PollDeviceTokenInput{}
	}
	v := newValidation("PollDeviceTokenInput")
	v.require("ClientID", in.ClientID)
	v.require("ClientSecret", in.ClientSecret)
	if in.Authorization == nil {
		v.require("Authorization", "")
	} else {
		v.require("Authorization.DeviceCode", in.Authorization.DeviceCode)
	}
	if err := v.err(); err != nil {
		return nil, c.tc.OperationError(op, err)
	}
	now, sleep := in.Now, in.Sleep
	if now == nil {
		now = c.tc.Now
	}
	if sleep == nil {
		sleep = sleepContext
	}
	auth := in.Authorization
	interval := time.Duration(auth.Interval) * time.Second
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	deadline := auth.Expiry
	if deadline.IsZero() && auth.ExpiresIn > 0 {
		deadline = now().Add(time.Duration(auth.ExpiresIn) * time.Second)
	}
	req := &CreateTokenInput{
		ClientID:     in.ClientID,
		ClientSecret: in.ClientSecret,
		GrantType:    GrantTypeDeviceCode,
		DeviceCode:   auth.DeviceCode,
	}
	for {
		if !deadline.IsZero() && now().Add(interval).After(deadline) {
			return nil, ErrDeviceCodeExpired
		}
		if err := sleep(ctx, interval); err != nil {
			return nil, err
		}
		out, err := c.CreateToken(ctx, req, optFns...)
		var pending *AuthorizationPendingException
		var slow *SlowDownException
		switch {
		case err == nil:
			return out, nil
		case errors.As(err, &pending):
		case errors.As(err, &slow):
			interval += SlowDownIncrement
		default:
			return nil, err
		}
	}
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
