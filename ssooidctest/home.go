package ssooidctest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/login"
)

// scopes are the registration scopes of SharedConfig's sso-session: with
// them the AWS CLI registers for refreshable tokens.
var scopes = []string{"sso:account:access"}

// Profiles returns the profiles of SharedConfig: one per (account,
// permission set) pair of the assignments, in their order.
func (s *Server) Profiles() []Profile { return append([]Profile(nil), s.profiles...) }

// Profile returns the name of SharedConfig's profile for the role
// permissionSet in account accountID, "<account ID>-<permission set>"; ""
// when no assignment gives that role to anyone.
func (s *Server) Profile(accountID, permissionSet string) string {
	for _, p := range s.profiles {
		if p.AccountID == accountID && p.RoleName == permissionSet {
			return p.Name
		}
	}
	return ""
}

// SharedConfig returns an AWS shared config file (~/.aws/config) for the
// server: an [sso-session ssooidctest] with its start URL, region and
// scopes; a profile per role of Profiles, the first of them also as
// [default]; and a [services] section that sends the SSO OIDC and portal
// clients of current SDKs and CLIs to URL (aws-sdk-go-v2, botocore 1.31+,
// AWS CLI 2.13+). Older AWS CLIs need the data path that NewHome writes.
func (s *Server) SharedConfig() string {
	var b strings.Builder
	profile := func(header string, p Profile) {
		fmt.Fprintf(&b, "[%s]\nsso_session = %s\nsso_account_id = %s\nsso_role_name = %s\nregion = %s\nservices = %s\n\n",
			header, SessionName, p.AccountID, p.RoleName, s.Region, SessionName)
	}
	if len(s.profiles) > 0 {
		profile("default", s.profiles[0])
	}
	for _, p := range s.profiles {
		profile("profile "+p.Name, p)
	}
	fmt.Fprintf(&b, "[sso-session %s]\nsso_start_url = %s\nsso_region = %s\nsso_registration_scopes = %s\n\n",
		SessionName, s.StartURL, s.Region, strings.Join(scopes, ","))
	fmt.Fprintf(&b, "[services %s]\nsso_oidc =\n  endpoint_url = %s\nsso =\n  endpoint_url = %s\n", SessionName, s.URL, s.URL)
	return b.String()
}

// Home is a home directory for programs under test, such as the AWS CLI
// or a tool built on an AWS SDK: ~/.aws/config is SharedConfig, and the
// environment points every SSO client at the server and away from the
// machine's own AWS settings.
type Home struct {
	// Dir is the home directory.
	Dir string
	// ConfigFile is Dir/.aws/config.
	ConfigFile string
	// Vars are the variables that make a program use Dir and the server:
	// HOME (and USERPROFILE), AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE
	// (a file that does not exist), AWS_ENDPOINT_URL_SSO_OIDC and
	// AWS_ENDPOINT_URL_SSO (AWS CLI 2.13+ and current SDKs),
	// AWS_DATA_PATH (endpoint rule sets for the two APIs, for AWS CLI 2.9
	// to 2.12, which predate those variables), AWS_EC2_METADATA_DISABLED,
	// AWS_PAGER and AWS_CLI_AUTO_PROMPT (no pager or prompt waits for a
	// person).
	Vars []string
	// Env is the environment for a child process (exec.Cmd.Env): this
	// process's, without its AWS_* and SSOOIDC_* variables and without
	// what opens a browser (BROWSER, DISPLAY, WAYLAND_DISPLAY), plus Vars.
	Env []string

	srv *Server
}

// NewHome writes a home directory for the server in a new temporary
// directory of tb (HomeIn). Its SSO token cache is empty until Login or a
// program ("aws sso login --no-browser" under WithAutoApprove) signs in.
func (s *Server) NewHome(tb testing.TB) *Home {
	tb.Helper()
	h, err := s.HomeIn(tb.TempDir())
	if err != nil {
		tb.Fatalf("ssooidctest: %v", err)
	}
	return h
}

// HomeIn writes a home directory for the server in dir, which exists (a
// Server of Start has no test to make one).
func (s *Server) HomeIn(dir string) (*Home, error) {
	h := &Home{Dir: dir, ConfigFile: filepath.Join(dir, ".aws", "config"), srv: s}
	data := filepath.Join(dir, ".aws", "ssooidctest-data")
	files := map[string]string{h.ConfigFile: s.SharedConfig()}
	// The same rule set for both APIs: the AWS CLI 2.9 signs in with
	// "sso-oidc" and gets role credentials from "sso".
	for _, api := range []string{"sso-oidc", "sso"} {
		files[filepath.Join(data, api, "2019-06-10", "endpoint-rule-set-1.json")] = EndpointRuleSet(s.URL)
	}
	for path, content := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			return nil, err
		}
	}
	h.Vars = []string{
		"HOME=" + dir, "USERPROFILE=" + dir,
		"AWS_CONFIG_FILE=" + h.ConfigFile,
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, ".aws", "credentials"),
		"AWS_ENDPOINT_URL_SSO_OIDC=" + s.URL, "AWS_ENDPOINT_URL_SSO=" + s.URL,
		"AWS_DATA_PATH=" + data,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "AWS_CLI_AUTO_PROMPT=off",
	}
	h.Env = append(hostEnv(), h.Vars...)
	return h, nil
}

// hostEnv is this process's environment without what would make a child
// use the machine's AWS settings or home, or open a browser.
func hostEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "AWS_"), strings.HasPrefix(k, "SSOOIDC_"),
			k == "HOME", k == "USERPROFILE", k == "BROWSER", k == "DISPLAY", k == "WAYLAND_DISPLAY":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// Setenv sets Vars in this process for the rest of the test (t.Setenv),
// for a program under test that runs in the test's own process, such as
// one that calls aws-sdk-go-v2's config.LoadDefaultConfig: the SDK finds
// the SSO token cache through the home directory. Like t.Setenv, it
// cannot be used in parallel tests.
func (h *Home) Setenv(t testing.TB) {
	t.Helper()
	for _, kv := range h.Vars {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// CacheDir is the SSO token cache, Dir/.aws/sso/cache.
func (h *Home) CacheDir() string { return filepath.Join(h.Dir, ".aws", "sso", "cache") }

// Login signs user in (Server.Login) and writes the token, and its client
// registration, to the SSO token cache as "aws sso login" writes them, so
// that the profiles of the home directory work at once: the AWS CLI,
// botocore, aws-sdk-go-v2 and this module's login package get role
// credentials with it, and refresh it.
func (h *Home) Login(user string) error {
	tok, err := h.srv.Login(user)
	if err != nil {
		return err
	}
	c := &login.Cache{Dir: h.CacheDir()}
	if err := c.StoreToken(login.Session{Name: SessionName}.CacheKey(), tok); err != nil {
		return fmt.Errorf("ssooidctest: %w", err)
	}
	reg := &login.Registration{ClientID: tok.ClientID, ClientSecret: tok.ClientSecret, ExpiresAt: tok.RegistrationExpiresAt,
		Scopes: scopes}
	if err := c.StoreRegistration(login.RegistrationKey(h.srv.StartURL, h.srv.Region, scopes, SessionName), reg); err != nil {
		return fmt.Errorf("ssooidctest: %w", err)
	}
	return nil
}

// EndpointRuleSet is an endpoint rule set (botocore's
// endpoint-rule-set-1.json) that resolves every request to url: written
// as DATA/sso-oidc/2019-06-10/endpoint-rule-set-1.json (and DATA/sso/...)
// with AWS_DATA_PATH=DATA, it sends the AWS CLI v2 and botocore to the
// server (Home does this).
func EndpointRuleSet(url string) string {
	rules, _ := json.Marshal(map[string]any{
		"version": "1.0",
		"parameters": map[string]any{
			"Region":       map[string]any{"builtIn": "AWS::Region", "required": false, "documentation": "", "type": "String"},
			"UseDualStack": map[string]any{"builtIn": "AWS::UseDualStack", "required": true, "default": false, "documentation": "", "type": "Boolean"},
			"UseFIPS":      map[string]any{"builtIn": "AWS::UseFIPS", "required": true, "default": false, "documentation": "", "type": "Boolean"},
			"Endpoint":     map[string]any{"builtIn": "SDK::Endpoint", "required": false, "documentation": "", "type": "String"},
		},
		"rules": []any{map[string]any{"conditions": []any{}, "type": "endpoint",
			"endpoint": map[string]any{"url": url, "properties": map[string]any{}, "headers": map[string]any{}}}},
	})
	return string(rules)
}
