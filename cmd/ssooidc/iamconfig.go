package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/iamtoken"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sigv4"
)

// iamFileConfig is the config file's "iam" section: CreateTokenWithIAM's
// callers and applications, and the JWT signing keys.
//
//	iam:
//	  key_rotation: 168h                  # one ES256 key per period; same on every node
//	  identity_store_id: d-1234567890     # the Identity Store API's, ID tokens' and the SSO Admin instance's; default: the start URL's d- ID
//	  instance_arn: arn:aws:sso:::instance/ssoins-1234567890abcdef   # default: drawn once, kept in the store
//	  owner_account_id: "123456789012"    # of the instance; default: the first principal's account
//	  principals:                         # who may sign CreateTokenWithIAM
//	    - arn: arn:aws:iam::123456789012:role/web-app    # account taken from the ARN
//	      access_key_id: AKIAIOSFODNN7EXAMPLE
//	      secret_access_key_env: WEB_APP_SECRET          # or secret_access_key: ...
//	      # session_token: ...                           # temporary credentials
//	      # allow: [identitystore:*, sso:*]              # the AWS APIs it may call; default CreateTokenWithIAM
//	  applications:
//	    - arn: arn:aws:sso::123456789012:application/ssoins-1111111111111111/apl-2222222222222222
//	      name: Web app
//	      grant_types: [authorization_code, refresh_token, jwt-bearer, token-exchange]
//	      redirect_uris: [https://app.example.com/callback]
//	      scopes: [app:read]              # besides openid, aws, sts:identity_context
//	      principals: [arn:aws:iam::123456789012:role/web-app]   # or "123456789012": the whole account
//	      trusted_token_issuers:
//	        - name: entra
//	          issuer_url: https://login.microsoftonline.com/TENANT/v2.0
//	          jwks_url: https://login.microsoftonline.com/TENANT/discovery/v2.0/keys  # omitted: discovered
//	          # jwks: '{"keys": [...]}'   # inline instead of jwks_url
//	          audiences: [api://web-app]
//	          user_claim: preferred_username   # its value is a user name here; default sub
type iamFileConfig struct {
	KeyRotation     time.Duration          `yaml:"key_rotation"`
	IdentityStoreID string                 `yaml:"identity_store_id"`
	InstanceARN     string                 `yaml:"instance_arn"`
	OwnerAccountID  string                 `yaml:"owner_account_id"`
	Principals      []iamPrincipalConfig   `yaml:"principals"`
	Applications    []iamApplicationConfig `yaml:"applications"`
}

type iamPrincipalConfig struct {
	ARN                string `yaml:"arn"`
	Account            string `yaml:"account"`
	AccessKeyID        string `yaml:"access_key_id"`
	SecretAccessKey    string `yaml:"secret_access_key"`
	SecretAccessKeyEnv string `yaml:"secret_access_key_env"`
	SessionToken       string `yaml:"session_token"`
	// Allow lists the actions the principal may call (identitystore:*,
	// sso:List*, sso-oauth:CreateTokenWithIAM...); omitted, it may call
	// CreateTokenWithIAM only, for the applications that name it.
	Allow []string `yaml:"allow"`
}

type iamApplicationConfig struct {
	ARN                 string              `yaml:"arn"`
	Name                string              `yaml:"name"`
	GrantTypes          []string            `yaml:"grant_types"`
	RedirectURIs        []string            `yaml:"redirect_uris"`
	Scopes              []string            `yaml:"scopes"`
	Principals          []string            `yaml:"principals"`
	TrustedTokenIssuers []tokenIssuerConfig `yaml:"trusted_token_issuers"`
}

type tokenIssuerConfig struct {
	Name      string   `yaml:"name"`
	IssuerURL string   `yaml:"issuer_url"`
	JWKSURL   string   `yaml:"jwks_url"`
	JWKS      string   `yaml:"jwks"`
	Audiences []string `yaml:"audiences"`
	UserClaim string   `yaml:"user_claim"`
}

// serverConfig turns the section into the server's IAM configuration.
// Secrets named by *_env are read from the environment here.
func (c iamFileConfig) serverConfig() (server.IAMConfig, error) {
	out := server.IAMConfig{KeyRotation: c.KeyRotation, IdentityStoreID: c.IdentityStoreID, InstanceARN: c.InstanceARN,
		OwnerAccountID: c.OwnerAccountID}
	for i, p := range c.Principals {
		where := fmt.Sprintf("iam.principals[%d]", i)
		if p.ARN == "" || p.AccessKeyID == "" {
			return out, fmt.Errorf("%s: arn and access_key_id are required", where)
		}
		secret := p.SecretAccessKey
		if p.SecretAccessKeyEnv != "" {
			if secret != "" {
				return out, fmt.Errorf("%s: give secret_access_key or secret_access_key_env, not both", where)
			}
			secret = os.Getenv(p.SecretAccessKeyEnv)
			if secret == "" {
				return out, fmt.Errorf("%s: $%s is empty", where, p.SecretAccessKeyEnv)
			}
		}
		if secret == "" {
			return out, fmt.Errorf("%s: secret_access_key or secret_access_key_env is required", where)
		}
		account := p.Account
		if account == "" {
			account = arnAccount(p.ARN)
		}
		out.Principals = append(out.Principals, sigv4.Principal{AccessKeyID: p.AccessKeyID, SecretAccessKey: secret,
			SessionToken: p.SessionToken, Account: account, ARN: p.ARN, Allow: p.Allow})
	}
	for _, a := range c.Applications {
		app := iamtoken.Application{ARN: a.ARN, Name: a.Name, GrantTypes: a.GrantTypes, RedirectURIs: a.RedirectURIs,
			Scopes: a.Scopes, Principals: a.Principals}
		for _, t := range a.TrustedTokenIssuers {
			iss := iamtoken.TrustedTokenIssuer{Name: t.Name, IssuerURL: t.IssuerURL, JWKSURL: t.JWKSURL,
				Audiences: t.Audiences, UserClaim: t.UserClaim}
			if t.JWKS != "" {
				iss.JWKS = []byte(t.JWKS)
			}
			app.TrustedTokenIssuers = append(app.TrustedTokenIssuers, iss)
		}
		out.Applications = append(out.Applications, app)
	}
	return out, nil
}

// arnAccount returns the account field of an ARN
// (arn:partition:service:region:account:resource), or "".
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}
