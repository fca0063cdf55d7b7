package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"

	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	dom "github.com/ssooidc/ssooidc/internal/sso"
)

const (
	acctSTS    = "111111111111"
	acctStatic = "222222222222"
)

// portalServer is a server with a directory: alice (group devs) has Admin
// in the STS account; the group devs has ReadOnly in the static account;
// bob has ReadOnly in the STS account only.
func portalServer(t *testing.T, opts ...servertest.Option) *servertest.Server {
	t.Helper()
	return portalServerAt(t, servertest.StartMoto(t), opts...)
}

// portalServerAt is portalServer with STS at motoURL.
func portalServerAt(t *testing.T, motoURL string, opts ...servertest.Option) *servertest.Server {
	t.Helper()
	issuer := rolecreds.New(rolecreds.Config{
		STSEndpoint: motoURL, STSRegion: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		Static:      map[string]rolecreds.Static{acctStatic: {AccessKeyID: "AKIASTATICEXAMPLE", SecretAccessKey: "static-secret"}},
	})
	opts = append([]servertest.Option{servertest.WithConfig(func(c *server.Config) {
		c.Issuer = issuer
		c.Directory = server.Directory{
			Accounts: []dom.Account{
				{ID: acctSTS, Name: "Production", Email: "prod@example.com", Source: dom.SourceSTS},
				{ID: acctStatic, Name: "Sandbox", Source: dom.SourceStatic},
			},
			PermissionSets: []dom.PermissionSet{{Name: "Admin", SessionDuration: time.Hour}, {Name: "ReadOnly", SessionDuration: 2 * time.Hour}},
			Users: []identity.UserSpec{
				{Name: "alice", Password: "correct horse battery", Groups: []string{"devs"}},
				{Name: "bob", Password: "correct horse battery"},
			},
			Assignments: []server.AssignmentDecl{
				{AccountID: acctSTS, PermissionSet: "Admin", User: "alice"},
				{AccountID: acctStatic, PermissionSet: "ReadOnly", Group: "devs"},
				{AccountID: acctSTS, PermissionSet: "ReadOnly", User: "bob"},
			},
		}
	})}, opts...)
	return servertest.New(t, opts...)
}

func portalClient(srv *servertest.Server) *sso.Client {
	return sso.New(sso.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: aws.AnonymousCredentials{}})
}

func loginAs(t *testing.T, srv *servertest.Server, user string) (registered, string, string) {
	t.Helper()
	c := sdk(srv)
	r := register(t, c, "sso:account:access")
	st := start(t, c, r)
	srv.Decide(t, *st.UserCode, user, true)
	tok, err := poll(c, r, *st.DeviceCode)
	if err != nil {
		t.Fatal(err)
	}
	return r, *tok.AccessToken, *tok.RefreshToken
}

// TestPortalBotocoreAndCLIv1: botocore resolves credentials for an
// sso-session profile end to end (its token cache, its refresh at our OIDC
// endpoint, our portal, STS in moto), and the AWS CLI v1's sso commands
// work with AWS_ENDPOINT_URL_SSO.
func TestPortalBotocoreAndCLIv1(t *testing.T) {
	srv := portalServer(t)
	r, access, refreshTok := loginAs(t, srv, "alice")
	home, env := cliHome(t, srv.URL)
	env = append(env, "AWS_ENDPOINT_URL_SSO_OIDC="+srv.URL, "AWS_ENDPOINT_URL_SSO="+srv.URL)
	// Replace the profile's role with one alice has.
	cfgPath := filepath.Join(home, ".aws", "config")
	b, _ := os.ReadFile(cfgPath)
	b = []byte(strings.ReplaceAll(strings.ReplaceAll(string(b), "123456789012", acctSTS), "sso_role_name = Admin", "sso_role_name = Admin"))
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// A CLI-format token cache inside botocore's refresh window.
	cacheDir := filepath.Join(home, ".aws", "sso", "cache")
	_ = os.MkdirAll(cacheDir, 0o700)
	writeJSON(t, filepath.Join(cacheDir, sha1hex("my-sso")+".json"), map[string]any{
		"startUrl": servertest.StartURL, "region": "us-east-1", "accessToken": access,
		"expiresAt": time.Now().Add(5 * time.Minute).UTC().Format("2006-01-02T15:04:05Z"),
		"clientId":  r.id, "clientSecret": r.secret, "refreshToken": refreshTok,
		"registrationExpiresAt": time.Now().Add(80 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05Z"),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	py := exec.CommandContext(ctx, "python3", "-c", `
import boto3, json
c = boto3.Session(profile_name="dev").get_credentials().get_frozen_credentials()
print(json.dumps({"ak": c.access_key, "sk": c.secret_key, "token": c.token}))
`)
	py.Env = env
	out, err := py.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3 credentials: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var creds map[string]string
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &creds); err != nil {
		t.Fatalf("boto3 output %q", out)
	}
	if !strings.HasPrefix(creds["ak"], "ASIA") || creds["sk"] == "" || creds["token"] == "" {
		t.Errorf("credentials not from STS: %v", creds)
	}
	var cached map[string]any
	raw, _ := os.ReadFile(filepath.Join(cacheDir, sha1hex("my-sso")+".json"))
	_ = json.Unmarshal(raw, &cached)
	if cached["accessToken"] == access {
		t.Error("botocore did not refresh the token at our OIDC endpoint")
	}
	newAccess, _ := cached["accessToken"].(string)

	// The AWS CLI v1 (botocore 1.43, the machine's Python).
	cli := func(args ...string) (map[string]any, string, error) {
		cmd := exec.CommandContext(ctx, "python3", append([]string{"-m", "awscli"}, args...)...)
		cmd.Env = append(env, "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=")
		out, err := cmd.CombinedOutput()
		var m map[string]any
		_ = json.Unmarshal(out, &m)
		return m, string(out), err
	}
	m, raw2, err := cli("sso", "list-accounts", "--access-token", newAccess, "--region", "us-east-1", "--output", "json")
	if err != nil {
		t.Fatalf("aws sso list-accounts: %v\n%s", err, raw2)
	}
	if got := fmt.Sprint(m["accountList"]); !strings.Contains(got, acctSTS) || !strings.Contains(got, acctStatic) {
		t.Errorf("list-accounts: %s", raw2)
	}
	m, raw2, err = cli("sso", "list-account-roles", "--access-token", newAccess, "--account-id", acctStatic, "--region", "us-east-1", "--output", "json")
	if err != nil || !strings.Contains(raw2, `"ReadOnly"`) {
		t.Fatalf("aws sso list-account-roles: %v\n%s", err, raw2)
	}
	m, raw2, err = cli("sso", "get-role-credentials", "--access-token", newAccess, "--account-id", acctStatic, "--role-name", "ReadOnly", "--region", "us-east-1", "--output", "json")
	if err != nil || !strings.Contains(raw2, "AKIASTATICEXAMPLE") {
		t.Fatalf("aws sso get-role-credentials: %v\n%s", err, raw2)
	}
	rc, _ := m["roleCredentials"].(map[string]any)
	if exp, _ := rc["expiration"].(float64); time.UnixMilli(int64(exp)).Before(time.Now().Add(time.Hour)) {
		t.Errorf("expiration %v is not epoch milliseconds two hours ahead", rc["expiration"])
	}
	if _, raw2, err = cli("sso", "logout", "--access-token", newAccess, "--region", "us-east-1"); err != nil {
		t.Fatalf("aws sso logout: %v\n%s", err, raw2)
	}
	_, raw2, err = cli("sso", "list-accounts", "--access-token", newAccess, "--region", "us-east-1")
	if err == nil || !strings.Contains(raw2, "UnauthorizedException") {
		t.Errorf("list-accounts after logout: %v\n%s", err, raw2)
	}
}

// TestPortalGoSDKLoadDefaultConfig: aws-sdk-go-v2's config.LoadDefaultConfig
// with an SSO profile gets credentials through us.
func TestPortalGoSDKLoadDefaultConfig(t *testing.T) {
	srv := portalServer(t)
	r, access, refreshTok := loginAs(t, srv, "alice")
	home, _ := cliHome(t, srv.URL)
	cacheDir := filepath.Join(home, ".aws", "sso", "cache")
	_ = os.MkdirAll(cacheDir, 0o700)
	writeJSON(t, filepath.Join(cacheDir, sha1hex("my-sso")+".json"), map[string]any{
		"startUrl": servertest.StartURL, "region": "us-east-1", "accessToken": access,
		"expiresAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"clientId":  r.id, "clientSecret": r.secret, "refreshToken": refreshTok,
	})
	cfgPath := filepath.Join(home, ".aws", "config")
	b, _ := os.ReadFile(cfgPath)
	_ = os.WriteFile(cfgPath, []byte(strings.ReplaceAll(string(b), "123456789012", acctSTS)), 0o600)
	t.Setenv("HOME", home)
	t.Setenv("AWS_ENDPOINT_URL_SSO", srv.URL)
	t.Setenv("AWS_ENDPOINT_URL_SSO_OIDC", srv.URL)
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithSharedConfigProfile("dev"),
		config.WithSharedConfigFiles([]string{cfgPath}), config.WithSharedCredentialsFiles([]string{filepath.Join(home, "none")}))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("credentials through ssocreds: %v", err)
	}
	if !strings.HasPrefix(creds.AccessKeyID, "ASIA") || creds.SessionToken == "" || time.Until(creds.Expires) < 50*time.Minute {
		t.Errorf("credentials %s expires %v", creds.AccessKeyID, creds.Expires)
	}
}

// TestPortalPagination: 250 accounts listed 7 at a time, each exactly once.
func TestPortalPagination(t *testing.T) {
	var dir server.Directory
	dir.PermissionSets = []dom.PermissionSet{{Name: "Admin"}}
	for i := range 250 {
		id := fmt.Sprintf("%012d", 100000000000+i*7919)
		dir.Accounts = append(dir.Accounts, dom.Account{ID: id, Name: "acct-" + id, Source: dom.SourceStatic})
		dir.Assignments = append(dir.Assignments, server.AssignmentDecl{AccountID: id, PermissionSet: "Admin", Group: "ops"})
	}
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.Issuer = rolecreds.New(rolecreds.Config{})
		c.Directory = dir
	}))
	srv.AddUser(t, "alice", "correct horse battery", "ops")
	_, access, _ := loginAs(t, srv, "alice")
	p := sso.NewListAccountsPaginator(portalClient(srv), &sso.ListAccountsInput{AccessToken: &access, MaxResults: aws.Int32(7)})
	seen := map[string]int{}
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, a := range out.AccountList {
			seen[*a.AccountId]++
		}
	}
	if len(seen) != 250 || pages != 36 {
		t.Fatalf("%d accounts over %d pages", len(seen), pages)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("account %s listed %d times", id, n)
		}
	}
	_, err := portalClient(srv).ListAccounts(context.Background(), &sso.ListAccountsInput{AccessToken: &access, NextToken: aws.String("!!")})
	var ir *ssotypes.InvalidRequestException
	if !errors.As(err, &ir) {
		t.Errorf("bad next token: %v", err)
	}
}

// TestPortalAuthorization: people see and get only their own assignments,
// directly or through a group; bad, revoked and expired tokens are
// UnauthorizedException.
func TestPortalAuthorization(t *testing.T) {
	clk := &clock{}
	srv := portalServer(t, withClock(clk))
	pc := portalClient(srv)
	ctx := context.Background()
	_, alice, _ := loginAs(t, srv, "alice")
	_, bob, _ := loginAs(t, srv, "bob")

	accounts := func(tok string) []string {
		out, err := pc.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: &tok})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range out.AccountList {
			ids = append(ids, *a.AccountId)
		}
		sort.Strings(ids)
		return ids
	}
	if got := fmt.Sprint(accounts(alice)); got != fmt.Sprint([]string{acctSTS, acctStatic}) {
		t.Errorf("alice sees %s", got)
	}
	if got := fmt.Sprint(accounts(bob)); got != fmt.Sprint([]string{acctSTS}) {
		t.Errorf("bob sees %s", got)
	}
	roles, err := pc.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: &bob, AccountId: aws.String(acctSTS)})
	if err != nil || len(roles.RoleList) != 1 || *roles.RoleList[0].RoleName != "ReadOnly" {
		t.Errorf("bob's roles: %v %v", err, roles)
	}
	get := func(tok, acct, role string) error {
		_, err := pc.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: &tok, AccountId: &acct, RoleName: &role})
		return err
	}
	var nf *ssotypes.ResourceNotFoundException
	if err := get(bob, acctSTS, "Admin"); !errors.As(err, &nf) {
		t.Errorf("bob got alice's role: %v", err)
	}
	if err := get(bob, acctStatic, "ReadOnly"); !errors.As(err, &nf) {
		t.Errorf("bob got the devs group's role: %v", err)
	}
	if err := get(alice, acctStatic, "ReadOnly"); err != nil {
		t.Errorf("alice through her group: %v", err)
	}
	if err := get(alice, acctSTS, "Admin"); err != nil {
		t.Errorf("alice directly: %v", err)
	}
	var ua *ssotypes.UnauthorizedException
	if err := get("aoaGARBAGE", acctSTS, "Admin"); !errors.As(err, &ua) {
		t.Errorf("garbage token: %v", err)
	}
	var inv *ssotypes.InvalidRequestException
	if err := get(alice, "12", "Admin"); !errors.As(err, &inv) {
		t.Errorf("bad account id: %v", err)
	}
	if _, err := pc.Logout(ctx, &sso.LogoutInput{AccessToken: &bob}); err != nil {
		t.Fatal(err)
	}
	if err := get(bob, acctSTS, "ReadOnly"); !errors.As(err, &ua) {
		t.Errorf("revoked token: %v", err)
	}
	clk.Advance(61 * time.Minute)
	if err := get(alice, acctSTS, "Admin"); !errors.As(err, &ua) {
		t.Errorf("expired token: %v", err)
	}
}
