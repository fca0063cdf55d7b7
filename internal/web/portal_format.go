package web

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// The credentials page's text: a role's credentials in each shell's form,
// and what to give "aws configure sso".

// CredentialsView is what the credentials page shows.
type CredentialsView struct {
	AccountID, AccountName, Role string
	// Expires says when they end, for people ("at 15:04 UTC, in 59
	// minutes"); ExpiresAt is its machine-readable form. Fixed is true
	// for fixed credentials, which do not end.
	Expires   string
	ExpiresAt string
	Fixed     bool
	// Snippets are the credentials as each shell or file takes them.
	Snippets []Snippet
	// The aws configure sso answers, the config file it writes and the
	// profile it names.
	StartURL, Region string
	ConfigFile       string
	Profile          string
	// EndpointNote is the lines that point the AWS tools at this server.
	EndpointNote string
}

// Snippet is text to copy, with its heading.
type Snippet struct {
	ID, Title, Hint, Text string
}

// credentialsView renders c for the page.
func (h *Handler) credentialsView(c RoleCredentials) *CredentialsView {
	cv := &CredentialsView{AccountID: c.AccountID, AccountName: c.AccountName, Role: c.Role, Fixed: c.Fixed,
		StartURL: h.startURL, Region: h.region, ExpiresAt: c.Expiration.UTC().Format(time.RFC3339)}
	if cv.AccountName == "" {
		cv.AccountName = c.AccountID
	}
	if !c.Fixed {
		cv.Expires = "at " + c.Expiration.UTC().Format("15:04 UTC on 2 January") + ", " + h.expiresIn(c.Expiration)
	}
	vars := [][2]string{{"AWS_ACCESS_KEY_ID", c.AccessKeyID}, {"AWS_SECRET_ACCESS_KEY", c.SecretAccessKey}}
	if c.SessionToken != "" {
		// Fixed credentials may have no session token: then there is no
		// line for one, rather than an empty AWS_SESSION_TOKEN that some
		// tools take for a token.
		vars = append(vars, [2]string{"AWS_SESSION_TOKEN", c.SessionToken})
	}
	var sh, ps, cmd strings.Builder
	for _, v := range vars {
		fmt.Fprintf(&sh, "export %s=%s\n", v[0], shellQuote(v[1]))
		fmt.Fprintf(&ps, "$Env:%s=%s\n", v[0], powershellQuote(v[1]))
		fmt.Fprintf(&cmd, "%s\n", cmdSet(v[0], v[1]))
	}
	file := fmt.Sprintf("[%s_%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", c.AccountID, c.Role, c.AccessKeyID, c.SecretAccessKey)
	if c.SessionToken != "" {
		file += "aws_session_token = " + c.SessionToken + "\n"
	}
	cv.Snippets = []Snippet{
		{ID: "bash", Title: "bash or zsh (macOS and Linux)", Text: sh.String()},
		{ID: "powershell", Title: "PowerShell", Text: ps.String()},
		{ID: "cmd", Title: "Windows command prompt", Text: cmd.String()},
		{ID: "file", Title: "AWS credentials file", Hint: "Add this profile to ~/.aws/credentials (on Windows, %USERPROFILE%\\.aws\\credentials), then use --profile " + c.AccountID + "_" + c.Role + ".", Text: file},
	}
	cv.Profile = profileName(c)
	cv.ConfigFile = fmt.Sprintf("[sso-session %s]\nsso_start_url = %s\nsso_region = %s\nsso_registration_scopes = sso:account:access\n\n"+
		"[profile %s]\nsso_session = %s\nsso_account_id = %s\nsso_role_name = %s\nregion = %s\n",
		sessionName(h.startURL), h.startURL, h.region, profileName(c), sessionName(h.startURL), c.AccountID, c.Role, h.region)
	cv.EndpointNote = fmt.Sprintf("export AWS_ENDPOINT_URL_SSO_OIDC=%s\nexport AWS_ENDPOINT_URL_SSO=%s\n", h.publicURL, h.publicURL)
	return cv
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// sessionName names the sso-session of a start URL: its host's first
// label ("d-1234567890"), as aws configure sso suggests nothing better.
func sessionName(startURL string) string {
	host := startURL
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	host, _, _ = strings.Cut(host, "/")
	host, _, _ = strings.Cut(host, ".")
	host, _, _ = strings.Cut(host, ":")
	if n := unsafeName.ReplaceAllString(host, "-"); n != "" {
		return n
	}
	return "sso"
}

// profileName is the profile the config snippet writes: the role and the
// account, as aws configure sso proposes (RoleName-AccountID).
func profileName(c RoleCredentials) string {
	return unsafeName.ReplaceAllString(c.Role, "-") + "-" + c.AccountID
}

// shellQuote quotes s for bash and zsh: single quotes, which expand
// nothing, with each single quote written as '\”.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// powershellQuote quotes s for PowerShell: a single-quoted string, which
// expands nothing, with each single quote doubled.
func powershellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

var cmdPlain = regexp.MustCompile(`^[A-Za-z0-9/+=._-]*$`)

// cmdSet is a Windows cmd "set": as AWS writes it when the value has no
// character cmd treats specially (temporary credentials never have), else
// quoted whole ("set "NAME=value""), which keeps & | < > ^ literal.
func cmdSet(name, value string) string {
	if cmdPlain.MatchString(value) {
		return "set " + name + "=" + value
	}
	return `set "` + name + "=" + value + `"`
}
