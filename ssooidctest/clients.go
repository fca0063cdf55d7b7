package ssooidctest

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssso "github.com/aws/aws-sdk-go-v2/service/sso"
	awsssooidc "github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/ssooidc/ssooidc"
	"github.com/ssooidc/ssooidc/portal"
)

// AWSConfig returns an aws-sdk-go-v2 configuration for the server's two
// APIs: its region, its URL as the base endpoint, no credentials (neither
// API signs its requests) and no retries, so that a test sees each
// answer. It reads nothing from the environment or the shared config
// files. Build other service clients from a configuration of their own:
// its BaseEndpoint would send them to this server too.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:           s.Region,
		BaseEndpoint:     aws.String(s.URL),
		Credentials:      aws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Timeout: 30 * time.Second},
	}
}

// OIDCClient returns aws-sdk-go-v2's SSO OIDC client for the server.
func (s *Server) OIDCClient() *awsssooidc.Client {
	return awsssooidc.NewFromConfig(s.AWSConfig())
}

// SSOClient returns aws-sdk-go-v2's SSO portal client for the server
// (ListAccounts, ListAccountRoles, GetRoleCredentials, Logout).
func (s *Server) SSOClient() *awssso.Client {
	return awssso.NewFromConfig(s.AWSConfig())
}

// Client returns this module's SSO OIDC client (package ssooidc) for the
// server, configured as AWSConfig is.
func (s *Server) Client() *ssooidc.Client {
	return ssooidc.NewFromConfig(s.AWSConfig())
}

// PortalClient returns this module's portal client (package portal) for
// the server, configured as AWSConfig is.
func (s *Server) PortalClient() *portal.Client {
	return portal.NewFromConfig(s.AWSConfig())
}
