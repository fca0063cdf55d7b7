package web

import (
	"html/template"
	"strings"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// What the portal pages show, and the words the older pages had wrong
// (issue 18's loose ends): scopes as what they grant, and the /authorize
// page's refusals.

// PortalView is what the access portal page shows.
type PortalView struct {
	Query        string // the filter, as typed
	Action       string // where the filter form goes (this page's path)
	Total        int    // accounts before filtering
	Accounts     []AccountView
	ExpandAll    bool // open every account's roles (a filter, or one account)
	Applications []PortalApplication
	ScriptPath   string
}

// AccountView is an account on the portal page.
type AccountView struct {
	ID, Name, Email string
	Search          string // what the filter matches, in lower case
	Roles           []RoleView
}

// RoleView is a role of an account, with its links.
type RoleView struct {
	Name           string
	CredentialsURL string
	ConsoleURL     string // "" when there is no console sign-in
}

// The pages of the portal's navigation.
const (
	navAccounts = "accounts"
	navSecurity = "security"
)

// templateFuncs are the functions the templates call.
var templateFuncs = template.FuncMap{"scopeText": scopeText}

// scopeTexts say what the scopes a person is asked to grant let the
// application do: AWS's scopes of SSO OIDC and of IAM Identity Center's
// applications (trusted identity propagation), and OpenID Connect's.
var scopeTexts = map[string]string{
	"sso:account:access":               "See your AWS accounts and roles, and get credentials for them",
	"codewhisperer:completions":        "Amazon Q Developer: suggest code",
	"codewhisperer:analysis":           "Amazon Q Developer: scan your code for security issues",
	"codewhisperer:conversations":      "Amazon Q Developer: chat",
	"codewhisperer:transformations":    "Amazon Q Developer: transform your code",
	"codewhisperer:taskassist":         "Amazon Q Developer: work on tasks in your code",
	"openid":                           "Know who you are",
	"profile":                          "See your name",
	"email":                            "See your email address",
	"aws":                              "Act as you with AWS services",
	"sts:identity_context":             "Pass your identity on to AWS services",
	"s3:access:read":                   "Amazon S3: read the data you are granted",
	"s3:access:read_write":             "Amazon S3: read and write the data you are granted",
	"redshift:connect":                 "Amazon Redshift: connect as you",
	"lakeformation:query":              "AWS Lake Formation: query the data you are granted",
	"qbusiness:conversations:access":   "Amazon Q Business: chat as you",
	"qbusiness:messages:access":        "Amazon Q Business: send messages as you",
	"datazone:domain:access":           "Amazon DataZone: use your domains",
	"transfer:read_write":              "AWS Transfer Family: read and write your files",
	"sagemaker:read_write":             "Amazon SageMaker: use your studios",
	"quicksight:read_write":            "Amazon QuickSight: use your dashboards",
	"identitycenter:access:read":       "IAM Identity Center: read your access",
	"s3:access:read_write_application": "Amazon S3: read and write data for the application",
}

// scopeText says what scope grants, for people; a scope we do not know
// (an application's own) is named as it is, since only the application
// knows what it means.
func scopeText(scope string) string {
	if t, ok := scopeTexts[scope]; ok {
		return t
	}
	return "Access the application calls \u201c" + scope + "\u201d"
}

// authorizeMessage is what the page says of a request to /authorize that
// cannot go back to its application: what happened and what to do, whole
// sentences (the grant's messages name parameters).
func authorizeMessage(e *sso.Error) string {
	const again = " Start the login again from your application (for the AWS CLI, run aws sso login again)."
	switch e.Code {
	case sso.CodeInvalidClient:
		if strings.Contains(e.Message, "expired") {
			return "The application's registration has expired." + again
		}
		return "The application that sent you here is not registered with this server." + again
	case sso.CodeInvalidRedirectURI:
		return "This sign-in link would send you back to an address the application did not register, so it was stopped." + again
	}
	return "This sign-in link is incomplete or damaged (" + sentence(e.Message) + ")." + again
}

// sentence trims a message to go inside a sentence: no final period.
func sentence(s string) string {
	return strings.TrimRight(strings.TrimSpace(s), ".")
}

// returnsTo says where an authorization's answer goes, for the consent
// page: "this computer (127.0.0.1:8123)" for a loopback redirect URI (the
// AWS CLI's), the host of any other, or the scheme of an app's own.
func returnsTo(redirectURI string) string {
	origin := originOf(redirectURI)
	if origin == "" {
		return ""
	}
	host := strings.TrimPrefix(strings.TrimPrefix(origin, "https://"), "http://")
	if !strings.Contains(origin, "://") {
		return "the app that opens " + origin + " links"
	}
	h := host
	if i := strings.LastIndex(h, ":"); i > 0 && !strings.HasSuffix(h, "]") {
		h = h[:i]
	}
	switch strings.Trim(h, "[]") {
	case "127.0.0.1", "::1", "localhost":
		return "this computer (" + host + ")"
	}
	return host
}
