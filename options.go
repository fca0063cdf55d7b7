package ssooidc

import (
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ssooidc/ssooidc/awsclient"
)

// WithRegion sets Options.Region: the region of the service, i.e. the
// sso_region.
func WithRegion(region string) func(*Options) { return awsclient.WithRegion(region) }

// WithProfile sets Options.Profile: the shared-config profile New loads.
func WithProfile(name string) func(*Options) { return awsclient.WithProfile(name) }

// WithCredentials sets Options.Credentials, which sign CreateTokenWithIAM.
func WithCredentials(p aws.CredentialsProvider) func(*Options) {
	return awsclient.WithCredentials(p)
}

// WithStaticCredentials signs CreateTokenWithIAM with fixed keys.
func WithStaticCredentials(accessKeyID, secretAccessKey, sessionToken string) func(*Options) {
	return awsclient.WithStaticCredentials(accessKeyID, secretAccessKey, sessionToken)
}

// WithAnonymousCredentials makes the client never sign. RegisterClient,
// StartDeviceAuthorization and CreateToken are unsigned whatever the
// credentials.
func WithAnonymousCredentials() func(*Options) { return awsclient.WithAnonymousCredentials() }

// WithEndpoint sets Options.BaseEndpoint, an explicit endpoint URL such as
// http://127.0.0.1:8080.
func WithEndpoint(url string) func(*Options) { return awsclient.WithEndpoint(url) }

// WithHTTPClient sets Options.HTTPClient.
func WithHTTPClient(c HTTPClient) func(*Options) { return awsclient.WithHTTPClient(c) }

// WithLogger sets Options.Logger.
func WithLogger(l *slog.Logger) func(*Options) { return awsclient.WithLogger(l) }

// WithAppID sets Options.AppID, sent in the User-Agent header.
func WithAppID(id string) func(*Options) { return awsclient.WithAppID(id) }

// WithTimeouts sets the connect, per-attempt and per-operation timeouts;
// zero leaves a value unchanged.
func WithTimeouts(connect, attempt, operation time.Duration) func(*Options) {
	return awsclient.WithTimeouts(connect, attempt, operation)
}

// WithClockSkewCorrection turns the correction of this machine's clock by
// the server's Date header on (the default) or off; see
// awsclient.Options.DisableClockSkewCorrection.
func WithClockSkewCorrection(on bool) func(*Options) { return awsclient.WithClockSkewCorrection(on) }

// WithRetryMaxAttempts sets Options.RetryMaxAttempts (1 disables retries).
func WithRetryMaxAttempts(n int) func(*Options) { return awsclient.WithRetryMaxAttempts(n) }
