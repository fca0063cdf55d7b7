package login

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Session is one IAM Identity Center sign-in: where to sign in (start URL
// and sso_region) and, when it came from a profile, the role the profile
// uses. Its tokens are cached under CacheKey.
type Session struct {
	// Name is the sso-session name; empty for a legacy profile (sso_start_url
	// in the profile itself) or a bare start URL.
	Name string
	// StartURL is the AWS access portal URL, such as
	// https://d-1234567890.awsapps.com/start.
	StartURL string
	// Region is the sso_region: the region of the OIDC and portal
	// services, not the profile's region.
	Region string
	// Scopes are the sso_registration_scopes of an sso-session. Empty means
	// DefaultScopes, so that tokens can be refreshed.
	Scopes []string
	// Profile is the profile the session was resolved from, if any. Its
	// endpoint settings ([services], endpoint_url) apply to the clients.
	Profile string
	// AccountID and RoleName are the profile's sso_account_id and
	// sso_role_name, for role credentials.
	AccountID, RoleName string
}

// DefaultScopes are registered when a configuration names none. The AWS
// CLI registers no scope for the device flow of a legacy profile, and IAM
// Identity Center then issues tokens that cannot be refreshed ("surprise
// 8-hour expiry"); asking for sso:account:access always makes them
// refreshable.
var DefaultScopes = []string{"sso:account:access"}

// CacheKey is what names the session's token file (WIRE.md 6.1): the
// sso-session name, or the start URL exactly as configured for a legacy
// profile.
func (s Session) CacheKey() string {
	if s.Name != "" {
		return s.Name
	}
	return s.StartURL
}

// scopes returns the scopes to register.
func (s Session) scopes() []string {
	if len(s.Scopes) > 0 {
		return s.Scopes
	}
	return DefaultScopes
}

// String names the session for messages: `sso-session "my-sso"` or the
// start URL.
func (s Session) String() string {
	if s.Name != "" {
		return fmt.Sprintf("sso-session %q", s.Name)
	}
	return s.StartURL
}

// LoginCommand is the command that signs this session in again, for error
// messages: "ssooidc login --profile dev".
func (s Session) LoginCommand() string {
	switch {
	case s.Profile != "":
		return "ssooidc login --profile " + shellQuote(s.Profile)
	case s.Name != "":
		return "ssooidc login --sso-session " + shellQuote(s.Name)
	default:
		return "ssooidc login --start-url " + shellQuote(s.StartURL) + " --region " + shellQuote(s.Region)
	}
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@+=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Config is a parsed AWS shared config file (~/.aws/config).
type Config struct {
	// Path is the file it was read from.
	Path     string
	sections map[string]*iniSection
}

// ConfigPath returns the config file the AWS tools read: AWS_CONFIG_FILE,
// else ~/.aws/config.
func ConfigPath() string {
	if p := os.Getenv("AWS_CONFIG_FILE"); p != "" {
		return expandHome(p)
	}
	return filepath.Join(homeDir(), ".aws", "config")
}

// LoadConfig reads the AWS config file at path, or at ConfigPath() if path
// is empty. A missing file is an empty configuration.
func LoadConfig(path string) (*Config, error) {
	if path == "" {
		path = ConfigPath()
	}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading the AWS config file: %w", err)
	}
	return ParseConfig(path, data), nil
}

// ParseConfig parses the contents of an AWS config file; path is only
// recorded.
func ParseConfig(path string, data []byte) *Config {
	return &Config{Path: path, sections: parseINI(data)}
}

// profileSection finds [profile NAME], or [default] for "default".
func (c *Config) profileSection(name string) *iniSection {
	if s := c.sections["profile "+name]; s != nil {
		return s
	}
	if name == "default" {
		return c.sections["default"]
	}
	return nil
}

// ProfileName is the profile to use when none is given: AWS_PROFILE, else
// "default".
func ProfileName() string {
	if p := os.Getenv("AWS_PROFILE"); p != "" {
		return p
	}
	return "default"
}

// Profiles lists the names of the profiles of the file, sorted.
func (c *Config) Profiles() []string {
	var out []string
	for name := range c.sections {
		switch {
		case name == "default":
			out = append(out, name)
		case strings.HasPrefix(name, "profile "):
			out = append(out, strings.TrimPrefix(name, "profile "))
		}
	}
	sort.Strings(out)
	return compactSorted(out)
}

// SSOSessions lists the names of the [sso-session NAME] sections, sorted.
func (c *Config) SSOSessions() []string {
	var out []string
	for name := range c.sections {
		if n, ok := strings.CutPrefix(name, "sso-session "); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func compactSorted(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// ConfigError is a configuration that cannot be used, with what to do about
// it.
type ConfigError struct {
	Msg string
}

func (e *ConfigError) Error() string { return e.Msg }

func configErrorf(format string, args ...any) error {
	return &ConfigError{Msg: fmt.Sprintf(format, args...)}
}

// SSOSession resolves [sso-session NAME]: it needs sso_start_url and
// sso_region (WIRE.md section 8).
func (c *Config) SSOSession(name string) (*Session, error) {
	sec := c.sections["sso-session "+name]
	if sec == nil {
		return nil, configErrorf("the sso-session %q does not exist in %s; add it with sso_start_url and sso_region (or run: aws configure sso-session)", name, c.Path)
	}
	s := &Session{
		Name:     name,
		StartURL: sec.values["sso_start_url"],
		Region:   sec.values["sso_region"],
		Scopes:   parseScopes(sec.values["sso_registration_scopes"]),
	}
	if s.StartURL == "" || s.Region == "" {
		return nil, configErrorf("the sso-session %q in %s needs both sso_start_url and sso_region", name, c.Path)
	}
	return s, nil
}

// Profile resolves a profile that signs in with IAM Identity Center, either
// through an sso-session (sso_session = NAME) or in the legacy form
// (sso_start_url and sso_region in the profile). As in botocore and
// aws-sdk-go-v2, a profile's own sso_start_url or sso_region must agree
// with its sso-session's. An empty name means ProfileName().
func (c *Config) Profile(name string) (*Session, error) {
	if name == "" {
		name = ProfileName()
	}
	sec := c.profileSection(name)
	if sec == nil {
		return nil, configErrorf("the profile %q does not exist in %s", name, c.Path)
	}
	v := sec.values
	var s *Session
	if sessName := v["sso_session"]; sessName != "" {
		var err error
		if s, err = c.SSOSession(sessName); err != nil {
			return nil, err
		}
		for key, want := range map[string]string{"sso_start_url": s.StartURL, "sso_region": s.Region} {
			if got := v[key]; got != "" && got != want {
				return nil, configErrorf("the profile %q sets %s = %s, inconsistent with its sso-session %q (%s); remove it from the profile", name, key, got, sessName, want)
			}
		}
	} else {
		s = &Session{StartURL: v["sso_start_url"], Region: v["sso_region"]}
		if s.StartURL == "" && s.Region == "" {
			return nil, configErrorf("the profile %q does not use IAM Identity Center: it has neither sso_session nor sso_start_url (run: aws configure sso --profile %s)", name, name)
		}
		if s.StartURL == "" || s.Region == "" {
			return nil, configErrorf("the profile %q needs both sso_start_url and sso_region, or an sso_session", name)
		}
	}
	s.Profile = name
	s.AccountID = v["sso_account_id"]
	s.RoleName = v["sso_role_name"]
	return s, nil
}

// parseScopes splits sso_registration_scopes as the AWS CLI does: on
// commas, entries stripped, empty entries dropped.
func parseScopes(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func homeDir() string {
	if h, err := os.UserHomeDir(); err == nil && h != "" {
		return h
	}
	return "."
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
		return filepath.Join(homeDir(), p[1:])
	}
	return p
}

// ProfileValue returns the value of key in the profile's section (keys are
// lower case), or "" if the profile or the key is missing; an empty name
// means ProfileName().
func (c *Config) ProfileValue(profile, key string) string {
	if profile == "" {
		profile = ProfileName()
	}
	if sec := c.profileSection(profile); sec != nil {
		return sec.values[strings.ToLower(key)]
	}
	return ""
}
