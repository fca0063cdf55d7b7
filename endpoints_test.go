package ssooidc_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	sdksso "github.com/aws/aws-sdk-go-v2/service/sso"
	sdk "github.com/aws/aws-sdk-go-v2/service/ssooidc"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/ssooidc/ssooidc"
	"github.com/ssooidc/ssooidc/portal"
)

// endpointRegions covers every partition by listed region, by regex and by
// fallback, plus the aws-global style pseudo regions.
var endpointRegions = []string{
	"us-east-1", "eu-west-1", "ap-southeast-7", "mx-central-1", "il-central-1", "aws-global", "us-east-99",
	"cn-north-1", "cn-northwest-1", "aws-cn-global", "cn-east-9",
	"us-gov-west-1", "us-gov-east-1", "aws-us-gov-global", "us-gov-north-9",
	"us-iso-east-1", "us-iso-west-1", "aws-iso-global",
	"us-isob-east-1", "aws-iso-b-global",
	"eu-isoe-west-1", "aws-iso-e-global",
	"us-isof-south-1", "us-isof-east-1", "aws-iso-f-global",
	"eusc-de-east-1", "eusc-de-west-9",
	"xx-unknown-1", "local", "",
}

type endpointResolver struct {
	name     string
	ours     func(ssooidc.EndpointParams) (string, error)
	ruleFile string
	sdk      func(region string, fips, dual bool, endpoint string) (string, error)
}

func sdkParams(region string, fips, dual bool, endpoint string) (*string, *bool, *bool, *string) {
	var r, e *string
	if region != "" {
		r = aws.String(region)
	}
	if endpoint != "" {
		e = aws.String(endpoint)
	}
	return r, aws.Bool(fips), aws.Bool(dual), e
}

func sdkURL(ep smithyendpoints.Endpoint, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return ep.URI.String(), nil
}

var endpointResolvers = []endpointResolver{
	{"sso-oidc", ssooidc.ResolveEndpoint, "testdata/models/sso-oidc-2019-06-10.endpoint-rule-set-1.json",
		func(region string, fips, dual bool, endpoint string) (string, error) {
			r, f, d, e := sdkParams(region, fips, dual, endpoint)
			return sdkURL(sdk.NewDefaultEndpointResolverV2().ResolveEndpoint(context.Background(),
				sdk.EndpointParameters{Region: r, UseFIPS: f, UseDualStack: d, Endpoint: e}))
		}},
	{"sso", portal.ResolveEndpoint, "testdata/models/sso-2019-06-10.endpoint-rule-set-1.json",
		func(region string, fips, dual bool, endpoint string) (string, error) {
			r, f, d, e := sdkParams(region, fips, dual, endpoint)
			return sdkURL(sdksso.NewDefaultEndpointResolverV2().ResolveEndpoint(context.Background(),
				sdksso.EndpointParameters{Region: r, UseFIPS: f, UseDualStack: d, Endpoint: e}))
		}},
}

// TestEndpointRulesTable resolves every region, FIPS, dual-stack and
// custom-endpoint combination for both services and compares our result
// with the rule set file evaluated directly and with aws-sdk-go-v2's
// resolver: the same URL, or an error with the rule set's text.
func TestEndpointRulesTable(t *testing.T) {
	for _, er := range endpointResolvers {
		rs, pf := loadRuleSet(t, er.ruleFile)
		for _, region := range endpointRegions {
			for _, endpoint := range []string{"", "http://127.0.0.1:8080/prefix"} {
				for _, fips := range []bool{false, true} {
					for _, dual := range []bool{false, true} {
						name := fmt.Sprintf("%s/%s/fips=%v/dual=%v/custom=%v", er.name, region, fips, dual, endpoint != "")
						got, gotErr := er.ours(ssooidc.EndpointParams{Region: region, UseFIPS: fips, UseDualStack: dual, Endpoint: endpoint})
						params := map[string]any{"UseFIPS": fips, "UseDualStack": dual}
						if region != "" {
							params["Region"] = region
						}
						if endpoint != "" {
							params["Endpoint"] = endpoint
						}
						fromRules, rulesErr := rs.resolve(pf, params)
						fromSDK, sdkErr := er.sdk(region, fips, dual, endpoint)
						switch {
						case gotErr != nil || rulesErr != nil || sdkErr != nil:
							if gotErr == nil || rulesErr == nil || sdkErr == nil ||
								gotErr.Error() != rulesErr.Error() || !strings.Contains(sdkErr.Error(), gotErr.Error()) {
								t.Errorf("%s: errors: ours %v, rule set %v, SDK %v", name, gotErr, rulesErr, sdkErr)
							}
						case got != fromRules || got != fromSDK:
							t.Errorf("%s: ours %q, rule set %q, SDK %q", name, got, fromRules, fromSDK)
						}
					}
				}
			}
		}
	}
}

// urlRecorder is an HTTPClient that records request URLs and answers {}.
type urlRecorder struct {
	mu   sync.Mutex
	urls []string
}

func (u *urlRecorder) Do(r *http.Request) (*http.Response, error) {
	u.mu.Lock()
	u.urls = append(u.urls, r.URL.String())
	u.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
}

func (u *urlRecorder) last() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.urls) == 0 {
		return ""
	}
	return u.urls[len(u.urls)-1]
}

// configCase is an environment and shared config that affects the
// endpoint.
type configCase struct {
	name    string
	env     map[string]string
	config  string // ~/.aws/config contents
	region  string // explicit option
	profile string // explicit option
}

var configCases = []configCase{
	{name: "AWS_REGION", env: map[string]string{"AWS_REGION": "eu-west-1"}},
	{name: "AWS_DEFAULT_REGION", env: map[string]string{"AWS_DEFAULT_REGION": "ap-south-1"}},
	{name: "AWS_REGION-beats-AWS_DEFAULT_REGION", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "ap-south-1"}},
	{name: "profile-region", config: "[default]\nregion = eu-central-1\n"},
	{name: "env-region-beats-profile", env: map[string]string{"AWS_REGION": "eu-west-2"}, config: "[default]\nregion = eu-central-1\n"},
	{name: "explicit-region-beats-env", region: "sa-east-1", env: map[string]string{"AWS_REGION": "eu-west-2"}},
	{name: "AWS_PROFILE", env: map[string]string{"AWS_PROFILE": "dev"}, config: "[default]\nregion = eu-central-1\n[profile dev]\nregion = cn-north-1\n"},
	{name: "explicit-profile", profile: "dev", config: "[default]\nregion = eu-central-1\n[profile dev]\nregion = us-gov-west-1\n"},
	{name: "no-region", env: map[string]string{}},
	{name: "invalid-region", region: "us east 1"},
	{name: "fips-pseudo-region-suffix", region: "us-east-1-fips"},
	{name: "fips-pseudo-region-prefix", region: "fips-us-gov-west-1"},
	{name: "AWS_USE_FIPS_ENDPOINT", region: "us-west-2", env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "true"}},
	{name: "AWS_USE_DUALSTACK_ENDPOINT", region: "cn-north-1", env: map[string]string{"AWS_USE_DUALSTACK_ENDPOINT": "true"}},
	{name: "fips-and-dualstack-profile", config: "[default]\nregion = us-gov-east-1\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true\n"},
	{name: "AWS_ENDPOINT_URL", region: "us-east-1", env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:9001"}},
	{name: "service-env-beats-global-env", region: "us-east-1",
		env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:9001", "AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:9002/oidc", "AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:9003/portal"}},
	{name: "profile-endpoint_url", config: "[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9004/base\n"},
	{name: "services-section", config: "[default]\nregion = us-east-1\nservices = local\n[services local]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:9005\nsso =\n  endpoint_url = http://127.0.0.1:9006\n"},
	{name: "services-section-beats-endpoint_url", config: "[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9004\nservices = local\n[services local]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:9005\nsso =\n  endpoint_url = http://127.0.0.1:9006\n"},
	{name: "global-env-beats-services-section", env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:9001"},
		config: "[default]\nregion = us-east-1\nservices = local\n[services local]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:9005\nsso =\n  endpoint_url = http://127.0.0.1:9006\n"},
	{name: "service-env-beats-services-section", env: map[string]string{"AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:9002", "AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:9003"},
		config: "[default]\nregion = us-east-1\nservices = local\n[services local]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:9005\nsso =\n  endpoint_url = http://127.0.0.1:9006\n"},
	{name: "ignore_configured_endpoint_urls-profile", env: map[string]string{"AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:9002", "AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:9003"},
		config: "[default]\nregion = us-east-1\nignore_configured_endpoint_urls = true\nendpoint_url = http://127.0.0.1:9004\n"},
	{name: "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", region: "eu-west-1",
		env: map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:9001", "AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:9002"}},
	{name: "fips-with-configured-endpoint", region: "us-east-1", env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:9001"}},
	{name: "dualstack-with-configured-endpoint", region: "us-east-1", env: map[string]string{"AWS_USE_DUALSTACK_ENDPOINT": "true", "AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:9002"}},
}

// TestEndpointFromEnvironmentAndProfile builds both clients from the same
// environment and shared config (our New; the SDK's LoadDefaultConfig and
// NewFromConfig) and compares the URL each sends CreateToken to, or that
// both fail.
func TestEndpointFromEnvironmentAndProfile(t *testing.T) {
	ctx := context.Background()
	for _, tc := range configCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := isolateEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			writeFile(t, dir, "config", tc.config)
			in := &ssooidc.CreateTokenInput{ClientID: "c", ClientSecret: "s", GrantType: "refresh_token", RefreshToken: "r"}

			ourHTTP := &urlRecorder{}
			opts := []func(*ssooidc.Options){ssooidc.WithHTTPClient(ourHTTP)}
			var lo []func(*config.LoadOptions) error
			if tc.region != "" {
				opts = append(opts, ssooidc.WithRegion(tc.region))
				lo = append(lo, config.WithRegion(tc.region))
			}
			if tc.profile != "" {
				opts = append(opts, ssooidc.WithProfile(tc.profile))
				lo = append(lo, config.WithSharedConfigProfile(tc.profile))
			}
			ours, err := ssooidc.New(ctx, opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, ourErr := ours.CreateToken(ctx, in)

			cfg, err := config.LoadDefaultConfig(ctx, lo...)
			if err != nil {
				t.Fatal(err)
			}
			sdkHTTP := &urlRecorder{}
			theirs := sdk.NewFromConfig(cfg, func(o *sdk.Options) { o.HTTPClient = sdkHTTP })
			_, sdkErr := theirs.CreateToken(ctx, &sdk.CreateTokenInput{ClientId: aws.String("c"), ClientSecret: aws.String("s"),
				GrantType: aws.String("refresh_token"), RefreshToken: aws.String("r")})

			if (ourErr != nil) != (sdkErr != nil) || ourHTTP.last() != sdkHTTP.last() {
				t.Errorf("ours: %q, %v\nSDK:  %q, %v", ourHTTP.last(), ourErr, sdkHTTP.last(), sdkErr)
			}
			t.Logf("%s %v", ourHTTP.last(), ourErr)

			// The portal client reads the same settings under its own names.
			portalHTTP := &urlRecorder{}
			popts := append([]func(*portal.Options){}, opts...)
			popts[0] = portal.WithHTTPClient(portalHTTP)
			p, err := portal.New(ctx, popts...)
			if err != nil {
				t.Fatal(err)
			}
			_, pErr := p.Logout(ctx, &portal.LogoutInput{AccessToken: "t"})
			sdkPortalHTTP := &urlRecorder{}
			_, spErr := sdksso.NewFromConfig(cfg, func(o *sdksso.Options) { o.HTTPClient = sdkPortalHTTP }).
				Logout(ctx, &sdksso.LogoutInput{AccessToken: aws.String("t")})
			if (pErr != nil) != (spErr != nil) || portalHTTP.last() != sdkPortalHTTP.last() {
				t.Errorf("portal ours: %q, %v\nSDK:  %q, %v", portalHTTP.last(), pErr, sdkPortalHTTP.last(), spErr)
			}
		})
	}
}
