package ssooidctest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/ssooidc/ssooidc/login"
	"github.com/ssooidc/ssooidc/ssooidctest"
)

const awsCLIv2 = "/usr/bin/aws" // the first "aws" on PATH may be v1

func awsCLI(t *testing.T, home *ssooidctest.Home, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsCLIv2, args...)
	cmd.Env = home.Env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestHomeAWSCLI: the AWS CLI v2 (2.9.19) in a home of NewHome uses the
// server for the profiles of SharedConfig: after Home.Login with no login
// of its own, and after its own "aws sso login --no-browser" under
// WithAutoApprove.
func TestHomeAWSCLI(t *testing.T) {
	t.Parallel()
	other := ssooidctest.Account{ID: "333333333333", Credentials: ssooidctest.Credentials{AccessKeyID: "ASIAOTHEREXAMPLE0001",
		SecretAccessKey: "other-secret", SessionToken: "other-session"}}
	t.Run("Home.Login", func(t *testing.T) {
		t.Parallel()
		srv := ssooidctest.New(t, ssooidctest.WithAccounts(prod, other), ssooidctest.WithAssignments(
			ssooidctest.Assignment{User: "alice", AccountID: prod.ID, PermissionSet: "Admin"},
			ssooidctest.Assignment{User: "alice", AccountID: other.ID, PermissionSet: "ReadOnly"}))
		home := srv.NewHome(t)
		if err := home.Login("alice"); err != nil {
			t.Fatal(err)
		}
		// The first profile is also [default].
		for _, tc := range []struct {
			args []string
			want ssooidctest.Credentials
		}{
			{nil, prod.Credentials},
			{[]string{"--profile", srv.Profile(other.ID, "ReadOnly")}, other.Credentials},
		} {
			out := awsCLI(t, home, append([]string{"configure", "export-credentials", "--format", "env"}, tc.args...)...)
			if !strings.Contains(out, "AWS_ACCESS_KEY_ID="+tc.want.AccessKeyID+"\n") ||
				!strings.Contains(out, "AWS_SESSION_TOKEN="+tc.want.SessionToken+"\n") {
				t.Errorf("export-credentials %v:\n%s", tc.args, out)
			}
		}
		if srv.Profile(other.ID, "Admin") != "" {
			t.Error("a profile for a role nobody has")
		}
	})
	t.Run("aws sso login", func(t *testing.T) {
		t.Parallel()
		srv := ssooidctest.New(t, ssooidctest.WithAccounts(prod), ssooidctest.WithAutoApprove("ci"),
			ssooidctest.WithAssignments(ssooidctest.Assignment{User: "ci", AccountID: prod.ID, PermissionSet: "Deploy"}))
		home := srv.NewHome(t)
		p := srv.Profile(prod.ID, "Deploy")
		if out := awsCLI(t, home, "sso", "login", "--profile", p, "--no-browser"); !strings.Contains(out, "Successfully logged into") {
			t.Fatalf("aws sso login:\n%s", out)
		}
		if out := awsCLI(t, home, "configure", "export-credentials", "--profile", p, "--format", "env"); !strings.Contains(out, prod.Credentials.AccessKeyID) {
			t.Errorf("export-credentials:\n%s", out)
		}
		// The CLI's cache is where Home.Login writes: the same session.
		tok, err := (&login.Cache{Dir: home.CacheDir()}).LoadToken(ssooidctest.SessionName)
		if err != nil || tok.RefreshToken == "" || tok.StartURL != srv.StartURL {
			t.Errorf("the CLI's token: %v %+v", err, tok)
		}
	})
}

// TestHomeAWSSDKInProcess: a tool that runs in the test's own process and
// loads its configuration the usual way (config.LoadDefaultConfig) gets
// the role's credentials after Home.Setenv and Home.Login, through the
// [services] section of SharedConfig alone (the endpoint variables
// emptied). Not parallel: it sets the process's environment.
func TestHomeAWSSDKInProcess(t *testing.T) {
	srv := ssooidctest.New(t, ssooidctest.WithAccounts(prod),
		ssooidctest.WithAssignments(ssooidctest.Assignment{User: "alice", AccountID: prod.ID, PermissionSet: "Admin"}))
	home := srv.NewHome(t)
	if err := home.Login("alice"); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
		}
	}
	home.Setenv(t)
	t.Setenv("AWS_ENDPOINT_URL_SSO_OIDC", "")
	t.Setenv("AWS_ENDPOINT_URL_SSO", "")
	t.Setenv("AWS_PROFILE", srv.Profile(prod.ID, "Admin"))
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatalf("credentials: %v", err)
	}
	if c.AccessKeyID != prod.Credentials.AccessKeyID || c.SecretAccessKey != prod.Credentials.SecretAccessKey || !c.CanExpire {
		t.Errorf("credentials %s (%s)", c.AccessKeyID, c.Source)
	}
}

// TestSharedConfig: the file names the session, every assigned role once,
// the first as [default], and the server's endpoints.
func TestSharedConfig(t *testing.T) {
	t.Parallel()
	srv := ssooidctest.New(t, ssooidctest.WithRegion("eu-west-1"), ssooidctest.WithStartURL("https://d-9999999999.awsapps.com/start"),
		ssooidctest.WithAssignments(
			ssooidctest.Assignment{User: "alice", AccountID: "111111111111", PermissionSet: "Admin"},
			ssooidctest.Assignment{Group: "devs", AccountID: "111111111111", PermissionSet: "Admin"},
			ssooidctest.Assignment{User: "bob", AccountID: "222222222222", PermissionSet: "ReadOnly"}))
	want := `[default]
sso_session = ssooidctest
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1
services = ssooidctest

[profile 111111111111-Admin]
sso_session = ssooidctest
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1
services = ssooidctest

[profile 222222222222-ReadOnly]
sso_session = ssooidctest
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = eu-west-1
services = ssooidctest

[sso-session ssooidctest]
sso_start_url = https://d-9999999999.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[services ssooidctest]
sso_oidc =
  endpoint_url = ` + srv.URL + `
sso =
  endpoint_url = ` + srv.URL + `
`
	if got := srv.SharedConfig(); got != want {
		t.Errorf("SharedConfig:\n%s\nwant:\n%s", got, want)
	}
	if len(srv.Profiles()) != 2 || srv.Region != "eu-west-1" || srv.StartURL != "https://d-9999999999.awsapps.com/start" {
		t.Errorf("profiles %v, region %s, start URL %s", srv.Profiles(), srv.Region, srv.StartURL)
	}
	// The session parses as login (and the AWS CLI) read it.
	c := login.ParseConfig("config", []byte(want))
	s, err := c.SSOSession("ssooidctest")
	if err != nil || s.StartURL != srv.StartURL || s.Region != "eu-west-1" {
		t.Errorf("the sso-session: %v %+v", err, s)
	}
}
