package portal

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	smithy "github.com/aws/smithy-go"

	"github.com/ssooidc/ssooidc/awsclient"
	"github.com/ssooidc/ssooidc/wire"
)

// ServiceID is the SDK service ID of the portal API. It names the
// AWS_ENDPOINT_URL_SSO variable and the sso key of a shared-config
// [services] section.
const ServiceID = "SSO"

// service describes the portal API to the shared plumbing (WIRE.md 1.2).
var service = awsclient.Service{
	ID:             ServiceID,
	EndpointPrefix: "portal.sso",
	SigningName:    "awsssoportal",
	UserAgentName:  "sso",
}

// Options configure a Client; see awsclient.Options for every field and its
// default. The ssooidc package uses the same type.
type Options = awsclient.Options

// HTTPClient sends one HTTP request; *http.Client satisfies it.
type HTTPClient = awsclient.HTTPClient

// Client calls the SSO portal API. It is safe for concurrent use.
type Client struct {
	tc *awsclient.Client
}

// New returns a client configured from optFns, the environment and the
// shared config files, as ssooidc.New does; the service-specific endpoint
// variable is AWS_ENDPOINT_URL_SSO.
func New(ctx context.Context, optFns ...func(*Options)) (*Client, error) {
	tc, err := awsclient.Load(ctx, service, optFns...)
	if err != nil {
		return nil, err
	}
	return &Client{tc: tc}, nil
}

// NewFromConfig returns a client configured from cfg, as sso.NewFromConfig
// of aws-sdk-go-v2 does, then optFns.
func NewFromConfig(cfg aws.Config, optFns ...func(*Options)) *Client {
	return &Client{tc: awsclient.NewFromConfig(service, cfg, optFns...)}
}

// Options returns a copy of the client's options.
func (c *Client) Options() Options { return c.tc.Options() }

// Endpoint returns the resolved endpoint, or the configuration error that
// every call of the client returns.
func (c *Client) Endpoint() (*url.URL, error) { return c.tc.Endpoint() }

// EndpointParams are the inputs of the SSO endpoint rule set.
type EndpointParams = awsclient.EndpointParams

// ResolveEndpoint applies the official SSO endpoint rules
// (sso-2019-06-10.endpoint-rule-set-1.json) to p, for example
// https://portal.sso.us-east-1.amazonaws.com.
func ResolveEndpoint(p EndpointParams) (string, error) {
	return service.ResolveEndpoint(p)
}

// ResponseMetadata describes the HTTP response behind an output: request
// id, status, headers, times, attempts and the clock skew observed.
type ResponseMetadata = awsclient.ResponseMetadata

// EndpointSource says where the endpoint came from, for messages: an
// environment variable, a setting of the profile, Options.BaseEndpoint, or
// the AWS endpoint rules of the region.
func (c *Client) EndpointSource() string { return c.tc.EndpointSource() }

// EndpointConfigured reports whether the endpoint was configured (an
// option, the environment or the config files) rather than AWS's.
func (c *Client) EndpointConfigured() bool { return c.tc.EndpointConfigured() }

// call sends one operation with the bearer token and decodes a successful
// body into out. optFns are the operation's per-call options.
func (c *Client) call(ctx context.Context, op, method, path, token string, query url.Values, out any, optFns []func(*Options)) (*awsclient.Response, error) {
	tc := c.tc.WithOptions(optFns...)
	h := http.Header{}
	if token != "" {
		// The exact spelling aws-sdk-go-v2 sends (WIRE.md 7).
		h[wire.HeaderBearerToken] = []string{token}
	}
	resp, err := tc.Do(ctx, &awsclient.Request{
		Operation:   op,
		Method:      method,
		Path:        path,
		Query:       query,
		Header:      h,
		DecodeError: decodeError,
	})
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := awsclient.DecodeJSON(resp.Body, out); err != nil {
			return nil, tc.OperationError(op, &smithy.DeserializationError{Err: err})
		}
	}
	return resp, nil
}

// WithRegion sets Options.Region, the region of the portal (sso_region).
func WithRegion(region string) func(*Options) { return awsclient.WithRegion(region) }

// WithProfile sets Options.Profile: the shared-config profile New loads.
func WithProfile(name string) func(*Options) { return awsclient.WithProfile(name) }

// WithEndpoint sets Options.BaseEndpoint, an explicit endpoint URL such as
// http://127.0.0.1:8080.
func WithEndpoint(url string) func(*Options) { return awsclient.WithEndpoint(url) }

// WithHTTPClient sets Options.HTTPClient.
func WithHTTPClient(c HTTPClient) func(*Options) { return awsclient.WithHTTPClient(c) }

// WithLogger sets Options.Logger.
func WithLogger(l *slog.Logger) func(*Options) { return awsclient.WithLogger(l) }

// WithAppID sets Options.AppID, sent in the User-Agent header.
func WithAppID(id string) func(*Options) { return awsclient.WithAppID(id) }

// WithClockSkewCorrection turns the correction of this machine's clock by
// the server's Date header on (the default) or off.
func WithClockSkewCorrection(on bool) func(*Options) { return awsclient.WithClockSkewCorrection(on) }

// WithRetryMaxAttempts sets Options.RetryMaxAttempts (1 disables retries).
func WithRetryMaxAttempts(n int) func(*Options) { return awsclient.WithRetryMaxAttempts(n) }

// WithTimeouts sets the connect, per-attempt and per-operation timeouts;
// zero leaves a value unchanged.
func WithTimeouts(connect, attempt, operation time.Duration) func(*Options) {
	return awsclient.WithTimeouts(connect, attempt, operation)
}

// validation collects missing required members as aws-sdk-go-v2 reports
// them.
type validation struct{ smithy.InvalidParamsError }

func newValidation(shape string) *validation {
	return &validation{smithy.InvalidParamsError{Context: shape}}
}

func (v *validation) require(name, value string) {
	if value == "" {
		v.Add(smithy.NewErrParamRequired(name))
	}
}

func (v *validation) err() error {
	if v.Len() == 0 {
		return nil
	}
	return v.InvalidParamsError
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
