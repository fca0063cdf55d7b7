//go:build unix

package ssooidctest

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/servertest"
)

// These tests run the built ssooidc command with --auto-approve, as a CI
// job does, against real clients: Debian's AWS CLI v2 (2.9.19) and
// botocore replaying the AWS CLI 2.22's PKCE login.

const awsCLIv2 = "/usr/bin/aws" // the first "aws" on PATH may be v1

// ciConfig is the server's config file of these tests: one account with
// fixed credentials, whose ReadOnly role is assigned to ci.
const ciConfig = `portal:
  accounts:
    - {id: "111111111111", name: ci, source: static,
       static: {access_key_id: AKIAIOSFODNN7EXAMPLE, secret_access_key: ci-secret-key}}
  permission_sets:
    - {name: ReadOnly}
  assignments:
    - {account: "111111111111", permission_set: ReadOnly, user: ci}
`

// served is a running "ssooidc serve".
type served struct {
	url string
	log *servertest.Buffer // standard error: the log, in text
}

// serveBinary runs "ssooidc serve" on a free loopback port with args
// until the test ends, and returns once it serves.
func serveBinary(t *testing.T, args ...string) *served {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(ssooidcBinary(t), append([]string{"serve", "--addr", addr, "--log-format", "text"}, args...)...)
	cmd.Env = hostEnv()
	// Its own process group: a job step may leave children behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	s := &served{url: "http://" + addr, log: &servertest.Buffer{}}
	cmd.Stderr = s.log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ssooidc is serving at ") {
				ready <- true
			}
		}
		done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Errorf("serve did not stop on SIGTERM")
		}
	})
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve %v ended: %v\n%s", args, err, s.log.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("serve %v did not start:\n%s", args, s.log.String())
	}
	return s
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// runOut runs name with env and returns its combined output; it fails t
// when the command fails or takes more than a minute.
func runOut(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestServeAutoApproveAWSCLI: "ssooidc serve --dev --auto-approve ci" and
// "aws sso login --no-browser" with the AWS CLI v2: the login finishes
// with nobody approving, the profile gets the role's credentials, and the
// log warns at start and once per approval, with its audit event.
func TestServeAutoApproveAWSCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ssooidc.yaml")
	if err := os.WriteFile(cfg, []byte(ciConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	s := serveBinary(t, "--dev", "--auto-approve", "ci", "--config", cfg, "--data-dir", filepath.Join(dir, "data"))
	// A home for that server, as the kit writes them (the AWS CLI 2.9
	// finds the server through AWS_DATA_PATH).
	kit := &Server{URL: s.url, StartURL: DefaultStartURL, Region: DefaultRegion,
		profiles: []Profile{{Name: "ci", AccountID: "111111111111", RoleName: "ReadOnly"}}}
	home := kit.NewHome(t)
	// AWS CLI 2.9 has only the device flow; --no-browser prints the URL
	// and the code, which nobody visits.
	out := runOut(t, home.Env, awsCLIv2, "sso", "login", "--profile", "ci", "--no-browser")
	if !strings.Contains(out, "Successfully logged into Start URL: "+DefaultStartURL) {
		t.Fatalf("aws sso login:\n%s", out)
	}
	creds := runOut(t, home.Env, awsCLIv2, "configure", "export-credentials", "--profile", "ci", "--format", "env")
	if !strings.Contains(creds, "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE") || !strings.Contains(creds, "AWS_SECRET_ACCESS_KEY=ci-secret-key") {
		t.Errorf("export-credentials:\n%s", creds)
	}
	log := s.log.String()
	for _, want := range []string{
		`level=WARN msg="auto-approve is on: every device authorization and every /authorize request is approved as \"ci\"`,
		`level=WARN msg="auto-approved a device authorization" user=ci`,
		`event=device.approved actor_type=admin actor_id=auto-approve target_type=client`,
	} {
		if n := strings.Count(log, want); n != 1 {
			t.Errorf("the log has %q %d times, want once:\n%s", want, n, log)
		}
	}
	if strings.Contains(log, "password") {
		t.Errorf("the log mentions a password:\n%s", log)
	}
}

// TestServeAutoApproveBotocorePKCE: botocore, replaying the AWS CLI
// 2.22's authorization-code login byte for byte, against "serve --dev
// --auto-approve", with BROWSER set as the README says: curl opens the
// URL, the server redirects it with a code to the login's loopback
// listener, and the code becomes tokens that refresh.
func TestServeAutoApproveBotocorePKCE(t *testing.T) {
	t.Parallel()
	s := serveBinary(t, "--dev", "--auto-approve", "ci", "--data-dir", t.TempDir())
	env := append(hostEnv(), "BROWSER=curl -fsSL -o /dev/null %s &", "HOME="+t.TempDir())
	out := runOut(t, env, "python3", "testdata/pkce_login.py", s.url, DefaultStartURL, DefaultRegion, "ci")
	var got struct {
		Opened       bool    `json:"opened"`
		Callback     bool    `json:"callback"`
		StateMatches bool    `json:"state_matches"`
		Error        *string `json:"error"`
		AccessToken  bool    `json:"access_token"`
		RefreshToken bool    `json:"refresh_token"`
		ExpiresIn    int     `json:"expires_in"`
		Refreshed    bool    `json:"refreshed"`
	}
	if err := json.Unmarshal([]byte(out[strings.LastIndex(out, "{"):]), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !got.Opened || !got.Callback || !got.StateMatches || got.Error != nil || !got.AccessToken || !got.RefreshToken ||
		got.ExpiresIn != 3600 || !got.Refreshed {
		t.Fatalf("the PKCE login: %s", out)
	}
	log := s.log.String()
	for _, want := range []string{
		`level=WARN msg="auto-approved an authorization request" user=ci`,
		`event=authorize.approved actor_type=admin actor_id=auto-approve target_type=client`,
	} {
		if n := strings.Count(log, want); n != 1 {
			t.Errorf("the log has %q %d times, want once:\n%s", want, n, log)
		}
	}
}
