package logintest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	dom "github.com/ssooidc/ssooidc/internal/sso"
)

// readmeBlock returns the first fenced block of README.md in language lang
// that contains marker.
func readmeBlock(t *testing.T, lang, marker string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile("(?s)```"+lang+"\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		if strings.Contains(m[1], marker) {
			return m[1]
		}
	}
	t.Fatalf("README.md has no %s block with %q", lang, marker)
	return ""
}

// TestREADMEAWSCLI29: the README's instructions for the AWS CLI 2.9, run as
// written (the server's address in place of 127.0.0.1:8080) with the
// README's ~/.aws/config and Debian's AWS CLI 2.9.19, with no endpoint
// variables: the sso-oidc rule set signs in at our server and the sso one
// gets the role's credentials from our portal.
func TestREADMEAWSCLI29(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.Issuer = rolecreds.New(rolecreds.Config{Static: map[string]rolecreds.Static{
			"123456789012": {AccessKeyID: "AKIAREADMEEXAMPLE", SecretAccessKey: "readme-secret", SessionToken: "readme-session"}}})
		c.Directory = server.Directory{
			Accounts:       []dom.Account{{ID: "123456789012", Name: "README", Source: dom.SourceStatic}},
			PermissionSets: []dom.PermissionSet{{Name: "Admin", SessionDuration: time.Hour}},
			Users:          []identity.UserSpec{{Name: "alice", Password: password}},
			Assignments:    []server.AssignmentDecl{{AccountID: "123456789012", PermissionSet: "Admin", User: "alice"}},
		}
	}))
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, ".aws", "config"), readmeBlock(t, "ini", "[sso-session my-sso]"))
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o700); err != nil {
		t.Fatal(err)
	}
	// "aws" is the AWS CLI v2 (the machine's first aws may be v1).
	if err := os.Symlink(awsCLIv2, filepath.Join(bin, "aws")); err != nil {
		t.Fatal(err)
	}
	script := strings.ReplaceAll(readmeBlock(t, "sh", "for api in sso-oidc sso"), "http://127.0.0.1:8080", srv.URL)
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || k == "HOME" || k == "PATH" || k == "BROWSER" || k == "DISPLAY" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+dir, "PATH="+bin+":/usr/bin:/bin", "BROWSER=true", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := start(t, ctx, env, "bash", "-e", "-c", script)
	code := run.await(t, ctx, regexp.MustCompile(`(?m)^([A-Z]{4}-[A-Z]{4})$`))
	srv.Decide(t, code, "alice", true)
	run.wait(t)
	out := run.output()
	for _, want := range []string{"Successfully logged into Start URL", "export AWS_ACCESS_KEY_ID=AKIAREADMEEXAMPLE\n", "export AWS_SESSION_TOKEN=readme-session\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the README's commands printed no %q:\n%s", want, out)
		}
	}
	if n := ops(srv, 0, "GetRoleCredentials"); n != 1 {
		t.Errorf("%d GetRoleCredentials at our portal", n)
	}
}
