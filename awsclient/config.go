package awsclient

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Load builds a client of svc the way the New constructors of ssooidc and
// portal do. It applies optFns, loads the environment and the shared config
// and credentials files with aws-sdk-go-v2/config (profile, region,
// credential chain, CA bundle, app id, retry settings, endpoint settings),
// then calls NewFromConfig with the result and the same optFns, so that
// explicit options win. optFns therefore run twice and should only set
// fields. It fails if a named profile does not exist or the files cannot be
// parsed.
func Load(ctx context.Context, svc Service, optFns ...func(*Options)) (*Client, error) {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	var lo []func(*config.LoadOptions) error
	if o.Profile != "" {
		lo = append(lo, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		lo = append(lo, config.WithRegion(o.Region))
	}
	if o.Credentials != nil {
		lo = append(lo, config.WithCredentialsProvider(o.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return nil, fmt.Errorf("%s: load configuration: %w", svc.ID, err)
	}
	return NewFromConfig(svc, cfg, optFns...), nil
}

// NewFromConfig builds a client of svc from an aws.Config, as the
// NewFromConfig of an aws-sdk-go-v2 service client does: region,
// credentials, HTTP client, app id and retryer come from cfg; the endpoint
// from cfg.BaseEndpoint and, when cfg was loaded by config.LoadDefaultConfig,
// the per-service settings of its ConfigSources. optFns are applied last. A
// configuration error (such as a missing region) is returned by every call
// of the client.
func NewFromConfig(svc Service, cfg aws.Config, optFns ...func(*Options)) *Client {
	endpoint, source := configuredEndpoint(svc, cfg)
	o := Options{
		Region:                     cfg.Region,
		Credentials:                cfg.Credentials,
		AppID:                      cfg.AppID,
		RetryMaxAttempts:           cfg.RetryMaxAttempts,
		BaseEndpoint:               endpoint,
		DisableClockSkewCorrection: cfg.DisableClockSkewCorrection,
		configSources:              cfg.ConfigSources,
		endpointSource:             source,
	}
	if cfg.HTTPClient != nil {
		o.HTTPClient = cfg.HTTPClient
	}
	if cfg.Retryer != nil {
		o.Retryer = cfg.Retryer()
	}
	for _, fn := range optFns {
		fn(&o)
	}
	if o.BaseEndpoint != endpoint {
		o.endpointSource = ""
	}
	return newClient(svc, o)
}

// The per-service settings of aws-sdk-go-v2's config.EnvConfig and
// config.SharedConfig, found by their methods as the SDK's service clients
// find them.
type (
	serviceEndpointSource interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	ignoreEndpointsSource interface {
		GetIgnoreConfiguredEndpoints(ctx context.Context) (bool, bool, error)
	}
	fipsSource interface {
		GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error)
	}
	dualStackSource interface {
		GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error)
	}
)

// configuredEndpoint returns the endpoint URL that the environment and the
// shared config set for svc, or "", and where it came from. The order is
// that of aws-sdk-go-v2 and botocore (WIRE.md 4.2):
// AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's [services]
// sub-section, the profile's endpoint_url; and
// ignore_configured_endpoint_urls turns all of them off.
func configuredEndpoint(svc Service, cfg aws.Config) (endpoint, source string) {
	if cfg.BaseEndpoint != nil {
		// AWS_ENDPOINT_URL or the profile's endpoint_url, already filtered by
		// ignore_configured_endpoint_urls.
		endpoint = *cfg.BaseEndpoint
		source = "AWS_ENDPOINT_URL"
		if os.Getenv("AWS_ENDPOINT_URL") != endpoint {
			source = "endpoint_url of " + profileOf(cfg)
		}
	}
	if os.Getenv("AWS_ENDPOINT_URL") != "" && os.Getenv(svc.EnvName()) == "" {
		return endpoint, source
	}
	ctx := context.Background()
	for _, src := range cfg.ConfigSources {
		if s, ok := src.(ignoreEndpointsSource); ok {
			if v, found, err := s.GetIgnoreConfiguredEndpoints(ctx); err == nil && found {
				if v {
					return endpoint, source
				}
				break
			}
		}
	}
	for _, src := range cfg.ConfigSources {
		if s, ok := src.(serviceEndpointSource); ok {
			v, found, err := s.GetServiceBaseEndpoint(ctx, svc.ID)
			if err != nil {
				break
			}
			if found {
				if sc, ok := src.(config.SharedConfig); ok {
					return v, fmt.Sprintf("the [services %s] section (%s) of %s", sc.ServicesSectionName, svc.ConfigKey(), profileOf(cfg))
				}
				return v, svc.EnvName()
			}
		}
	}
	return endpoint, source
}

// profileOf names the profile cfg was loaded from, for messages.
func profileOf(cfg aws.Config) string {
	for _, src := range cfg.ConfigSources {
		if sc, ok := src.(config.SharedConfig); ok && sc.Profile != "" {
			return "profile " + sc.Profile
		}
	}
	return "the profile"
}

// configuredFIPS and configuredDualStack read use_fips_endpoint and
// use_dualstack_endpoint (or their environment variables) from sources.
func configuredFIPS(sources []any) aws.FIPSEndpointState {
	for _, src := range sources {
		if s, ok := src.(fipsSource); ok {
			if v, found, err := s.GetUseFIPSEndpoint(context.Background()); err != nil || found {
				return v
			}
		}
	}
	return aws.FIPSEndpointStateUnset
}

func configuredDualStack(sources []any) aws.DualStackEndpointState {
	for _, src := range sources {
		if s, ok := src.(dualStackSource); ok {
			if v, found, err := s.GetUseDualStackEndpoint(context.Background()); err != nil || found {
				return v
			}
		}
	}
	return aws.DualStackEndpointStateUnset
}

// configuredCABundle returns the contents of the CA bundle that
// AWS_CA_BUNDLE or the profile's ca_bundle names, or nil.
func configuredCABundle(sources []any) ([]byte, error) {
	for _, src := range sources {
		var path string
		switch c := src.(type) {
		case config.EnvConfig:
			path = c.CustomCABundle
		case config.SharedConfig:
			path = c.CustomCABundle
		}
		if path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("read CA bundle: %w", err)
			}
			return b, nil
		}
	}
	return nil, nil
}
