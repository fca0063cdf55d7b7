package rolecreds

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ssooidc/ssooidc/internal/access"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Static are fixed credentials of an account.
type Static struct {
	AccessKeyID     string `json:"accessKeyId" yaml:"access_key_id"`
	SecretAccessKey string `json:"secretAccessKey" yaml:"secret_access_key"`
	SessionToken    string `json:"sessionToken,omitempty" yaml:"session_token"`
}

// Config configures an Issuer.
type Config struct {
	// STSEndpoint is the STS endpoint URL; empty means AWS's for STSRegion.
	STSEndpoint string
	// STSRegion signs the STS calls; default us-east-1.
	STSRegion string
	// Credentials are the base credentials that call AssumeRole.
	Credentials aws.CredentialsProvider
	// Static holds inline fixed credentials by account id (from the config
	// file; never stored in the database).
	Static map[string]Static
	// RoleNames is how the role of a permission set is named in an
	// account: RoleNamesPermissionSet (default) or RoleNamesIdentityCenter.
	RoleNames string
	// HomeRegion is the instance's region, part of the path of the roles
	// Identity Center makes; default us-east-1.
	HomeRegion string
	// HTTPClient for STS; default a client with a 10 s timeout.
	HTTPClient *http.Client
	Now        func() time.Time
}

// Role naming schemes.
const (
	// RoleNamesPermissionSet: the role is named like the permission set,
	// arn:aws:iam::{account}:role/{permission set}.
	RoleNamesPermissionSet = "permission_set"
	// RoleNamesIdentityCenter: the role Identity Center provisions for a
	// permission set, arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/{region}/AWSReservedSSO_{permission set}_{16 hex},
	// with the suffix stored per permission set (settable, so roles a
	// real Identity Center made can be used).
	RoleNamesIdentityCenter = "identity_center"
)

// Issuer implements access.Issuer.
type Issuer struct {
	cfg Config
	sts *sts.Client
}

// New returns an Issuer.
func New(cfg Config) *Issuer {
	if cfg.STSRegion == "" {
		cfg.STSRegion = "us-east-1"
	}
	if cfg.RoleNames == "" {
		cfg.RoleNames = RoleNamesPermissionSet
	}
	if cfg.HomeRegion == "" {
		cfg.HomeRegion = "us-east-1"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	opts := sts.Options{Region: cfg.STSRegion, Credentials: cfg.Credentials, HTTPClient: cfg.HTTPClient, RetryMaxAttempts: 3}
	if cfg.STSEndpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.STSEndpoint)
	}
	return &Issuer{cfg: cfg, sts: sts.New(opts)}
}

// RoleCredentials implements access.Issuer.
func (i *Issuer) RoleCredentials(ctx context.Context, acct sso.Account, ps sso.PermissionSet, user sso.User) (access.Credentials, error) {
	switch acct.Source {
	case sso.SourceStatic:
		return i.static(acct, ps)
	case sso.SourceSTS, "":
		return i.assume(ctx, acct, ps, user)
	}
	return access.Credentials{}, fmt.Errorf("account %s: unknown credential source %q", acct.ID, acct.Source)
}

func (i *Issuer) static(acct sso.Account, ps sso.PermissionSet) (access.Credentials, error) {
	var s Static
	if acct.CredentialsFile != "" {
		b, err := os.ReadFile(acct.CredentialsFile)
		if err != nil {
			return access.Credentials{}, fmt.Errorf("account %s: reading its credentials file: %w", acct.ID, err)
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return access.Credentials{}, fmt.Errorf("account %s: its credentials file is not JSON with accessKeyId and secretAccessKey", acct.ID)
		}
	} else {
		var ok bool
		if s, ok = i.cfg.Static[acct.ID]; !ok {
			return access.Credentials{}, fmt.Errorf("account %s: static credentials are not configured", acct.ID)
		}
	}
	if s.AccessKeyID == "" || s.SecretAccessKey == "" {
		return access.Credentials{}, fmt.Errorf("account %s: static credentials lack an access key id or secret", acct.ID)
	}
	return access.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken,
		Expiration: i.cfg.Now().Add(duration(ps)).Truncate(time.Second)}, nil
}

// CheckRoleNames reports whether names is a role naming scheme.
func CheckRoleNames(names string) error {
	switch names {
	case "", RoleNamesPermissionSet, RoleNamesIdentityCenter:
		return nil
	}
	return fmt.Errorf("role names %q are not %s or %s", names, RoleNamesPermissionSet, RoleNamesIdentityCenter)
}

// RoleName returns the name of the permission set's role under the
// scheme names.
func RoleName(names string, ps sso.PermissionSet) string {
	if names == RoleNamesIdentityCenter {
		return "AWSReservedSSO_" + ps.Name + "_" + ps.RoleSuffix
	}
	return ps.Name
}

// RoleARN returns the role an assignment assumes: the account's role_arn
// template with {account_id}, {permission_set} and {role_name} replaced,
// or the default of the naming scheme.
func (i *Issuer) RoleARN(acct sso.Account, ps sso.PermissionSet) string {
	t := acct.RoleARN
	if t == "" {
		t = "arn:aws:iam::{account_id}:role/{permission_set}"
		if i.cfg.RoleNames == RoleNamesIdentityCenter {
			t = "arn:aws:iam::{account_id}:role/aws-reserved/sso.amazonaws.com/" + i.cfg.HomeRegion + "/{role_name}"
		}
	}
	return strings.NewReplacer("{account_id}", acct.ID, "{permission_set}", ps.Name,
		"{role_name}", RoleName(i.cfg.RoleNames, ps)).Replace(t)
}

var sessionNameBad = regexp.MustCompile(`[^\w+=,.@-]`)

// sessionName makes a valid RoleSessionName / SourceIdentity (2 to 64 of
// [\w+=,.@-]) from a user name.
func sessionName(user string) string {
	s := sessionNameBad.ReplaceAllString(user, "-")
	if len(s) > 64 {
		s = s[:64]
	}
	for len(s) < 2 {
		s += "-"
	}
	return s
}

func duration(ps sso.PermissionSet) time.Duration {
	if ps.SessionDuration <= 0 {
		return access.DefaultSessionDuration
	}
	return ps.SessionDuration
}

func (i *Issuer) assume(ctx context.Context, acct sso.Account, ps sso.PermissionSet, user sso.User) (access.Credentials, error) {
	name := sessionName(user.Name)
	out, err := i.sts.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String(i.RoleARN(acct, ps)),
		RoleSessionName: aws.String(name),
		SourceIdentity:  aws.String(name),
		DurationSeconds: aws.Int32(int32(duration(ps) / time.Second)),
	})
	if err != nil {
		return access.Credentials{}, fmt.Errorf("STS AssumeRole for account %s role %s: %w", acct.ID, ps.Name, err)
	}
	c := out.Credentials
	if c == nil || c.AccessKeyId == nil || c.SecretAccessKey == nil || c.Expiration == nil {
		return access.Credentials{}, fmt.Errorf("STS AssumeRole for account %s returned no credentials", acct.ID)
	}
	return access.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey,
		SessionToken: aws.ToString(c.SessionToken), Expiration: *c.Expiration}, nil
}
