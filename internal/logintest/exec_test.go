package logintest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	dom "github.com/ssooidc/ssooidc/internal/sso"
)

// stsServer is a server whose account 111111111111 gets role credentials
// from moto's STS (alice has Admin there) and whose account 222222222222
// has fixed ones (ReadOnly for the group devs). The home has a profile
// prod for the former.
func stsServer(t *testing.T) (*servertest.Server, string, *home) {
	motoURL := servertest.StartMoto(t)
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.Issuer = rolecreds.New(rolecreds.Config{
			STSEndpoint: motoURL, STSRegion: "us-east-1",
			Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""),
			Static:      map[string]rolecreds.Static{"222222222222": {AccessKeyID: "AKIASTATICEXAMPLE", SecretAccessKey: "static-secret", SessionToken: "static-session"}},
		})
		c.Directory = server.Directory{
			Accounts: []dom.Account{{ID: "111111111111", Name: "Production", Source: dom.SourceSTS},
				{ID: "222222222222", Name: "Sandbox", Source: dom.SourceStatic}},
			PermissionSets: []dom.PermissionSet{{Name: "Admin", SessionDuration: time.Hour}, {Name: "ReadOnly", SessionDuration: 2 * time.Hour}},
			Users:          []identity.UserSpec{{Name: "alice", Password: password, Groups: []string{"devs"}}},
			Assignments: []server.AssignmentDecl{
				{AccountID: "111111111111", PermissionSet: "Admin", User: "alice"},
				{AccountID: "222222222222", PermissionSet: "ReadOnly", Group: "devs"},
			},
		}
	}))
	h := newHome(t, srv)
	h.appendConfig(t, "\n[profile prod]\nsso_session = my-sso\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = eu-central-1\n")
	h.loginWithAPI(t, srv)
	return srv, motoURL, h
}

// appendConfig adds text to the home's AWS config file.
func (h *home) appendConfig(t *testing.T, text string) {
	t.Helper()
	p := filepath.Join(h.dir, ".aws", "config")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	write(t, p, string(b)+text)
}

var assumedRole = regexp.MustCompile(`arn:aws:sts::111111111111:assumed-role/Admin/alice`)

// TestExecWithMoto: `ssooidc exec -- aws sts get-caller-identity` gives the
// AWS CLI v2 the role's credentials (assumed in moto's STS through our
// portal), by variables and through the in-process credential server.
func TestExecWithMoto(t *testing.T) {
	t.Parallel()
	_, motoURL, h := stsServer(t)
	for _, mode := range [][]string{{}, {"--server"}} {
		args := append(append([]string{"exec", "--profile", "prod"}, mode...), "--", awsCLIv2, "sts", "get-caller-identity", "--endpoint-url", motoURL, "--output", "text")
		out := h.run(t, args...)
		if !assumedRole.MatchString(out) {
			t.Errorf("exec %v: %s", mode, out)
		}
	}
	// The environment: variables, region, marker; nothing that would send
	// an SDK elsewhere.
	env := h.run(t, "exec", "--profile", "prod", "--", "env")
	for _, want := range []string{"AWS_REGION=eu-central-1\n", "AWS_DEFAULT_REGION=eu-central-1\n", "SSOOIDC_EXEC_PROFILE=prod\n", "AWS_ACCESS_KEY_ID=", "AWS_SESSION_TOKEN=", "AWS_CREDENTIAL_EXPIRATION="} {
		if !strings.Contains(env, want) {
			t.Errorf("exec env lacks %q", want)
		}
	}
	h.env = append(h.env, "AWS_PROFILE=elsewhere", "AWS_ACCESS_KEY_ID=AKIAOLD")
	env = h.run(t, "exec", "--profile", "prod", "--server", "--", "env")
	if strings.Contains(env, "AWS_PROFILE=") || strings.Contains(env, "AWS_ACCESS_KEY_ID=") || !strings.Contains(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:") ||
		!regexp.MustCompile(`AWS_CONTAINER_AUTHORIZATION_TOKEN=[A-Za-z0-9_-]{43}\n`).MatchString(env) {
		t.Errorf("exec --server env:\n%s", env)
	}
}

// TestExecProcess: the command's exit status is ssooidc's, signals sent to
// ssooidc reach the command, and exec refuses to nest.
func TestExecProcess(t *testing.T) {
	t.Parallel()
	srv := portalServer(t)
	h := newHome(t, srv)
	h.loginWithAPI(t, srv)
	_, _, err := h.try("exec", "--profile", "dev", "--", "sh", "-c", "exit 7")
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 7 {
		t.Errorf("exit status: %v", err)
	}
	_, stderr, err := h.try("exec", "--profile", "dev", "--", binary, "exec", "--profile", "dev", "--", "true")
	if err == nil || !strings.Contains(stderr, `already inside `+"`ssooidc exec`"+` of profile "dev"`) {
		t.Errorf("nested exec: %v %s", err, stderr)
	}
	if _, stderr, err := h.try("exec", "--profile", "dev", "--", "no-such-command-here"); err == nil || !strings.Contains(stderr, "no-such-command-here") {
		t.Errorf("missing command: %v %s", err, stderr)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := start(t, ctx, h.env, binary, "exec", "--profile", "dev", "--", "sh", "-c", `trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.1; done`)
	cmd.await(t, ctx, regexp.MustCompile(`(ready)`))
	if err := cmd.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = <-cmd.done
	cmd.done <- err
	cmd.await(t, ctx, regexp.MustCompile(`(got-term)`))
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Errorf("after SIGTERM: %v\n%s", err, cmd.output())
	}
}
