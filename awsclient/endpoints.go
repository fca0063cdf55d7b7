package awsclient

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Service describes one AWS API as the shared plumbing needs it: how its
// endpoint is named and configured, how it is signed, and how it appears in
// the User-Agent header.
type Service struct {
	// ID is the SDK service ID ("SSO OIDC", "SSO"). It names the
	// AWS_ENDPOINT_URL_<ID> environment variable (upper case, spaces to
	// underscores) and the key of a shared-config [services] section (lower
	// case, spaces to underscores), as every AWS SDK does.
	ID string
	// EndpointPrefix is the first DNS label of the default endpoint ("oidc",
	// "portal.sso").
	EndpointPrefix string
	// SigningName is the SigV4 service name ("sso-oauth", "awsssoportal").
	SigningName string
	// UserAgentName is the api/ token of the User-Agent header ("ssooidc").
	UserAgentName string
}

// EnvName returns the service-specific endpoint variable, for example
// AWS_ENDPOINT_URL_SSO_OIDC.
func (s Service) EnvName() string {
	return "AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(s.ID), " ", "_")
}

// ConfigKey returns the sub-section key of the service in a shared-config
// [services] section, for example sso_oidc.
func (s Service) ConfigKey() string {
	return strings.ReplaceAll(strings.ToLower(s.ID), " ", "_")
}

// EndpointParams are the inputs of the official endpoint rule sets
// (models/*.endpoint-rule-set-1.json): Region, UseFIPS, UseDualStack and
// Endpoint.
type EndpointParams struct {
	// Region is the AWS region, without FIPS pseudo-region affixes.
	Region string
	// UseFIPS selects the FIPS endpoint.
	UseFIPS bool
	// UseDualStack selects the dual-stack (IPv4 and IPv6) endpoint.
	UseDualStack bool
	// Endpoint is a custom endpoint URL, used verbatim.
	Endpoint string
}

// Errors of endpoint resolution. Their texts are those of the rule sets.
var (
	ErrFIPSCustomEndpoint       = errors.New("Invalid Configuration: FIPS and custom endpoint are not supported")
	ErrDualStackCustomEndpoint  = errors.New("Invalid Configuration: Dualstack and custom endpoint are not supported")
	ErrMissingRegion            = errors.New("Invalid Configuration: Missing Region")
	ErrFIPSDualStackUnsupported = errors.New("FIPS and DualStack are enabled, but this partition does not support one or both")
	ErrFIPSUnsupported          = errors.New("FIPS is enabled but this partition does not support FIPS")
	ErrDualStackUnsupported     = errors.New("DualStack is enabled but this partition does not support DualStack")
)

// ResolveEndpoint computes the service endpoint from p by the rules the SSO
// OIDC and SSO rule sets share (they differ only in the host prefix):
//
//   - a custom Endpoint is used verbatim, and cannot be combined with FIPS or
//     dual-stack;
//   - otherwise the region's partition gives the DNS suffix:
//     https://{prefix}[-fips].{region}.{dnsSuffix or dualStackDnsSuffix},
//     except that FIPS without dual-stack in aws-us-gov is
//     https://{prefix}.{region}.amazonaws.com.
func (s Service) ResolveEndpoint(p EndpointParams) (string, error) {
	if p.Endpoint != "" {
		if p.UseFIPS {
			return "", ErrFIPSCustomEndpoint
		}
		if p.UseDualStack {
			return "", ErrDualStackCustomEndpoint
		}
		if _, err := url.Parse(p.Endpoint); err != nil {
			return "", fmt.Errorf("Failed to parse uri: %s", p.Endpoint)
		}
		return p.Endpoint, nil
	}
	if p.Region == "" {
		return "", ErrMissingRegion
	}
	part := PartitionOf(p.Region)
	switch {
	case p.UseFIPS && p.UseDualStack:
		if !part.SupportsFIPS || !part.SupportsDualStack {
			return "", ErrFIPSDualStackUnsupported
		}
		return "https://" + s.EndpointPrefix + "-fips." + p.Region + "." + part.DualStackDNSSuffix, nil
	case p.UseFIPS:
		if !part.SupportsFIPS {
			return "", ErrFIPSUnsupported
		}
		if part.Name == "aws-us-gov" {
			return "https://" + s.EndpointPrefix + "." + p.Region + ".amazonaws.com", nil
		}
		return "https://" + s.EndpointPrefix + "-fips." + p.Region + "." + part.DNSSuffix, nil
	case p.UseDualStack:
		if !part.SupportsDualStack {
			return "", ErrDualStackUnsupported
		}
		return "https://" + s.EndpointPrefix + "." + p.Region + "." + part.DualStackDNSSuffix, nil
	}
	return "https://" + s.EndpointPrefix + "." + p.Region + "." + part.DNSSuffix, nil
}

// Partition is what the rule-set function aws.partition returns for a
// region.
type Partition struct {
	// Name is the partition id, such as "aws-cn".
	Name string
	// DNSSuffix ends the partition's host names ("amazonaws.com").
	DNSSuffix string
	// DualStackDNSSuffix ends its dual-stack host names ("api.aws").
	DualStackDNSSuffix string
	// SupportsFIPS reports FIPS endpoints.
	SupportsFIPS bool
	// SupportsDualStack reports dual-stack endpoints.
	SupportsDualStack bool
}

type partitionEntry struct {
	Partition
	regionRegex *regexp.Regexp
	regions     []string
}

// partitions is aws-sdk-go-v2's internal/endpoints/awsrulesfn/partitions.json
// (v1.47.7), in file order. No region there overrides its partition's
// outputs, so only the region lists and regexes matter.
var partitions = []partitionEntry{
	{Partition{"aws", "amazonaws.com", "api.aws", true, true},
		regexp.MustCompile(`^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$`),
		[]string{"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
			"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
			"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "aws-global", "ca-central-1", "ca-west-1",
			"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2",
			"eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1",
			"us-east-2", "us-west-1", "us-west-2"}},
	{Partition{"aws-cn", "amazonaws.com.cn", "api.amazonwebservices.com.cn", true, true},
		regexp.MustCompile(`^cn\-\w+\-\d+$`),
		[]string{"aws-cn-global", "cn-north-1", "cn-northwest-1"}},
	{Partition{"aws-eusc", "amazonaws.eu", "api.amazonwebservices.eu", true, true},
		regexp.MustCompile(`^eusc\-(de)\-\w+\-\d+$`),
		[]string{"eusc-de-east-1"}},
	{Partition{"aws-iso", "c2s.ic.gov", "api.aws.ic.gov", true, true},
		regexp.MustCompile(`^us\-iso\-\w+\-\d+$`),
		[]string{"aws-iso-global", "us-iso-east-1", "us-iso-west-1"}},
	{Partition{"aws-iso-b", "sc2s.sgov.gov", "api.aws.scloud", true, true},
		regexp.MustCompile(`^us\-isob\-\w+\-\d+$`),
		[]string{"aws-iso-b-global", "us-isob-east-1", "us-isob-west-1"}},
	{Partition{"aws-iso-e", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk", true, true},
		regexp.MustCompile(`^eu\-isoe\-\w+\-\d+$`),
		[]string{"aws-iso-e-global", "eu-isoe-west-1"}},
	{Partition{"aws-iso-f", "csp.hci.ic.gov", "api.aws.hci.ic.gov", true, true},
		regexp.MustCompile(`^us\-isof\-\w+\-\d+$`),
		[]string{"aws-iso-f-global", "us-isof-east-1", "us-isof-south-1"}},
	{Partition{"aws-us-gov", "amazonaws.com", "api.aws", true, true},
		regexp.MustCompile(`^us\-gov\-\w+\-\d+$`),
		[]string{"aws-us-gov-global", "us-gov-east-1", "us-gov-west-1"}},
}

// PartitionOf returns the partition of region as the rule-set function
// aws.partition does: a listed region first, then the first matching region
// regex, else the aws partition.
func PartitionOf(region string) Partition {
	for _, p := range partitions {
		for _, r := range p.regions {
			if r == region {
				return p.Partition
			}
		}
	}
	for _, p := range partitions {
		if p.regionRegex.MatchString(region) {
			return p.Partition
		}
	}
	return partitions[0].Partition
}

// NormalizeRegion maps the FIPS pseudo-regions that aws-sdk-go-v2 accepts
// ("fips-us-east-1", "us-east-1-fips", "us-fips-east-1") to the plain region
// and reports whether one was given, in which case FIPS is on. It also
// rejects a region that is not a valid host name, as the SDK does before it
// puts the region into a URL.
func NormalizeRegion(region string) (string, bool, error) {
	if region == "" {
		return "", false, nil
	}
	if !validHostName(region) {
		return "", false, fmt.Errorf("invalid input region %s", region)
	}
	fips := false
	if strings.Contains(region, "-fips-") || strings.Contains(region, "fips-") || strings.Contains(region, "-fips") {
		fips = true
		region = strings.ReplaceAll(region, "-fips-", "-")
		region = strings.ReplaceAll(region, "fips-", "")
		region = strings.ReplaceAll(region, "-fips", "")
	}
	return region, fips, nil
}

// validHostName reports whether every dot-separated label of s is 1 to 63
// letters, digits or hyphens, not starting or ending with a hyphen.
func validHostName(s string) bool {
	for _, label := range strings.Split(s, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
