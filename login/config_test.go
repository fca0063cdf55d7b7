package login

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"rsc.io/qr"
)

const sampleConfig = `# comment
[default]
region = us-east-1

[sso-session my-sso]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access , other:scope   # inline comment

[profile dev]
sso_session = my-sso
sso_account_id = 123456789012
sso_role_name = AdministratorAccess
region = us-west-2
services = local

[services local]
sso_oidc =
  endpoint_url = http://127.0.0.1:8080
sso =
  endpoint_url = http://127.0.0.1:8080

[profile   legacy]
sso_start_url: https://d-1234567890.awsapps.com/start
SSO_Region = eu-west-1
sso_account_id = 111111111111
sso_role_name = ReadOnly

[profile bad-session]
sso_session = missing

[profile inconsistent]
sso_session = my-sso
sso_region = eu-west-1

[profile half]
sso_start_url = https://x/start

[sso-session nourl]
sso_region = us-east-1
`

func TestConfig(t *testing.T) {
	cfg := ParseConfig("/home/me/.aws/config", []byte(sampleConfig))
	dev, err := cfg.Profile("dev")
	if err != nil {
		t.Fatal(err)
	}
	want := Session{Name: "my-sso", StartURL: "https://d-1234567890.awsapps.com/start", Region: "us-east-1",
		Scopes: []string{"sso:account:access", "other:scope"}, Profile: "dev", AccountID: "123456789012", RoleName: "AdministratorAccess"}
	if !equalSession(*dev, want) {
		t.Errorf("dev = %+v", dev)
	}
	if dev.CacheKey() != "my-sso" || dev.LoginCommand() != "ssooidc login --profile dev" {
		t.Errorf("%s %s", dev.CacheKey(), dev.LoginCommand())
	}
	if got := cfg.sections["services local"].nested["sso_oidc"]["endpoint_url"]; got != "http://127.0.0.1:8080" {
		t.Errorf("nested endpoint_url = %q", got)
	}
	legacy, err := cfg.Profile("legacy")
	if err != nil || legacy.Name != "" || legacy.Region != "eu-west-1" || legacy.CacheKey() != "https://d-1234567890.awsapps.com/start" || legacy.RoleName != "ReadOnly" {
		t.Errorf("legacy = %+v, %v", legacy, err)
	}
	if !slices.Equal(legacy.scopes(), DefaultScopes) {
		t.Errorf("legacy scopes %v", legacy.scopes())
	}
	s, err := cfg.SSOSession("my-sso")
	if err != nil || s.Profile != "" || s.LoginCommand() != "ssooidc login --sso-session my-sso" {
		t.Errorf("%+v %v", s, err)
	}
	bare := &Session{StartURL: "https://x/start?a b", Region: "us-east-1"}
	if bare.LoginCommand() != "ssooidc login --start-url 'https://x/start?a b' --region us-east-1" {
		t.Errorf("%s", bare.LoginCommand())
	}
	for name, msg := range map[string]string{
		"bad-session":  `the sso-session "missing" does not exist`,
		"inconsistent": "inconsistent with its sso-session",
		"half":         "needs both sso_start_url and sso_region",
		"default":      "does not use IAM Identity Center",
		"nope":         `the profile "nope" does not exist`,
	} {
		_, err := cfg.Profile(name)
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), msg) {
			t.Errorf("Profile(%s) = %v, want %q", name, err, msg)
		}
	}
	if _, err := cfg.SSOSession("nourl"); err == nil {
		t.Error("an sso-session without a start URL resolved")
	}
	if got := cfg.Profiles(); !slices.Equal(got, []string{"bad-session", "default", "dev", "half", "inconsistent", "legacy"}) {
		t.Errorf("Profiles = %v", got)
	}
	if got := cfg.SSOSessions(); !slices.Equal(got, []string{"my-sso", "nourl"}) {
		t.Errorf("SSOSessions = %v", got)
	}
	t.Setenv("AWS_PROFILE", "dev")
	if p, err := cfg.Profile(""); err != nil || p.Profile != "dev" {
		t.Errorf("AWS_PROFILE: %+v %v", p, err)
	}
}

func equalSession(a, b Session) bool {
	return a.Name == b.Name && a.StartURL == b.StartURL && a.Region == b.Region && slices.Equal(a.Scopes, b.Scopes) &&
		a.Profile == b.Profile && a.AccountID == b.AccountID && a.RoleName == b.RoleName
}

// FuzzParseINI: any file parses without panicking, and what it finds
// resolves or fails with a ConfigError.
func FuzzParseINI(f *testing.F) {
	f.Add(sampleConfig)
	f.Add("[profile x]\nsso_session=y\n[sso-session y]\n  a = b\nk=\n  n = v\n")
	f.Add("[\n]]\n=\n:\n  x\n")
	f.Fuzz(func(t *testing.T, data string) {
		cfg := ParseConfig("f", []byte(data))
		for _, p := range cfg.Profiles() {
			if _, err := cfg.Profile(p); err != nil {
				var ce *ConfigError
				if !errors.As(err, &ce) {
					t.Errorf("Profile(%q): %v", p, err)
				}
			}
		}
		for _, s := range cfg.SSOSessions() {
			_, _ = cfg.SSOSession(s)
		}
	})
}

// FuzzParseToken: any file parses or fails; a parsed token rewrites to a
// file that parses to the same token.
func FuzzParseToken(f *testing.F) {
	f.Add(`{"startUrl": "u", "region": "r", "accessToken": "a", "expiresAt": "2026-01-01T12:00:00Z", "x": [1, {"y": null}]}`)
	f.Add(`{"accessToken":"a","expiresAt":"2026-01-01T12:00:00.123+02:00","refreshToken":"\u00e9"}`)
	f.Fuzz(func(t *testing.T, data string) {
		tok, err := ParseToken([]byte(data))
		if err != nil {
			return
		}
		back, err := ParseToken(tok.Marshal())
		if err != nil || back.AccessToken != tok.AccessToken || back.RefreshToken != tok.RefreshToken ||
			!back.ExpiresAt.Equal(tok.ExpiresAt.Truncate(1e9)) || len(back.extra) != len(tok.extra) {
			t.Errorf("round trip of %q: %+v, %v", data, back, err)
		}
	})
}

func TestDetectEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		files    []string
		osr      string
		goos     string
		headless bool
		reason   string
		browser  bool
		wsl      bool
	}{
		{"desktop linux", map[string]string{"DISPLAY": ":0"}, nil, "6.1.0", "linux", false, "", true, false},
		{"wayland", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, nil, "", "linux", false, "", true, false},
		{"no display", nil, nil, "", "linux", true, "no display", false, false},
		{"ssh", map[string]string{"DISPLAY": ":0", "SSH_CONNECTION": "1 2 3 4"}, nil, "", "linux", true, "SSH session", false, false},
		{"ssh on mac", map[string]string{"SSH_TTY": "/dev/ttys001"}, nil, "", "darwin", true, "SSH_TTY", false, false},
		{"mac", nil, nil, "", "darwin", false, "", true, false},
		{"docker", map[string]string{"DISPLAY": ":0"}, []string{"/.dockerenv"}, "", "linux", true, "container", false, false},
		{"podman", map[string]string{"DISPLAY": ":0", "container": "podman"}, nil, "", "linux", true, "container", false, false},
		{"ci", map[string]string{"CI": "true"}, nil, "", "windows", true, "CI", false, false},
		{"ci false", map[string]string{"CI": "false"}, nil, "", "windows", false, "", true, false},
		{"wsl", nil, nil, "5.15.90.1-microsoft-standard-WSL2", "linux", true, "WSL", true, true},
		{"ssh with BROWSER", map[string]string{"SSH_TTY": "x", "BROWSER": "echo"}, nil, "", "linux", true, "SSH", true, false},
	} {
		e := detectEnvironment(func(k string) string { return tc.env[k] },
			func(p string) bool { return slices.Contains(tc.files, p) },
			func(string) string { return tc.osr }, tc.goos)
		if e.Headless != tc.headless || !strings.Contains(e.Reason, tc.reason) || e.CanOpenBrowser != tc.browser || e.WSL != tc.wsl {
			t.Errorf("%s: %+v", tc.name, e)
		}
	}
}

// TestQRCode reads the rendered half-block characters back into modules
// and compares them with the encoder's, quiet zone included.
func TestQRCode(t *testing.T) {
	const url = "http://127.0.0.1:8080/device?user_code=ABCD-EFGH"
	for _, color := range []bool{false, true} {
		text, err := QRCode(url, color)
		if err != nil {
			t.Fatal(err)
		}
		if color != strings.Contains(text, "\x1b[30;107m") {
			t.Errorf("color %v: escapes %q", color, text[:20])
		}
		code, _ := qr.Encode(url, qr.L)
		got := decodeQRText(text)
		size := code.Size + 2*QRQuietZone
		if len(got) < size {
			t.Fatalf("%d rows, want %d", len(got), size)
		}
		for y := range size {
			for x := range size {
				cx, cy := x-QRQuietZone, y-QRQuietZone
				want := cx >= 0 && cy >= 0 && cx < code.Size && cy < code.Size && code.Black(cx, cy)
				if got[y][x] != want {
					t.Fatalf("module (%d,%d) = %v, want %v", cx, cy, got[y][x], want)
				}
			}
		}
	}
}

// decodeQRText turns rendered lines back into rows of modules (true is
// dark), two rows per line, ignoring ANSI escapes.
func decodeQRText(text string) [][]bool {
	var rows [][]bool
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		line = strings.NewReplacer("\x1b[30;107m", "", "\x1b[0m", "").Replace(line)
		var top, bottom []bool
		for _, r := range line {
			top = append(top, r == '█' || r == '▀')
			bottom = append(bottom, r == '█' || r == '▄')
		}
		rows = append(rows, top, bottom)
	}
	return rows
}
