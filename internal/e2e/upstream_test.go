package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/browsertest"
	"github.com/ssooidc/ssooidc/internal/postgres"
	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	dom "github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/upstream"
	"github.com/ssooidc/ssooidc/internal/upstream/oidc"
	"github.com/ssooidc/ssooidc/internal/upstream/saml"
	"github.com/ssooidc/ssooidc/internal/upstreamtest"
)

// The person the identity providers know, and the group that has a role.
var dana = upstreamtest.User{Username: "dana", Password: "idp password 1", GivenName: "Dana", FamilyName: "Scully",
	Email: "dana@example.com", EmailVerified: true, Groups: []string{"devs", "auditors"}}

// upstreamDirectory gives the group devs the role ReadOnly in the static
// account, and nobody anything else.
func upstreamDirectory(c *server.Config) {
	c.Issuer = rolecreds.New(rolecreds.Config{Static: map[string]rolecreds.Static{
		acctStatic: {AccessKeyID: "AKIASTATICEXAMPLE", SecretAccessKey: "static-secret"}}})
	c.Directory = server.Directory{
		Accounts:       []dom.Account{{ID: acctStatic, Name: "Sandbox", Source: dom.SourceStatic}},
		PermissionSets: []dom.PermissionSet{{Name: "ReadOnly", SessionDuration: time.Hour}},
		Assignments:    []server.AssignmentDecl{{AccountID: acctStatic, PermissionSet: "ReadOnly", Group: "devs"}},
	}
}

// oidcProvider is the OP as the config file's identity provider "zitadel".
func oidcProvider(t *testing.T, op *upstreamtest.OP) func(string) ([]upstream.Provider, error) {
	return func(publicURL string) ([]upstream.Provider, error) {
		redirect := publicURL + "/upstream/zitadel/callback"
		op.AllowRedirect(redirect)
		c, err := oidc.New(oidc.Config{Name: "Zitadel", Issuer: op.Issuer, ClientID: op.ClientID, ClientSecret: op.ClientSecret,
			RedirectURL: redirect, Scopes: []string{"profile", "email", "groups"}, RequireVerifiedEmail: true})
		if err != nil {
			return nil, err
		}
		return []upstream.Provider{{ID: "zitadel", Name: "Zitadel", Connector: c,
			Policy: upstream.Policy{AllowedEmailDomains: []string{"example.com"}}}}, nil
	}
}

// samlProvider is SimpleSAMLphp as the identity provider "simplesaml",
// with its attributes by URI.
func samlProvider(t *testing.T, idp *upstreamtest.SAMLIdP) func(string) ([]upstream.Provider, error) {
	return func(publicURL string) ([]upstream.Provider, error) {
		base := publicURL + "/upstream/simplesaml"
		if err := idp.AddSP(upstreamtest.SP{EntityID: base + "/metadata", ACSURL: base + "/acs"}); err != nil {
			return nil, err
		}
		c, err := saml.New(saml.Config{Name: "SimpleSAMLphp", MetadataURL: base + "/metadata", ACSURL: base + "/acs",
			IDPMetadataURL: idp.MetadataURL, NameIDFormat: "persistent",
			Attributes: saml.Attributes{UserName: upstreamtest.AttrUID, Email: upstreamtest.AttrMail,
				DisplayName: upstreamtest.AttrDisplayName, Groups: upstreamtest.AttrIsMemberOf}})
		if err != nil {
			return nil, err
		}
		return []upstream.Provider{{ID: "simplesaml", Name: "SimpleSAMLphp", Connector: c}}, nil
	}
}

// idpLogin is how a person signs in at one identity provider's page.
type idpLogin struct {
	Button                      string // ours: "Sign in with NAME"
	UserLabel, PassLabel, Login string // the provider's login form
	Username, Password          string
	Method                      string // how the sign-in is recorded ("oidc:ID")
}

// signInThroughIdP drives Chromium from a verification URL to the end of
// the device flow, as a person does whatever page shows: Continue on the
// code page, "Sign in with NAME" on ours, the provider's login form, then
// Allow. It returns the last page's text; a page with none of these
// (an error page) ends it.
func signInThroughIdP(ctx context.Context, t *testing.T, b *browsertest.Browser, start string, l idpLogin) string {
	t.Helper()
	if err := b.Navigate(ctx, start); err != nil {
		t.Fatal(err)
	}
	allowed := false
	for step := 0; step < 40; step++ {
		text, err := b.Text(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if allowed || strings.Contains(text, "Your device is signed in") {
			return text
		}
		click := func(button string) {
			if err := b.Click(ctx, button); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		}
		switch has := func(button string) bool { ok, _ := b.HasButton(ctx, button); return ok }; {
		case has(browsertest.ButtonAllow):
			click(browsertest.ButtonAllow)
			allowed = true
		case has(l.Button):
			click(l.Button)
		case has(browsertest.ButtonNext):
			click(browsertest.ButtonNext)
		case has(l.Login):
			if ok, _ := b.HasField(ctx, l.UserLabel); !ok {
				t.Fatalf("the provider's login page has no field %q: %s", l.UserLabel, text)
			}
			if err := b.Fill(ctx, l.UserLabel, l.Username); err != nil {
				t.Fatal(err)
			}
			if err := b.Fill(ctx, l.PassLabel, l.Password); err != nil {
				t.Fatal(err)
			}
			click(l.Login)
		default:
			// A page that moves on by itself (SimpleSAMLphp posts the
			// answer with a script), or the end.
			if step > 0 && (strings.Contains(text, "refused") || strings.Contains(text, "expired") || strings.Contains(text, "went wrong")) {
				u, _ := b.URL(ctx)
				t.Fatalf("the sign-in stopped at %s: %s", u, text)
			}
			select {
			case <-ctx.Done():
				t.Fatal(ctx.Err())
			case <-time.After(150 * time.Millisecond):
			}
		}
	}
	u, _ := b.URL(ctx)
	text, _ := b.Text(ctx)
	t.Fatalf("the sign-in did not end; at %s: %s", u, text)
	return ""
}

// cliLogin runs "aws sso login --no-browser" (the AWS CLI v2) and returns
// the verification URL it prints and a function that waits for it to end
// and returns its output.
func cliLogin(ctx context.Context, t *testing.T, env []string) (string, func() (string, error)) {
	t.Helper()
	if _, err := os.Stat(awsCLIv2); err != nil {
		t.Fatalf("the AWS CLI v2 is required at %s (apt-get install awscli): %v", awsCLIv2, err)
	}
	cmd := exec.CommandContext(ctx, awsCLIv2, "sso", "login", "--profile", "dev", "--no-browser")
	cmd.Env = env
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); pw.Close() }()
	var output servertest.Buffer
	urls := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		re := regexp.MustCompile(`(https?://\S+/device\?user_code=[A-Z]{4}-[A-Z]{4})`)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			output.Write([]byte(sc.Text() + "\n"))
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	wait := func() (string, error) {
		err := <-done
		<-scanned
		return output.String(), err
	}
	select {
	case u := <-urls:
		return u, wait
	case err := <-done:
		t.Fatalf("aws sso login ended early: %v\n%s", err, output.String())
	case <-ctx.Done():
		t.Fatalf("no verification URL printed:\n%s", output.String())
	}
	return "", nil
}

// portalRoles lists the roles of the static account with the AWS CLI v2
// and the access token its login cached, at our portal.
func portalRoles(ctx context.Context, t *testing.T, home string, env []string) string {
	t.Helper()
	// CLI 2.9 predates AWS_ENDPOINT_URL_SSO: the portal's rule set sends
	// it to us, like cliHome's for SSO OIDC.
	data := filepath.Join(home, "aws-data")
	rules, err := os.ReadFile(filepath.Join(data, "sso-oidc", "2019-06-10", "endpoint-rule-set-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(data, "sso", "2019-06-10")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "endpoint-rule-set-1.json"), rules, 0o600); err != nil {
		t.Fatal(err)
	}
	var cached map[string]any
	raw, err := os.ReadFile(filepath.Join(home, ".aws", "sso", "cache", sha1hex("my-sso")+".json"))
	if err != nil {
		t.Fatalf("the CLI's token cache: %v", err)
	}
	_ = json.Unmarshal(raw, &cached)
	token, _ := cached["accessToken"].(string)
	cmd := exec.CommandContext(ctx, awsCLIv2, "sso", "list-account-roles", "--access-token", token, "--account-id", acctStatic,
		"--region", "us-east-1", "--output", "json")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("aws sso list-account-roles: %v\n%s", err, out)
	}
	return string(out)
}

// upstreamDeviceLogin is the whole scenario against srv: the AWS CLI v2
// logs in, the person signs in at the identity provider in Chromium and
// allows, and the portal lists the role of the group the provider said
// the person is in.
func upstreamDeviceLogin(t *testing.T, srv *servertest.Server, l idpLogin) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	home, env := cliHome(t, srv.URL)
	url, wait := cliLogin(ctx, t, env)
	b := browsertest.New(t)
	text := signInThroughIdP(ctx, t, b, url, l)
	out, err := wait()
	if err != nil || !strings.Contains(out, "Successfully logged into Start URL") {
		t.Fatalf("aws sso login: %v\n%s\nlast page: %s\nserver log:\n%s", err, out, text, tail(srv.Logs(), 4000))
	}
	roles := portalRoles(ctx, t, home, env)
	if !strings.Contains(roles, `"roleName": "ReadOnly"`) {
		t.Errorf("the portal does not list the role of group devs:\n%s", roles)
	}
	u, err := srv.Srv.People().GetUserByName(ctx, l.Username)
	if err != nil {
		t.Fatalf("the user was not created: %v", err)
	}
	if u.PasswordHash != "" || u.Email != dana.Email || u.DisplayName != "Dana Scully" || len(u.ExternalIDs) != 1 {
		t.Errorf("created user: %+v", u)
	}
	groups, err := srv.Srv.People().UserGroups(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range groups {
		names = append(names, g.DisplayName)
	}
	if strings.Join(names, ",") != "devs,auditors" && strings.Join(names, ",") != "auditors,devs" {
		t.Errorf("groups %v, want devs and auditors", names)
	}
}

// TestOIDCUpstreamAWSCLIDeviceLogin: "aws sso login" with a person who
// signs in at an OpenID Provider built on zitadel/oidc, on SQLite, with
// password sign-in turned off.
func TestOIDCUpstreamAWSCLIDeviceLogin(t *testing.T) {
	op := upstreamtest.NewOP(t, []upstreamtest.User{dana})
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		upstreamDirectory(c)
		c.Upstreams, c.NoLocalPasswords = oidcProvider(t, op), true
	}))
	upstreamDeviceLogin(t, srv, idpLogin{Button: "Sign in with Zitadel", UserLabel: upstreamtest.OPLabelUsername,
		PassLabel: upstreamtest.OPLabelPassword, Login: upstreamtest.OPButtonLogin, Username: dana.Username, Password: dana.Password})
}

// TestSAMLUpstreamAWSCLIDeviceLogin: the same with SimpleSAMLphp, a SAML
// 2.0 identity provider.
func TestSAMLUpstreamAWSCLIDeviceLogin(t *testing.T) {
	idp := upstreamtest.NewSAMLIdP(t, []upstreamtest.User{dana})
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		upstreamDirectory(c)
		c.Upstreams = samlProvider(t, idp)
	}))
	upstreamDeviceLogin(t, srv, idpLogin{Button: "Sign in with SimpleSAMLphp", UserLabel: upstreamtest.IdPLabelUsername,
		PassLabel: upstreamtest.IdPLabelPassword, Login: upstreamtest.IdPButtonLogin, Username: dana.Username, Password: dana.Password})
}

// pgNodes runs two servers in this process on one fresh PostgreSQL
// schema, both with the public URL of the first: a browser that starts a
// sign-in on the second comes back from the identity provider to the
// first, which must find the sign-in in the store.
func pgNodes(t *testing.T, configure func(*server.Config)) (first, second string, logs *servertest.Buffer) {
	t.Helper()
	return pgNodesOn(t, pgSchemaDSN(t), configure)
}

// pgNodesOn is pgNodes on the schema of dsn.
func pgNodesOn(t *testing.T, dsn string, configure func(*server.Config)) (first, second string, logs *servertest.Buffer) {
	t.Helper()
	logs = &servertest.Buffer{}
	var urls []string
	var listeners []net.Listener
	for range 2 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		listeners = append(listeners, l)
		urls = append(urls, "http://"+l.Addr().String())
	}
	for i, l := range listeners {
		ctx, cancel := context.WithCancel(context.Background())
		store, err := postgres.Open(ctx, dsn, postgres.Options{})
		if err != nil {
			t.Fatalf("PostgreSQL is required: %v", err)
		}
		cfg := server.Config{Addr: l.Addr().String(), PublicURL: urls[0], GCInterval: time.Hour}
		configure(&cfg)
		log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", i)
		srv, err := server.New(ctx, store, cfg, log)
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ctx, l) }()
		t.Cleanup(func() {
			if tr, ok := http.DefaultTransport.(*http.Transport); ok {
				tr.CloseIdleConnections()
			}
			cancel()
			<-done
			store.Close()
		})
	}
	return urls[0], urls[1], logs
}

// upstreamTwoNodes is upstreamDeviceLogin on PostgreSQL: the AWS CLI and
// the browser start at the second node; the provider sends the person
// back to the first.
func upstreamTwoNodes(t *testing.T, configure func(*server.Config), l idpLogin) {
	first, second, logs := pgNodes(t, configure)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	home, env := cliHome(t, second)
	verification, wait := cliLogin(ctx, t, env)
	b := browsertest.New(t)
	text := signInThroughIdP(ctx, t, b, strings.Replace(verification, first, second, 1), l)
	out, err := wait()
	if err != nil || !strings.Contains(out, "Successfully logged into Start URL") {
		t.Fatalf("aws sso login: %v\n%s\nlast page: %s\nlog:\n%s", err, out, text, tail(logs.String(), 4000))
	}
	// The return from the provider was answered by the first node.
	if !regexp.MustCompile(`"msg":"signed in","node":0,[^\n]*"method":"` + l.Method + `"`).MatchString(logs.String()) {
		t.Errorf("the first node did not sign the person in through %s:\n%s", l.Method, tail(logs.String(), 3000))
	}
	if roles := portalRoles(ctx, t, home, env); !strings.Contains(roles, `"roleName": "ReadOnly"`) {
		t.Errorf("the portal does not list the role of group devs:\n%s", roles)
	}
}

// TestOIDCUpstreamTwoNodesPostgres: the OIDC scenario on PostgreSQL,
// across two nodes.
func TestOIDCUpstreamTwoNodesPostgres(t *testing.T) {
	op := upstreamtest.NewOP(t, []upstreamtest.User{dana})
	upstreamTwoNodes(t, func(c *server.Config) {
		upstreamDirectory(c)
		c.Upstreams = oidcProvider(t, op)
	}, idpLogin{Button: "Sign in with Zitadel", UserLabel: upstreamtest.OPLabelUsername, PassLabel: upstreamtest.OPLabelPassword,
		Login: upstreamtest.OPButtonLogin, Username: dana.Username, Password: dana.Password, Method: "oidc:zitadel"})
}

// TestSAMLUpstreamTwoNodesPostgres: the SAML scenario on PostgreSQL,
// across two nodes (the IdP posts its answer to the first).
func TestSAMLUpstreamTwoNodesPostgres(t *testing.T) {
	idp := upstreamtest.NewSAMLIdP(t, []upstreamtest.User{dana})
	upstreamTwoNodes(t, func(c *server.Config) {
		upstreamDirectory(c)
		c.Upstreams = samlProvider(t, idp)
	}, idpLogin{Button: "Sign in with SimpleSAMLphp", UserLabel: upstreamtest.IdPLabelUsername, PassLabel: upstreamtest.IdPLabelPassword,
		Login: upstreamtest.IdPButtonLogin, Username: dana.Username, Password: dana.Password, Method: "saml:simplesaml"})
}
