package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ssooidc/ssooidc/internal/access"
	"github.com/ssooidc/ssooidc/internal/browsertest"
	"github.com/ssooidc/ssooidc/internal/iamtoken"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	dom "github.com/ssooidc/ssooidc/internal/sso"
)

// federationEndpoint is the AWS federation endpoint's two actions on
// loopback, as the IAM User Guide describes them: getSigninToken takes
// temporary credentials (the Session JSON) and answers a SigninToken;
// login is where the browser lands, here a page naming the session's key.
type federationEndpoint struct {
	*httptest.Server
	mu    sync.Mutex
	keyID []string // the access key ID of each getSigninToken
}

func newFederationEndpoint(t *testing.T) *federationEndpoint {
	f := &federationEndpoint{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch q.Get("Action") {
		case "getSigninToken":
			var s map[string]string
			if err := json.Unmarshal([]byte(q.Get("Session")), &s); err != nil || s["sessionToken"] == "" || s["sessionKey"] == "" {
				http.Error(w, "bad session", http.StatusBadRequest)
				return
			}
			f.mu.Lock()
			f.keyID = append(f.keyID, s["sessionId"])
			f.mu.Unlock()
			fmt.Fprintf(w, `{"SigninToken":"signin-%s"}`, s["sessionId"])
		case "login":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Console</title><h1>Console as %s</h1><p>%s</p></html>`,
				strings.TrimPrefix(q.Get("SigninToken"), "signin-"), q.Get("Destination"))
		default:
			http.Error(w, "bad action", http.StatusBadRequest)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// screenshotDir is where this file's screenshots go: $SSOOIDC_SCREENSHOTS
// (docs/screenshots when the README's pictures are renewed), or a
// temporary directory.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("SSOOIDC_SCREENSHOTS"); d != "" {
		return d
	}
	return t.TempDir()
}

// callerARN returns the ARN STS (moto) says creds belong to: the account
// and the role they act as.
func callerARN(ctx context.Context, t *testing.T, stsURL string, ak, sk, tok string) string {
	t.Helper()
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(stsURL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, tok)})
	out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("STS GetCallerIdentity: %v", err)
	}
	return aws.ToString(out.Arn)
}

// exported reads the value of NAME from bash export lines.
func exported(t *testing.T, text, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^export ` + name + `='([^']*)'$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no %s in the page's bash lines:\n%s", name, text)
	}
	return m[1]
}

// TestPortalPage is the access portal a person uses beside the AWS CLI v2:
// log in with the CLI (approved in Chromium, which signs the browser in
// too); open /start; the credentials the page shows for a role act as the
// same account and role as those GetRoleCredentials gives the CLI's token
// (STS, moto, says so); "Console" signs in through the federation
// endpoint; the Security page lists the CLI's session, and signing it out
// there makes botocore's refresh of the CLI cache fail with
// InvalidGrantException and the CLI's access token stop working on the
// portal API. Every page passes axe-core, light and dark, at 390 and 1280
// pixels; the screenshots go to $SSOOIDC_SCREENSHOTS.
func TestPortalPage(t *testing.T) {
	fed := newFederationEndpoint(t)
	motoURL := servertest.StartMoto(t)
	srv := portalServerAt(t, motoURL, servertest.WithConfig(func(c *server.Config) {
		c.Console = access.ConsoleOptions{Enabled: true, FederationURL: fed.URL + "/federation"}
	}))
	// An application of the SSO Admin API, assigned to alice's group.
	bg := context.Background()
	devs, err := srv.Srv.People().GetGroupByName(bg, "devs")
	if err != nil {
		t.Fatal(err)
	}
	app, err := srv.Srv.Registry().CreateApplication(bg, dom.Application{Name: "Team wiki", Description: "Runbooks and notes",
		ProviderARN: iamtoken.CustomProviderARN, Portal: dom.Portal{ApplicationURL: "https://wiki.example.com/", Visibility: dom.Enabled}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Srv.Registry().CreateAssignment(bg, dom.AppAssignment{ApplicationARN: app.ARN, PrincipalType: dom.PrincipalGroup,
		PrincipalID: devs.ID}); err != nil {
		t.Fatal(err)
	}
	home, env := cliHome(t, srv.URL)
	setProfile(t, home, acctSTS, "Admin")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := screenshotDir(t)

	// 1. aws sso login, approved in the browser: the browser is signed in.
	verification, wait := cliLogin(ctx, t, env)
	b := browsertest.New(t)
	if _, err := b.ApproveDevice(ctx, verification, "alice", "correct horse battery"); err != nil {
		t.Fatalf("approving in the browser: %v", err)
	}
	if out, err := wait(); err != nil {
		t.Fatalf("aws sso login: %v\n%s", err, out)
	}
	cachePath := filepath.Join(home, ".aws", "sso", "cache", sha1hex("my-sso")+".json")
	var cached map[string]any
	raw, err := os.ReadFile(cachePath)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(raw, &cached)
	cliToken, _ := cached["accessToken"].(string)

	// 2. /start: both accounts, their roles, filterable.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.Navigate(ctx, srv.URL+"/start"))
	text, err := b.Text(ctx)
	must(err)
	for _, want := range []string{"Your AWS access", "Production", acctSTS, "prod@example.com", "Sandbox", acctStatic,
		"Applications", "Team wiki"} {
		if !strings.Contains(text, want) {
			t.Fatalf("/start does not say %q:\n%s", want, text)
		}
	}
	shoot(ctx, t, b, dir, "portal-start")
	must(b.Fill(ctx, "Filter accounts by name, ID or email", "sand"))
	text, _ = b.Text(ctx)
	if strings.Contains(text, "Production") || !strings.Contains(text, "1 account shown of 2") {
		t.Errorf("the live filter left:\n%s", text)
	}

	// 3. Command line access for Admin in the STS account.
	must(b.Navigate(ctx, srv.URL+"/start/credentials?account_id="+acctSTS+"&role_name=Admin"))
	text, err = b.Text(ctx)
	must(err)
	for _, want := range []string{"Command line access", "bash or zsh", "PowerShell", "Windows command prompt", "AWS credentials file",
		"$Env:AWS_ACCESS_KEY_ID=", "set AWS_ACCESS_KEY_ID=", "[" + acctSTS + "_Admin]", "SSO start URL", servertest.StartURL, "us-east-1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the credentials page does not say %q", want)
		}
	}
	shoot(ctx, t, b, dir, "portal-credentials")
	ak, sk, tok := exported(t, text, "AWS_ACCESS_KEY_ID"), exported(t, text, "AWS_SECRET_ACCESS_KEY"), exported(t, text, "AWS_SESSION_TOKEN")
	pageARN := callerARN(ctx, t, motoURL, ak, sk, tok)

	// GetRoleCredentials with the CLI's token: the same account and role.
	rc, err := portalClient(srv).GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: aws.String(cliToken),
		AccountId: aws.String(acctSTS), RoleName: aws.String("Admin")})
	must(err)
	c := rc.RoleCredentials
	apiARN := callerARN(ctx, t, motoURL, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	if pageARN != apiARN || !strings.Contains(pageARN, acctSTS) || !strings.Contains(pageARN, "assumed-role/Admin/") {
		t.Errorf("the page's credentials act as %s, GetRoleCredentials' as %s", pageARN, apiARN)
	}

	// Fixed credentials: no session token line at all.
	must(b.Navigate(ctx, srv.URL+"/start/credentials?account_id="+acctStatic+"&role_name=ReadOnly"))
	text, _ = b.Text(ctx)
	if strings.Contains(text, "AWS_SESSION_TOKEN") || strings.Contains(text, "aws_session_token") || !strings.Contains(text, "AKIASTATICEXAMPLE") {
		t.Errorf("fixed credentials:\n%s", text)
	}

	// botocore resolves the fixed credentials of the static account with
	// the CLI's token: GetRoleCredentials keeps an empty sessionToken
	// member, which botocore reads as credentials['sessionToken'] (without
	// it: KeyError, and no credentials at all).
	addProfile(t, home, "static", acctStatic, "ReadOnly")
	py := exec.CommandContext(ctx, "python3", "-c", `
import boto3, json
c = boto3.Session(profile_name="static").get_credentials().get_frozen_credentials()
print(json.dumps({"ak": c.access_key, "token": c.token}))
`)
	py.Env = append(env, "AWS_ENDPOINT_URL_SSO_OIDC="+srv.URL, "AWS_ENDPOINT_URL_SSO="+srv.URL)
	if out, err := py.CombinedOutput(); err != nil || !strings.Contains(string(out), `"ak": "AKIASTATICEXAMPLE"`) {
		t.Errorf("botocore with the static account: %v\n%s", err, out)
	}

	// 4. Console: through the federation endpoint, as the role.
	must(b.Navigate(ctx, srv.URL+"/start?q=production"))
	_ = consoleLanding(ctx, t, b, fed, srv.URL, "Console as Admin in Production (opens a new tab)")

	// 5. Security: the CLI's session is there; signing it out ends it.
	must(b.Navigate(ctx, srv.URL+"/security"))
	text, _ = b.Text(ctx)
	for _, want := range []string{"Where you are signed in", "This browser", "botocore-client-my-sso", "Sign out everywhere"} {
		if !strings.Contains(text, want) {
			t.Errorf("/security does not say %q:\n%s", want, text)
		}
	}
	shoot(ctx, t, b, dir, "portal-security")
	must(b.Click(ctx, "Sign out botocore-client-my-sso"))
	text, _ = b.Text(ctx)
	if !strings.Contains(text, "That session is signed out") || strings.Contains(text, "botocore-client-my-sso") {
		t.Errorf("after signing the CLI out:\n%s", text)
	}

	// botocore's refresh of the CLI's cache: InvalidGrantException.
	cached["expiresAt"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	writeJSON(t, cachePath, cached)
	py = exec.CommandContext(ctx, "python3", "-c", `
import botocore.session, logging, io, sys
buf = io.StringIO()
logging.basicConfig(stream=buf, level=logging.WARNING)
from botocore.tokens import SSOTokenProvider
s = botocore.session.Session(profile="dev")
try:
    SSOTokenProvider(s).load_token().get_frozen_token()
    print("REFRESHED")
except Exception as e:
    print("FAILED", type(e).__name__)
print(buf.getvalue())
`)
	py.Env = append(env, "AWS_ENDPOINT_URL_SSO_OIDC="+srv.URL)
	out, err := py.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "FAILED TokenRetrievalError") || !strings.Contains(string(out), "InvalidGrantException") {
		t.Errorf("botocore's refresh after sign-out: %v\n%s", err, out)
	}
	// The CLI's access token no longer works on the portal API.
	_, err = portalClient(srv).ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: aws.String(cliToken)})
	if err == nil || !strings.Contains(err.Error(), "UnauthorizedException") {
		t.Errorf("ListAccounts with the signed-out CLI's token: %v", err)
	}
}

// setProfile makes cliHome's profile dev the role in account.
func setProfile(t *testing.T, home, account, role string) {
	t.Helper()
	p := filepath.Join(home, ".aws", "config")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(strings.ReplaceAll(string(b), "123456789012", account), "sso_role_name = Admin", "sso_role_name = "+role)
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// addProfile adds to cliHome's config a profile of the sso-session my-sso
// for the role in account.
func addProfile(t *testing.T, home, name, account, role string) {
	t.Helper()
	p := filepath.Join(home, ".aws", "config")
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "\n[profile %s]\nsso_session = my-sso\nsso_account_id = %s\nsso_role_name = %s\nregion = us-east-1\n",
		name, account, role); err != nil {
		t.Fatal(err)
	}
}

// shoot checks the current page's looks (browsertest.CheckLooks) and
// writes its screenshots, at 390 and 1280 pixels, light and dark.
func shoot(ctx context.Context, t *testing.T, b *browsertest.Browser, dir, name string) {
	t.Helper()
	b.CheckLooks(ctx, name, func(width int, scheme string) {
		if err := b.Screenshot(ctx, "", filepath.Join(dir, fmt.Sprintf("%s-%d-%s.png", name, width, scheme))); err != nil {
			t.Fatal(err)
		}
	})
}

// consoleLanding follows the link of text on the current page in this tab
// (the page opens it in a new one) and checks that the console opened as
// the role's STS credentials; it returns the page's text.
func consoleLanding(ctx context.Context, t *testing.T, b *browsertest.Browser, fed *federationEndpoint, srvURL, text string) string {
	t.Helper()
	href, err := b.Href(ctx, text)
	if err != nil {
		page, _ := b.Text(ctx)
		t.Fatalf("%v; the page says:\n%s", err, page)
	}
	if err := b.Navigate(ctx, srvURL+href); err != nil {
		t.Fatal(err)
	}
	page, err := b.Text(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fed.mu.Lock()
	defer fed.mu.Unlock()
	if len(fed.keyID) != 1 || !strings.HasPrefix(fed.keyID[0], "ASIA") || !strings.Contains(page, "Console as "+fed.keyID[0]) {
		t.Errorf("the console link landed on %q (sessions %v)", page, fed.keyID)
	}
	return page
}
