package login

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ssooidc/ssooidc/portal"
)

// CredentialsRefresh is how long before their expiry cached role
// credentials are replaced, botocore's CachedCredentialFetcher window.
const CredentialsRefresh = 15 * time.Minute

// RoleCredentialsKey is the AWS CLI's cache key of a role's credentials
// (WIRE.md 6.2): the SHA-1 of json.dumps({"accountId", "roleName",
// "sessionName" or "startUrl"}, sort_keys=True, separators=(',', ':')).
func RoleCredentialsKey(accountID, roleName, sessionName, startURL string) string {
	k := `{"accountId":` + pyString(accountID) + `,"roleName":` + pyString(roleName)
	if sessionName != "" {
		k += `,"sessionName":` + pyString(sessionName) + `}`
	} else {
		k += `,"startUrl":` + pyString(startURL) + `}`
	}
	return sha1Hex(k)
}

func (c *Client) roleCredentialsPath(accountID, roleName string) string {
	return filepath.Join(c.opts.CredentialsCacheDir, RoleCredentialsKey(accountID, roleName, c.sess.Name, c.sess.StartURL)+".json")
}

// cachedRoleCredentials is the AWS CLI's role-credential file.
type cachedRoleCredentials struct {
	ProviderType string
	Credentials  struct {
		AccessKeyID     string
		SecretAccessKey string
		SessionToken    string
		Expiration      time.Time
		AccountID       string
	}
}

func parseRoleCredentials(data []byte) (*cachedRoleCredentials, error) {
	fields, err := decodeObject(data)
	if err != nil {
		return nil, err
	}
	out := &cachedRoleCredentials{}
	for _, f := range fields {
		switch f.key {
		case "ProviderType":
			out.ProviderType = rawString(f.raw)
		case "Credentials":
			inner, err := decodeObject(f.raw)
			if err != nil {
				return nil, err
			}
			for _, g := range inner {
				switch g.key {
				case "AccessKeyId":
					out.Credentials.AccessKeyID = rawString(g.raw)
				case "SecretAccessKey":
					out.Credentials.SecretAccessKey = rawString(g.raw)
				case "SessionToken":
					out.Credentials.SessionToken = rawString(g.raw)
				case "Expiration":
					out.Credentials.Expiration, _ = parseTime(rawString(g.raw))
				case "AccountId":
					out.Credentials.AccountID = rawString(g.raw)
				}
			}
		}
	}
	if out.Credentials.AccessKeyID == "" || out.Credentials.SecretAccessKey == "" {
		return nil, errors.New("no credentials in the file")
	}
	return out, nil
}

func (r *cachedRoleCredentials) marshal() []byte {
	var in objectWriter
	in.str("AccessKeyId", r.Credentials.AccessKeyID)
	in.str("SecretAccessKey", r.Credentials.SecretAccessKey)
	in.str("SessionToken", r.Credentials.SessionToken)
	in.str("Expiration", formatTime(r.Credentials.Expiration))
	in.strOmitEmpty("AccountId", r.Credentials.AccountID)
	var w objectWriter
	w.str("ProviderType", "sso")
	w.raw("Credentials", in.bytes())
	return w.bytes()
}

func (r *cachedRoleCredentials) credentials() aws.Credentials {
	return aws.Credentials{
		AccessKeyID: r.Credentials.AccessKeyID, SecretAccessKey: r.Credentials.SecretAccessKey,
		SessionToken: r.Credentials.SessionToken, Source: "ssooidc",
		CanExpire: !r.Credentials.Expiration.IsZero(), Expires: r.Credentials.Expiration,
		AccountID: r.Credentials.AccountID,
	}
}

func (c *Client) loadRoleCredentials(path string) *cachedRoleCredentials {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	r, err := parseRoleCredentials(data)
	if err != nil || r.Credentials.Expiration.Sub(c.now()) < CredentialsRefresh {
		return nil
	}
	return r
}

// RoleCredentials returns credentials of the role through the portal's
// GetRoleCredentials with the session's token (refreshed if needed),
// cached in the AWS CLI's role-credential cache (WIRE.md 6.2) and reused
// until CredentialsRefresh before they expire. Concurrent callers share
// one portal call. An invalid token gives a *LoginRequiredError.
func (c *Client) RoleCredentials(ctx context.Context, accountID, roleName string) (aws.Credentials, error) {
	if accountID == "" || roleName == "" {
		return aws.Credentials{}, &ConfigError{Msg: "role credentials need an account id and a role name (sso_account_id and sso_role_name)"}
	}
	path := c.roleCredentialsPath(accountID, roleName)
	if r := c.loadRoleCredentials(path); r != nil {
		return r.credentials(), nil
	}
	unlock, err := lockPath(ctx, path[:len(path)-len(".json")]+".lock", "credentials", nil)
	if err != nil {
		return aws.Credentials{}, err
	}
	defer unlock()
	if r := c.loadRoleCredentials(path); r != nil {
		return r.credentials(), nil
	}
	tok, err := c.Token(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	pc, err := c.portalClient(ctx, c.region(tok))
	if err != nil {
		return aws.Credentials{}, err
	}
	out, err := pc.GetRoleCredentials(ctx, &portal.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountID: accountID, RoleName: roleName})
	var unauth *portal.UnauthorizedException
	if errors.As(err, &unauth) {
		return aws.Credentials{}, c.loginRequired("the server no longer accepts the session's token", err)
	}
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("getting credentials of role %s in account %s: %w", roleName, accountID, c.explainPortal(pc, c.region(tok), err))
	}
	if out.RoleCredentials == nil || out.RoleCredentials.AccessKeyID == "" {
		return aws.Credentials{}, fmt.Errorf("getting credentials of role %s in account %s: the answer has none", roleName, accountID)
	}
	rc := out.RoleCredentials
	r := &cachedRoleCredentials{ProviderType: "sso"}
	r.Credentials.AccessKeyID, r.Credentials.SecretAccessKey, r.Credentials.SessionToken = rc.AccessKeyID, rc.SecretAccessKey, rc.SessionToken
	r.Credentials.Expiration, r.Credentials.AccountID = rc.Expiration, accountID
	if err := writeFileAtomic(path, r.marshal()); err != nil {
		return aws.Credentials{}, fmt.Errorf("writing the credential cache: %w", err)
	}
	return r.credentials(), nil
}

// RemoveRoleCredentials deletes the cached credentials of one role of the
// session.
func (c *Client) RemoveRoleCredentials(accountID, roleName string) error {
	err := os.Remove(c.roleCredentialsPath(accountID, roleName))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// RemoveAllRoleCredentials deletes every cached SSO role credential in dir
// (the files whose ProviderType is "sso"), as `aws sso logout` does.
func RemoveAllRoleCredentials(dir string) error {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		fields, err := decodeObject(data)
		if err != nil {
			continue
		}
		for _, f := range fields {
			if f.key == "ProviderType" && rawString(f.raw) == "sso" {
				if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}
