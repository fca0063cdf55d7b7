package awsclient

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// HTTPClient sends one HTTP request. *http.Client satisfies it, and so does
// the aws.HTTPClient of an aws.Config.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// Options configure a client of the SSO OIDC or SSO portal API. The zero
// value is usable: every field has a documented default. Constructors take
// functions that modify Options, as aws-sdk-go-v2 does; the With* helpers
// return such functions.
type Options struct {
	// Region is the region of the service: for IAM Identity Center, the
	// sso_region, not the profile's region. If empty, New takes it from
	// AWS_REGION, AWS_DEFAULT_REGION, then the profile's region, and
	// NewFromConfig from the aws.Config. A FIPS pseudo-region such as
	// "us-east-1-fips" turns FIPS on, as in aws-sdk-go-v2.
	Region string

	// Profile names the shared-config profile that New loads (files from
	// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, or ~/.aws/config and
	// ~/.aws/credentials). If empty, AWS_PROFILE, then "default".
	// NewFromConfig ignores it: the aws.Config was loaded already.
	Profile string

	// Credentials sign CreateTokenWithIAM, the only signed operation; they
	// are never retrieved for the others. If nil, New uses the default
	// credential chain of the profile and NewFromConfig the aws.Config's.
	// aws.AnonymousCredentials{} turns signing off entirely.
	Credentials aws.CredentialsProvider

	// BaseEndpoint is an explicit endpoint URL, used verbatim with the
	// operation path appended. If empty, the endpoint comes from
	// AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's [services]
	// section, the profile's endpoint_url (unless
	// ignore_configured_endpoint_urls is set), and finally the official
	// endpoint rules.
	BaseEndpoint string

	// UseFIPSEndpoint selects the FIPS endpoint. Unset means the value of
	// use_fips_endpoint or AWS_USE_FIPS_ENDPOINT, else disabled.
	UseFIPSEndpoint aws.FIPSEndpointState
	// UseDualStackEndpoint selects the dual-stack endpoint. Unset means the
	// value of use_dualstack_endpoint or AWS_USE_DUALSTACK_ENDPOINT, else
	// disabled.
	UseDualStackEndpoint aws.DualStackEndpointState

	// HTTPClient sends the requests. If nil, a client with the defaults of
	// aws-sdk-go-v2 (awshttp.BuildableClient) is used, configured by
	// ConnectTimeout, DisableKeepAlives and CABundle. Those three are also
	// applied to a copy of a custom *http.Client whose Transport is nil or an
	// *http.Transport, and to an aws-sdk-go-v2 BuildableClient; any other
	// client is used exactly as given.
	HTTPClient HTTPClient

	// CABundle is a PEM bundle that replaces the system roots for TLS.
	// New also reads the file named by AWS_CA_BUNDLE or the profile's
	// ca_bundle.
	CABundle []byte

	// ConnectTimeout bounds establishing a TCP connection (default 30 s).
	ConnectTimeout time.Duration
	// AttemptTimeout bounds one HTTP attempt, response body included;
	// an attempt that times out is retried. Zero means no limit.
	AttemptTimeout time.Duration
	// OperationTimeout bounds a whole operation, retries and backoff
	// included. Zero means no limit beyond the context's.
	OperationTimeout time.Duration

	// DisableKeepAlives closes the connection after each request
	// (botocore's close_connection).
	DisableKeepAlives bool

	// Retryer decides which failures are retried and how long to wait. If
	// nil, aws-sdk-go-v2's standard retryer (retry.NewStandard): up to 3
	// attempts, retrying connection errors, HTTP 500/502/503/504 and
	// throttling codes with jittered exponential backoff and a retry quota.
	// AuthorizationPendingException and SlowDownException are never retried,
	// whatever the retryer says: they are answers, not failures.
	Retryer aws.Retryer
	// RetryMaxAttempts, if positive, overrides the retryer's maximum number
	// of attempts (1 disables retries).
	RetryMaxAttempts int

	// AppID is added to the User-Agent header as app/<AppID>. New also reads
	// AWS_SDK_UA_APP_ID and the profile's sdk_ua_app_id.
	AppID string

	// Logger receives one debug record per attempt and one info record per
	// retry. Secrets, tokens and bodies are never logged. Nil means no
	// logging.
	Logger *slog.Logger

	// Now returns the current time, used to sign requests and to compute
	// the Expiry of outputs. Nil means time.Now. Tests set it to sign with a
	// fixed time.
	Now func() time.Time

	// DisableClockSkewCorrection turns off the clock-skew correction of
	// aws-sdk-go-v2: by default the skew between this machine's clock and
	// the server's (from the Date header of every response) is added to the
	// time requests are signed with, and a signature refused as expired
	// ("Signature expired", RequestTimeTooSkewed) is retried once with the
	// corrected time. NewFromConfig takes it from aws.Config (the
	// AWS_DISABLE_CLOCK_SKEW_CORRECTION variable or the profile's
	// disable_clock_skew_correction).
	DisableClockSkewCorrection bool

	// configSources are the EnvConfig and SharedConfig values that New or
	// NewFromConfig loaded; they supply per-service settings.
	configSources []any
	// endpointSource says where BaseEndpoint came from, if not from an
	// option (see Client.EndpointSource).
	endpointSource string
}

// WithRegion sets Options.Region.
func WithRegion(region string) func(*Options) {
	return func(o *Options) { o.Region = region }
}

// WithProfile sets Options.Profile.
func WithProfile(name string) func(*Options) {
	return func(o *Options) { o.Profile = name }
}

// WithCredentials sets Options.Credentials.
func WithCredentials(p aws.CredentialsProvider) func(*Options) {
	return func(o *Options) { o.Credentials = p }
}

// WithStaticCredentials sets Options.Credentials to fixed keys.
func WithStaticCredentials(accessKeyID, secretAccessKey, sessionToken string) func(*Options) {
	return WithCredentials(credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, sessionToken))
}

// WithAnonymousCredentials makes the client never sign, not even
// CreateTokenWithIAM.
func WithAnonymousCredentials() func(*Options) {
	return WithCredentials(aws.AnonymousCredentials{})
}

// WithEndpoint sets Options.BaseEndpoint.
func WithEndpoint(url string) func(*Options) {
	return func(o *Options) { o.BaseEndpoint = url }
}

// WithHTTPClient sets Options.HTTPClient.
func WithHTTPClient(c HTTPClient) func(*Options) {
	return func(o *Options) { o.HTTPClient = c }
}

// WithLogger sets Options.Logger.
func WithLogger(l *slog.Logger) func(*Options) {
	return func(o *Options) { o.Logger = l }
}

// WithAppID sets Options.AppID.
func WithAppID(id string) func(*Options) {
	return func(o *Options) { o.AppID = id }
}

// WithTimeouts sets the connect, per-attempt and per-operation timeouts;
// zero leaves a value unchanged.
func WithTimeouts(connect, attempt, operation time.Duration) func(*Options) {
	return func(o *Options) {
		if connect != 0 {
			o.ConnectTimeout = connect
		}
		if attempt != 0 {
			o.AttemptTimeout = attempt
		}
		if operation != 0 {
			o.OperationTimeout = operation
		}
	}
}

// WithClockSkewCorrection turns clock-skew correction on (the default) or
// off; see Options.DisableClockSkewCorrection.
func WithClockSkewCorrection(on bool) func(*Options) {
	return func(o *Options) { o.DisableClockSkewCorrection = !on }
}

// WithRetryMaxAttempts sets Options.RetryMaxAttempts (1 disables retries).
func WithRetryMaxAttempts(n int) func(*Options) {
	return func(o *Options) { o.RetryMaxAttempts = n }
}

// Copy returns a copy of o whose slices are not shared with o.
func (o Options) Copy() Options {
	o.CABundle = append([]byte(nil), o.CABundle...)
	o.configSources = append([]any(nil), o.configSources...)
	return o
}
