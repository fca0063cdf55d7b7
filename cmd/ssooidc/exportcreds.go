package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/login"
)

// credentialFormats are the output formats of `aws configure
// export-credentials`, with the same names and lines.
var credentialFormats = map[string]string{
	"env":           "export %s=%s",
	"env-no-export": "%s=%s",
	"powershell":    `$Env:%s="%s"`,
	"windows-cmd":   "set %s=%s",
}

// cmdExportCredentials prints the role credentials of an SSO profile, as
// `aws configure export-credentials` does; the default format is the
// JSON of credential_process. Credentials are cached like the AWS CLI's
// (~/.aws/cli/cache); the token is refreshed if needed. It never opens a
// login: concurrent credential_process callers would open a tab each.
func cmdExportCredentials(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("export-credentials", "Usage: ssooidc export-credentials --profile P [--format process|env|env-no-export|powershell|windows-cmd] [--endpoint URL] [--cache-dir DIR]", stderr)
	var sf sessionFlags
	fs.StringVar(&sf.profile, "profile", "", "the SSO profile (sso_account_id, sso_role_name); default $AWS_PROFILE, then \"default\"")
	sf.register(fs, false)
	format := fs.String("format", "process", "process (credential_process JSON), env, env-no-export, powershell or windows-cmd")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, ok := credentialFormats[*format]; !ok && *format != "process" {
		return usagef("unknown --format %q: process, env, env-no-export, powershell or windows-cmd", *format)
	}
	cfg, err := sf.config()
	if err != nil {
		return err
	}
	sess, err := cfg.Profile(sf.profile)
	if err != nil {
		return err
	}
	if sess.AccountID == "" || sess.RoleName == "" {
		return fmt.Errorf("the profile %q has no sso_account_id and sso_role_name: it names no role to get credentials for", sess.Profile)
	}
	c := login.New(sess, sf.options, func(o *login.Options) {
		o.OnWait = waitNotice(stderr, sess, true)
	})
	creds, err := c.RoleCredentials(ctx, sess.AccountID, sess.RoleName)
	if err != nil {
		return err
	}
	exp := ""
	if creds.CanExpire {
		exp = creds.Expires.UTC().Format(time.RFC3339)
	}
	if *format == "process" {
		// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sourcing-external.html
		out := struct {
			Version         int
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string
			SessionToken    string `json:",omitempty"`
			Expiration      string `json:",omitempty"`
		}{1, creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken, exp}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	line := credentialFormats[*format]
	var b strings.Builder
	for _, kv := range [][2]string{
		{"AWS_ACCESS_KEY_ID", creds.AccessKeyID}, {"AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey},
		{"AWS_SESSION_TOKEN", creds.SessionToken}, {"AWS_CREDENTIAL_EXPIRATION", exp},
	} {
		if kv[1] != "" {
			fmt.Fprintf(&b, line+"\n", kv[0], kv[1])
		}
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}
