package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	dom "github.com/ssooidc/ssooidc/internal/sso"
)

// The administrator of these tests: may call the Identity Store and SSO
// Admin APIs and CreateTokenWithIAM.
var ssoAdmin = sigv4.Principal{AccessKeyID: "AKIASSOADMINEXAMPLE", SecretAccessKey: "sso-admin-secret", Account: "123456789012",
	ARN: "arn:aws:iam::123456789012:role/identity-admin", Allow: []string{"sso:*", "identitystore:*", "sso-oauth:CreateTokenWithIAM"}}

// newestModel writes an AWS_DATA_PATH holding the SSO Admin model of the
// machine's botocore (1.43), whose operations the AWS CLI v2 2.9 predates
// (applications, trusted token issuers), and returns the directory.
func newestModel(t *testing.T, data string) {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import botocore, os; print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		t.Fatalf("botocore is required in the machine's Python: %v", err)
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "data", "sso-admin", "2020-07-20", "service-2.json.gz")
	f, err := os.Open(src)
	if err != nil {
		t.Fatalf("botocore's SSO Admin model: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(data, "sso-admin", "2020-07-20")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "service-2.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// adminServer is a server whose administrator may call the AWS APIs,
// whose accounts get role credentials from moto's STS, and that names the
// roles as Identity Center does.
func adminServer(t *testing.T) (*servertest.Server, string) {
	t.Helper()
	motoURL := servertest.StartMoto(t)
	return servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.IAM.Principals = []sigv4.Principal{ssoAdmin}
		c.Issuer = rolecreds.New(rolecreds.Config{STSEndpoint: motoURL, STSRegion: "us-east-1",
			Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""), RoleNames: rolecreds.RoleNamesIdentityCenter})
		c.Directory.Accounts = []dom.Account{{ID: acctSTS, Name: "Production", Source: dom.SourceSTS}}
	})), motoURL
}

// cli runs the AWS CLI v2 with env and returns its JSON output.
func cli(t *testing.T, ctx context.Context, env []string, args ...string) (map[string]any, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, awsCLIv2, append(args, "--output", "json")...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, &cliError{err: err, stderr: stderr.String()}
	}
	m := map[string]any{}
	if len(bytes.TrimSpace(out)) > 0 {
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("aws %s: output %q", strings.Join(args, " "), out)
		}
	}
	return m, nil
}

type cliError struct {
	err    error
	stderr string
}

func (e *cliError) Error() string { return e.err.Error() + ": " + e.stderr }

// TestSSOAdminCLIJourney: an administrator manages access with the AWS CLI
// v2 (aws sso-admin), a person logs in with the AWS CLI and gets role
// credentials from STS (moto's) for the role the assignment gives her
// group; when the assignment is deleted, the role is gone and role
// credentials are refused at once.
//
// The user, the group and the membership are made with aws identitystore.
func TestSSOAdminCLIJourney(t *testing.T) {
	if _, err := os.Stat(awsCLIv2); err != nil {
		t.Fatalf("the AWS CLI v2 is required at %s: %v", awsCLIv2, err)
	}
	srv, motoURL := adminServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	home, env := cliHome(t, srv.URL)
	newestModel(t, filepath.Join(home, "aws-data"))
	adminEnv := append(append([]string(nil), env...), "AWS_ACCESS_KEY_ID="+ssoAdmin.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+ssoAdmin.SecretAccessKey, "AWS_DEFAULT_REGION=us-east-1")
	aws := func(service string, args ...string) map[string]any {
		t.Helper()
		m, err := cli(t, ctx, adminEnv, append([]string{service, "--endpoint-url", srv.URL}, args...)...)
		if err != nil {
			t.Fatalf("aws %s %s: %v", service, args[0], err)
		}
		return m
	}
	admin := func(args ...string) map[string]any { t.Helper(); return aws("sso-admin", args...) }

	// The person, her group and her membership, through the Identity Store
	// API; her password as an operator sets one (the Identity Store has no
	// password operation).
	store := srv.Srv.Config().IAM.IdentityStoreID
	aliceID := aws("identitystore", "create-user", "--identity-store-id", store, "--user-name", "alice",
		"--display-name", "Alice", "--name", "GivenName=Alice,FamilyName=Liddell")["UserId"].(string)
	devsID := aws("identitystore", "create-group", "--identity-store-id", store, "--display-name", "devs")["GroupId"].(string)
	aws("identitystore", "create-group-membership", "--identity-store-id", store, "--group-id", devsID,
		"--member-id", "UserId="+aliceID)
	if err := srv.Srv.Identity().SetPassword(ctx, "alice", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	inst := admin("list-instances")["Instances"].([]any)[0].(map[string]any)["InstanceArn"].(string)
	ps := admin("create-permission-set", "--instance-arn", inst, "--name", "DataEngineer", "--session-duration", "PT4H",
		"--description", "Data engineering")["PermissionSet"].(map[string]any)["PermissionSetArn"].(string)
	admin("attach-managed-policy-to-permission-set", "--instance-arn", inst, "--permission-set-arn", ps,
		"--managed-policy-arn", "arn:aws:iam::aws:policy/job-function/DataScientist")
	// A model operation CLI 2.9 does not know of, from the newest model.
	if provs := admin("list-application-providers")["ApplicationProviders"].([]any); len(provs) != 1 {
		t.Errorf("application providers %v", provs)
	}
	st := admin("create-account-assignment", "--instance-arn", inst, "--permission-set-arn", ps, "--target-id", acctSTS,
		"--target-type", "AWS_ACCOUNT", "--principal-type", "GROUP", "--principal-id", devsID)["AccountAssignmentCreationStatus"].(map[string]any)
	got := admin("describe-account-assignment-creation-status", "--instance-arn", inst,
		"--account-assignment-creation-request-id", st["RequestId"].(string))["AccountAssignmentCreationStatus"].(map[string]any)
	if got["Status"] != "SUCCEEDED" || got["PrincipalId"] != devsID {
		t.Errorf("creation status %v", got)
	}

	// alice logs in with the AWS CLI; her code is approved as she would on
	// the page.
	token := cliLoginAs(t, ctx, srv, env, home, "alice")
	person := func(args ...string) (map[string]any, error) {
		return cli(t, ctx, env, append(append([]string{"sso"}, args...), "--endpoint-url", srv.URL, "--region", "us-east-1",
			"--access-token", token)...)
	}
	roles, err := person("list-account-roles", "--account-id", acctSTS)
	if err != nil {
		t.Fatal(err)
	}
	if list := roles["roleList"].([]any); len(list) != 1 || list[0].(map[string]any)["roleName"] != "DataEngineer" {
		t.Errorf("list-account-roles %v", roles)
	}
	creds, err := person("get-role-credentials", "--account-id", acctSTS, "--role-name", "DataEngineer")
	if err != nil {
		t.Fatal(err)
	}
	rc := creds["roleCredentials"].(map[string]any)
	if ak, _ := rc["accessKeyId"].(string); !strings.HasPrefix(ak, "ASIA") || rc["sessionToken"] == "" {
		t.Errorf("role credentials not from STS: %v", rc)
	}
	if exp, _ := rc["expiration"].(float64); time.Until(time.UnixMilli(int64(exp))) < 3*time.Hour {
		t.Errorf("the credentials last less than the permission set's four hours: %v", rc["expiration"])
	}
	// The role assumed is the one Identity Center would have made: STS
	// says who the credentials are.
	p, _ := srv.Srv.Directory().PermissionSet(ctx, "DataEngineer")
	who, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: &motoURL,
		Credentials: credentials.NewStaticCredentialsProvider(rc["accessKeyId"].(string), rc["secretAccessKey"].(string), rc["sessionToken"].(string))}).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "assumed-role/AWSReservedSSO_DataEngineer_" + p.RoleSuffix + "/alice"; !strings.HasSuffix(*who.Arn, want) {
		t.Errorf("STS says the credentials are %s, want ...%s", *who.Arn, want)
	}

	admin("delete-account-assignment", "--instance-arn", inst, "--permission-set-arn", ps, "--target-id", acctSTS,
		"--target-type", "AWS_ACCOUNT", "--principal-type", "GROUP", "--principal-id", devsID)
	roles, err = person("list-account-roles", "--account-id", acctSTS)
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := roles["roleList"].([]any); len(list) != 0 {
		t.Errorf("the role is still listed: %v", roles)
	}
	_, err = person("get-role-credentials", "--account-id", acctSTS, "--role-name", "DataEngineer")
	if err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("role credentials after the assignment went: %v", err)
	}
	if out := admin("list-account-assignment-deletion-status", "--instance-arn", inst); len(out["AccountAssignmentsDeletionStatus"].([]any)) != 1 {
		t.Errorf("deletion requests %v", out)
	}
}

// cliLoginAs logs in with the AWS CLI v2 (the shared cliLogin), approves
// its code as user, and returns the access token the CLI cached.
func cliLoginAs(t *testing.T, ctx context.Context, srv *servertest.Server, env []string, home, user string) string {
	t.Helper()
	verification, wait := cliLogin(ctx, t, env)
	u, err := url.Parse(verification)
	if err != nil {
		t.Fatal(err)
	}
	srv.Decide(t, u.Query().Get("user_code"), user, true)
	if out, err := wait(); err != nil {
		t.Fatalf("aws sso login: %v\n%s", err, out)
	}
	var cached map[string]any
	raw, err := os.ReadFile(filepath.Join(home, ".aws", "sso", "cache", sha1hex("my-sso")+".json"))
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(raw, &cached)
	tok, _ := cached["accessToken"].(string)
	if tok == "" {
		t.Fatalf("no token cached: %s", raw)
	}
	return tok
}
