package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ssooidc/ssooidc/internal/access"
	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// portalConfig is the config file's "portal" section: where role
// credentials come from and the directory of access.
//
//	portal:
//	  sts:
//	    endpoint: https://sts.us-east-1.amazonaws.com   # any STS-compatible endpoint
//	    region: us-east-1
//	    # base credentials; omitted: the AWS SDK's default chain
//	    access_key_id: AKIA...
//	    secret_access_key: ...
//	  accounts:
//	    - {id: "111111111111", name: Production, email: prod@example.com}            # source: sts
//	    - {id: "222222222222", name: Sandbox, source: static,
//	       static: {access_key_id: AKIA..., secret_access_key: ...}}
//	  role_names: permission_set   # or identity_center: AWSReservedSSO_{name}_{suffix} roles
//	  permission_sets:
//	    - {name: AdministratorAccess, session_duration: 1h}
//	    - {name: ReadOnly, role_suffix: 0123456789abcdef}   # the suffix of a role a real Identity Center made
//	  assignments:
//	    - {account: "111111111111", permission_set: AdministratorAccess, user: alice}
//	    - {account: "222222222222", permission_set: AdministratorAccess, group: devs}
//	  console:                     # "Console" on the access portal for sts accounts
//	    enabled: true
//	    federation_url: https://signin.aws.amazon.com/federation   # default: the region's partition's
type portalConfig struct {
	STS            stsConfig             `yaml:"sts"`
	Console        consoleConfig         `yaml:"console"`
	RoleNames      string                `yaml:"role_names"`
	Accounts       []accountConfig       `yaml:"accounts"`
	PermissionSets []permissionSetConfig `yaml:"permission_sets"`
	Assignments    []assignmentConfig    `yaml:"assignments"`
}

type stsConfig struct {
	Endpoint        string `yaml:"endpoint"`
	Region          string `yaml:"region"`
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key"`
	SessionToken    string `yaml:"session_token"`
}

type accountConfig struct {
	ID              string            `yaml:"id"`
	Name            string            `yaml:"name"`
	Email           string            `yaml:"email"`
	Source          string            `yaml:"source"`
	RoleARN         string            `yaml:"role_arn"`
	CredentialsFile string            `yaml:"credentials_file"`
	Static          *rolecreds.Static `yaml:"static"`
}

type permissionSetConfig struct {
	Name            string        `yaml:"name"`
	Description     string        `yaml:"description"`
	SessionDuration time.Duration `yaml:"session_duration"`
	RoleSuffix      string        `yaml:"role_suffix"`
}

// consoleConfig is "portal.console": console sign-in from the access
// portal's page (issue 18).
type consoleConfig struct {
	Enabled       bool   `yaml:"enabled"`
	FederationURL string `yaml:"federation_url"`
	Region        string `yaml:"region"`
}

// options checks the section and returns what the server takes.
func (c consoleConfig) options() (access.ConsoleOptions, error) {
	if c.FederationURL != "" {
		u, err := url.Parse(c.FederationURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.User != nil {
			return access.ConsoleOptions{}, fmt.Errorf("portal.console.federation_url %q is not an http(s) URL without a query", c.FederationURL)
		}
	}
	return access.ConsoleOptions{Enabled: c.Enabled, FederationURL: c.FederationURL, Region: c.Region}, nil
}

type assignmentConfig struct {
	Account       string `yaml:"account"`
	PermissionSet string `yaml:"permission_set"`
	User          string `yaml:"user"`
	Group         string `yaml:"group"`
}

// directory turns the section into what the server declares at start.
func (p portalConfig) directory() (server.Directory, error) {
	var d server.Directory
	for _, a := range p.Accounts {
		d.Accounts = append(d.Accounts, sso.Account{ID: a.ID, Name: a.Name, Email: a.Email, Source: a.Source,
			RoleARN: a.RoleARN, CredentialsFile: a.CredentialsFile})
		if a.Static != nil && a.Source != sso.SourceStatic {
			return d, fmt.Errorf("config account %s: static credentials need source: static", a.ID)
		}
	}
	for _, ps := range p.PermissionSets {
		d.PermissionSets = append(d.PermissionSets, sso.PermissionSet{Name: ps.Name, Description: ps.Description,
			SessionDuration: ps.SessionDuration, RoleSuffix: ps.RoleSuffix})
	}
	for i, a := range p.Assignments {
		if (a.User == "") == (a.Group == "") {
			return d, fmt.Errorf("config assignments[%d]: give exactly one of user and group", i)
		}
		d.Assignments = append(d.Assignments, server.AssignmentDecl{AccountID: a.Account, PermissionSet: a.PermissionSet,
			User: a.User, Group: a.Group})
	}
	return d, nil
}

// issuer builds the role-credential sources. Base credentials for STS are
// the configured keys, else the AWS SDK's default chain (environment,
// profile, instance role), resolved only when an STS account is used.
func (p portalConfig) issuer(ctx context.Context, region string) (*rolecreds.Issuer, error) {
	if err := rolecreds.CheckRoleNames(p.RoleNames); err != nil {
		return nil, fmt.Errorf("portal.role_names: %w", err)
	}
	cfg := rolecreds.Config{STSEndpoint: p.STS.Endpoint, STSRegion: p.STS.Region, Static: map[string]rolecreds.Static{},
		RoleNames: p.RoleNames, HomeRegion: region}
	if p.STS.AccessKeyID != "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(p.STS.AccessKeyID, p.STS.SecretAccessKey, p.STS.SessionToken)
	} else {
		ac, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("loading AWS credentials for STS: %w", err)
		}
		cfg.Credentials = aws.NewCredentialsCache(ac.Credentials)
	}
	for _, a := range p.Accounts {
		if a.Static != nil {
			cfg.Static[a.ID] = *a.Static
		}
	}
	return rolecreds.New(cfg), nil
}
