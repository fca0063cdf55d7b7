package logintest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/login"
	"github.com/ssooidc/ssooidc/ssooidctest"
)

const (
	password = "correct horse battery"
	// awsCLIv2 is Debian's AWS CLI v2 (2.9.19); a v1 "aws" may come
	// earlier on PATH.
	awsCLIv2 = "/usr/bin/aws"
)

// binary is the ssooidc command, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "logintest")
	if err != nil {
		panic(err)
	}
	code := 1
	if err := build(dir); err != nil {
		fmt.Fprintln(os.Stderr, "building ssooidc:", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func build(dir string) error {
	root, err := filepath.Abs("../..")
	if err != nil {
		return err
	}
	binary = filepath.Join(dir, "ssooidc")
	cmd := exec.Command("go", "build", "-o", binary, "./cmd/ssooidc")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	return nil
}

// home is a user's home directory with an AWS config pointing at a server.
type home struct {
	dir string
	env []string
}

const configTemplate = `[sso-session my-sso]
sso_start_url = %[1]s
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = my-sso
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = us-east-1

[profile legacy]
sso_start_url = %[1]s
sso_region = us-east-1
sso_account_id = 222222222222
sso_role_name = ReadOnly
`

// newHome writes the config and an AWS_DATA_PATH whose SSO OIDC and SSO
// endpoint rule sets send the AWS CLI v2 (2.9, which predates
// AWS_ENDPOINT_URL_SSO_OIDC) to srv; the other tools use the
// AWS_ENDPOINT_URL_* variables. The environment is headless (no display,
// no browser) and free of the machine's AWS settings.
func newHome(t *testing.T, srv *servertest.Server) *home {
	t.Helper()
	dir := t.TempDir()
	aws := filepath.Join(dir, ".aws")
	if err := os.MkdirAll(aws, 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(aws, "config"), fmt.Sprintf(configTemplate, servertest.StartURL))
	// The same rule set for the portal API ("sso"): the AWS CLI 2.9 calls
	// GetRoleCredentials there (README: "AWS CLI 2.9 to 2.12").
	for _, svc := range []string{"sso-oidc", "sso"} {
		data := filepath.Join(dir, "aws-data", svc, "2019-06-10")
		if err := os.MkdirAll(data, 0o700); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(data, "endpoint-rule-set-1.json"), ssooidctest.EndpointRuleSet(srv.URL))
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "SSOOIDC_") || k == "BROWSER" || k == "DISPLAY" || k == "WAYLAND_DISPLAY" || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+dir, "AWS_CONFIG_FILE="+filepath.Join(aws, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(aws, "credentials"), "AWS_DATA_PATH="+filepath.Join(dir, "aws-data"),
		"AWS_ENDPOINT_URL_SSO_OIDC="+srv.URL, "AWS_ENDPOINT_URL_SSO="+srv.URL,
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true")
	return &home{dir: dir, env: env}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (h *home) cacheDir() string { return filepath.Join(h.dir, ".aws", "sso", "cache") }

func (h *home) cache() *login.Cache { return &login.Cache{Dir: h.cacheDir()} }

// tokenPath is the token file of the sso-session my-sso.
func (h *home) tokenPath() string {
	return (&login.Cache{Dir: h.cacheDir()}).TokenPath("my-sso")
}

// run runs the binary and returns its standard output; it fails t if it
// fails.
func (h *home) run(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := h.try(args...)
	if err != nil {
		t.Fatalf("ssooidc %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func (h *home) try(args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = h.env
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// loginWithAPI signs my-sso in through package login, approving as alice
// through the server (for tests about what comes after a login).
func (h *home) loginWithAPI(t *testing.T, srv *servertest.Server) *login.Token {
	t.Helper()
	c := login.New(&login.Session{Name: "my-sso", StartURL: servertest.StartURL, Region: "us-east-1"}, func(o *login.Options) {
		o.CacheDir = h.cacheDir()
		o.CredentialsCacheDir = filepath.Join(h.dir, ".aws", "cli", "cache")
		o.Endpoint, o.PortalEndpoint = srv.URL, srv.URL
		o.Flow = login.FlowDevice
		o.NoBrowser = true
		o.Prompter = login.PrompterFunc(func(ctx context.Context, p *login.Prompt) {
			srv.Decide(t, p.UserCode, "alice", true)
			<-ctx.Done()
		})
	})
	tok, err := c.Login(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// readToken reads the my-sso token file as a map.
func (h *home) readToken(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(h.tokenPath())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
}

// setExpiry rewrites expiresAt of the my-sso token, in the CLI's format.
func (h *home) setExpiry(t *testing.T, at time.Time) {
	t.Helper()
	c := &login.Cache{Dir: h.cacheDir()}
	tok, err := c.LoadToken("my-sso")
	if err != nil {
		t.Fatal(err)
	}
	tok.ExpiresAt = at
	if err := c.StoreToken("my-sso", tok); err != nil {
		t.Fatal(err)
	}
}

// ops counts an operation's requests in the server's log since mark.
func ops(srv *servertest.Server, mark int, op string) int {
	return strings.Count(srv.Logs()[mark:], `"op":"`+op+`"`)
}

// started is a running command whose combined output is scanned.
type started struct {
	cmd  *exec.Cmd
	done chan error
	mu   sync.Mutex
	out  strings.Builder
}

// start runs a command, copying its output lines, and returns it.
func start(t *testing.T, ctx context.Context, env []string, name string, args ...string) *started {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &started{cmd: cmd, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); pw.Close() }()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.mu.Lock()
			s.out.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return s
}

func (s *started) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// await waits until the output matches re and returns the first group.
func (s *started) await(t *testing.T, ctx context.Context, re *regexp.Regexp) string {
	t.Helper()
	for {
		if m := re.FindStringSubmatch(s.output()); m != nil {
			return m[1]
		}
		select {
		case err := <-s.done:
			s.done <- err
			if m := re.FindStringSubmatch(s.output()); m != nil {
				return m[1]
			}
			t.Fatalf("%s ended (%v) without printing %s:\n%s", s.cmd.Path, err, re, s.output())
		case <-ctx.Done():
			t.Fatalf("%s printed no %s:\n%s", s.cmd.Path, re, s.output())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// wait waits for the command to end successfully.
func (s *started) wait(t *testing.T) {
	t.Helper()
	if err := <-s.done; err != nil {
		t.Fatalf("%s: %v\n%s", s.cmd.Path, err, s.output())
	}
}

var deviceURL = regexp.MustCompile(`(http://127\.0\.0\.1:\d+/device\?user_code=[A-Z]{4}-[A-Z]{4})`)

func regexpLiteral(s string) *regexp.Regexp {
	return regexp.MustCompile("(" + regexp.QuoteMeta(s) + ")")
}
