package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
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
	var rf roleFlags
	rf.register(fs)
	format := fs.String("format", "process", "process (credential_process JSON), env, env-no-export, powershell or windows-cmd")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, ok := credentialFormats[*format]; !ok && *format != "process" {
		return usagef("unknown --format %q: process, env, env-no-export, powershell or windows-cmd", *format)
	}
	_, creds, err := rf.credentials(ctx, stderr)
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
