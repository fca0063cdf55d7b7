package ssooidc

import (
	"context"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	smithy "github.com/aws/smithy-go"

	"github.com/ssooidc/ssooidc/awsclient"
	"github.com/ssooidc/ssooidc/wire"
)

// ServiceID is the SDK service ID of SSO OIDC. It names the
// AWS_ENDPOINT_URL_SSO_OIDC variable and the sso_oidc key of a
// shared-config [services] section.
const ServiceID = "SSO OIDC"

// service describes SSO OIDC to the shared plumbing (WIRE.md 1.1).
var service = awsclient.Service{
	ID:             ServiceID,
	EndpointPrefix: "oidc",
	SigningName:    "sso-oauth",
	UserAgentName:  "ssooidc",
}

// Options configure a Client; see awsclient.Options for every field and its
// default. The portal package uses the same type.
type Options = awsclient.Options

// HTTPClient sends one HTTP request; *http.Client satisfies it.
type HTTPClient = awsclient.HTTPClient

// Client calls the SSO OIDC API. It is safe for concurrent use.
type Client struct {
	tc *awsclient.Client
}

// New returns a client configured from optFns, the environment and the
// shared config files, in the order of the AWS SDKs: an explicit option
// wins; otherwise region comes from AWS_REGION, AWS_DEFAULT_REGION, then
// the profile (Options.Profile, AWS_PROFILE, "default"); the endpoint from
// AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL, the profile's [services]
// section, the profile's endpoint_url, then the official endpoint rules.
// It fails only if the configuration cannot be loaded; a configuration that
// cannot be used (no region, say) is reported by every call. optFns run
// twice (to load, then over what was loaded) and should only set fields.
func New(ctx context.Context, optFns ...func(*Options)) (*Client, error) {
	tc, err := awsclient.Load(ctx, service, optFns...)
	if err != nil {
		return nil, err
	}
	return &Client{tc: tc}, nil
}

// NewFromConfig returns a client configured from cfg, as
// ssooidc.NewFromConfig of aws-sdk-go-v2 does, then optFns.
func NewFromConfig(cfg aws.Config, optFns ...func(*Options)) *Client {
	return &Client{tc: awsclient.NewFromConfig(service, cfg, optFns...)}
}

// Options returns a copy of the client's options.
func (c *Client) Options() Options { return c.tc.Options() }

// Endpoint returns the resolved endpoint, or the configuration error that
// every call of the client returns.
func (c *Client) Endpoint() (*url.URL, error) { return c.tc.Endpoint() }

// EndpointParams are the inputs of the SSO OIDC endpoint rule set.
type EndpointParams = awsclient.EndpointParams

// ResolveEndpoint applies the official SSO OIDC endpoint rules
// (sso-oidc-2019-06-10.endpoint-rule-set-1.json) to p, for example
// https://oidc.us-east-1.amazonaws.com.
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

// call sends one JSON operation and decodes a successful body into out.
// optFns are the operation's per-call options.
func (c *Client) call(ctx context.Context, op, path string, sign bool, in, out any, optFns []func(*Options)) (*awsclient.Response, error) {
	tc := c.tc.WithOptions(optFns...)
	body, err := awsclient.EncodeJSON(in)
	if err != nil {
		return nil, tc.OperationError(op, &smithy.SerializationError{Err: err})
	}
	resp, err := tc.Do(ctx, &awsclient.Request{
		Operation: op,
		Method:    http.MethodPost,
		Path:      path,
		// aws-sdk-go-v2 always sends it; servers must not depend on it
		// (WIRE.md 1.1).
		Header:      http.Header{"Content-Type": {"application/json"}},
		Body:        body,
		Sign:        sign,
		DecodeError: decodeError,
	})
	if err != nil {
		return nil, err
	}
	if err := awsclient.DecodeJSON(resp.Body, out); err != nil {
		return nil, tc.OperationError(op, &smithy.DeserializationError{Err: err})
	}
	return resp, nil
}

// Grant types of CreateToken and CreateTokenWithIAM (WIRE.md 2.3, 2.4).
const (
	GrantTypeDeviceCode        = wire.GrantDeviceCode
	GrantTypeAuthorizationCode = wire.GrantAuthorizationCode
	GrantTypeRefreshToken      = wire.GrantRefreshToken
	GrantTypeJWTBearer         = wire.GrantJWTBearer
	GrantTypeTokenExchange     = wire.GrantTokenExchange
)

// Token types of the token-exchange grant.
const (
	TokenTypeAccessToken  = wire.TokenTypeAccessToken
	TokenTypeRefreshToken = wire.TokenTypeRefreshToken
	TokenTypeIDToken      = wire.TokenTypeIDToken
)

// ClientTypePublic is the only client type the service accepts.
const ClientTypePublic = wire.ClientTypePublic

// ptr returns nil for "" and &s otherwise: the wire shapes omit absent
// strings.
func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// deref returns *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
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

// EndpointConfigured reports whether the endpoint was configured (an
// option, the environment or the config files) rather than AWS's.
func (c *Client) EndpointConfigured() bool { return c.tc.EndpointConfigured() }
