package identitystore_test

import (
	"context"
	"encoding/json"
	"github.com/ssooidc/ssooidc/internal/testnpm"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// awsCLIv2 is Debian's AWS CLI v2 (2.9.19); the first "aws" on PATH is
// the v1 CLI, so the path is explicit.
const awsCLIv2 = "/usr/bin/aws"

// clientEnv is the environment of a real client process: the admin's
// keys, no config files, no pager, no metadata service.
func clientEnv(t *testing.T) []string {
	home := t.TempDir()
	return append(os.Environ(), "HOME="+home, "AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"), "AWS_ACCESS_KEY_ID="+admin.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+admin.SecretAccessKey, "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true")
}

// modelDir is an AWS_DATA_PATH with the newest Identity Store model
// (botocore 1.43's, in testdata): CLI 2.9.19's own model predates
// Extensions, Photos, Roles, Website, Birthdate and UserStatus.
func modelDir(t *testing.T) string {
	dir := t.TempDir()
	dst := filepath.Join(dir, "identitystore", "2020-06-15")
	if err := os.MkdirAll(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	for src, name := range map[string]string{
		"identitystore-2020-06-15.service-2.json":    "service-2.json",
		"identitystore-2020-06-15.paginators-1.json": "paginators-1.json",
	} {
		b, err := os.ReadFile(filepath.Join("testdata", src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestAWSCLIv2 drives "aws identitystore ..." of the AWS CLI v2 with the
// newest model through AWS_DATA_PATH.
func TestAWSCLIv2(t *testing.T) {
	if _, err := os.Stat(awsCLIv2); err != nil {
		t.Fatalf("the AWS CLI v2 is required at %s (apt-get install awscli): %v", awsCLIv2, err)
	}
	srv := newServer(t)
	env := append(clientEnv(t), "AWS_DATA_PATH="+modelDir(t))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	aws := func(args ...string) (map[string]any, string, error) {
		cmd := exec.CommandContext(ctx, awsCLIv2, append([]string{"identitystore", "--endpoint-url", srv.URL, "--output", "json"}, args...)...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var m map[string]any
		if err == nil && len(out) > 0 {
			if jerr := json.Unmarshal(out, &m); jerr != nil {
				t.Fatalf("aws %s: output is not JSON: %s", strings.Join(args, " "), out)
			}
		}
		return m, stderr.String(), err
	}
	must := func(args ...string) map[string]any {
		t.Helper()
		m, stderr, err := aws(args...)
		if err != nil {
			t.Fatalf("aws identitystore %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return m
	}
	created := must("create-user", "--identity-store-id", storeID, "--user-name", "cli-user", "--display-name", "CLI User",
		"--name", "GivenName=Cee,FamilyName=Ell", "--emails", "Value=cli@example.com,Type=work,Primary=true",
		"--extensions", `{"aws:identitystore:enterprise":{"costCenter":"42"}}`)
	uid, _ := created["UserId"].(string)
	got := must("describe-user", "--identity-store-id", storeID, "--user-id", uid, "--extensions", "aws:identitystore:enterprise")
	ext, _ := got["Extensions"].(map[string]any)["aws:identitystore:enterprise"].(map[string]any)
	if got["UserName"] != "cli-user" || got["UserStatus"] != "ENABLED" || ext["costCenter"] != "42" {
		t.Errorf("describe-user = %v", got)
	}
	must("update-user", "--identity-store-id", storeID, "--user-id", uid, "--operations",
		`[{"AttributePath":"displayName","AttributeValue":"Cee Ell"},{"AttributePath":"title","AttributeValue":"Operator"}]`)
	byName := must("get-user-id", "--identity-store-id", storeID, "--alternate-identifier",
		`{"UniqueAttribute":{"AttributePath":"userName","AttributeValue":"cli-user"}}`)
	if byName["UserId"] != uid {
		t.Errorf("get-user-id = %v", byName)
	}
	for i := range 4 {
		must("create-user", "--identity-store-id", storeID, "--user-name", "cli-"+string(rune('a'+i)), "--display-name", "X",
			"--name", "GivenName=X,FamilyName=Y")
	}
	// The CLI follows NextToken itself: 5 users in pages of 2.
	list := must("list-users", "--identity-store-id", storeID, "--page-size", "2")
	if users, _ := list["Users"].([]any); len(users) != 5 {
		t.Errorf("list-users: %d users", len(users))
	}
	group := must("create-group", "--identity-store-id", storeID, "--display-name", "cli-group")
	gid, _ := group["GroupId"].(string)
	must("create-group-membership", "--identity-store-id", storeID, "--group-id", gid, "--member-id", "UserId="+uid)
	is := must("is-member-in-groups", "--identity-store-id", storeID, "--member-id", "UserId="+uid, "--group-ids", gid)
	if res, _ := is["Results"].([]any); len(res) != 1 || res[0].(map[string]any)["MembershipExists"] != true {
		t.Errorf("is-member-in-groups = %v", is)
	}
	if _, stderr, err := aws("describe-user", "--identity-store-id", storeID, "--user-id", "0a1b2c3d-0000-4000-8000-000000000000"); err == nil ||
		!strings.Contains(stderr, "ResourceNotFoundException") {
		t.Errorf("describe-user of nobody: %v %s", err, stderr)
	}
	if _, stderr, err := aws("list-users", "--identity-store-id", "d-9999999999"); err == nil || !strings.Contains(stderr, "IdentityStore not present") {
		t.Errorf("another identity store: %v %s", err, stderr)
	}
	must("delete-user", "--identity-store-id", storeID, "--user-id", uid)
}

// TestBoto3 drives boto3 1.43 (the machine's Python): the paginators, the
// document members, the error codes and the model's error fields.
func TestBoto3(t *testing.T) {
	srv := newServer(t)
	script := `
import os, boto3, botocore
c = boto3.client("identitystore", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1",
                 config=botocore.config.Config(retries={"max_attempts": 1}))
sid = os.environ["STORE_ID"]
uid = c.create_user(IdentityStoreId=sid, UserName="py-user", DisplayName="Py User",
    Name={"GivenName": "Pie", "FamilyName": "Thon"}, Emails=[{"Value": "py@example.com", "Primary": True}],
    PhoneNumbers=[{"Value": "+33 1 23 45 67 89", "Type": "work"}])["UserId"]
u = c.describe_user(IdentityStoreId=sid, UserId=uid)
assert u["UserName"] == "py-user" and u["Name"]["FamilyName"] == "Thon" and u["UserStatus"] == "ENABLED", u
assert u["CreatedAt"].year >= 2024, u["CreatedAt"]
c.update_user(IdentityStoreId=sid, UserId=uid, Operations=[{"AttributePath": "phoneNumbers"},
    {"AttributePath": "name", "AttributeValue": {"givenName": "Py", "familyName": "Thon"}}])
u = c.describe_user(IdentityStoreId=sid, UserId=uid)
assert "PhoneNumbers" not in u and u["Name"]["GivenName"] == "Py", u
for i in range(6):
    c.create_group(IdentityStoreId=sid, DisplayName="g%d" % i)
groups = [g for p in c.get_paginator("list_groups").paginate(IdentityStoreId=sid, PaginationConfig={"PageSize": 4}) for g in p["Groups"]]
assert len(groups) == 6, groups
gid = c.get_group_id(IdentityStoreId=sid, AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "g3"}})["GroupId"]
mid = c.create_group_membership(IdentityStoreId=sid, GroupId=gid, MemberId={"UserId": uid})["MembershipId"]
m = c.describe_group_membership(IdentityStoreId=sid, MembershipId=mid)
assert m["MemberId"]["UserId"] == uid and m["GroupId"] == gid, m
ms = [x for p in c.get_paginator("list_group_memberships_for_member").paginate(IdentityStoreId=sid, MemberId={"UserId": uid}) for x in p["GroupMemberships"]]
assert len(ms) == 1, ms
try:
    c.create_group_membership(IdentityStoreId=sid, GroupId=gid, MemberId={"UserId": uid})
    raise SystemExit("a second membership was accepted")
except c.exceptions.ConflictException as e:
    assert e.response["Reason"] == "UNIQUENESS_CONSTRAINT_VIOLATION", e.response
try:
    c.describe_group(IdentityStoreId=sid, GroupId="0a1b2c3d-0000-4000-8000-000000000000")
    raise SystemExit("an unknown group was described")
except c.exceptions.ResourceNotFoundException as e:
    assert e.response["ResourceType"] == "GROUP" and e.response["ResourceId"] == "0a1b2c3d-0000-4000-8000-000000000000", e.response
try:
    c.list_users(IdentityStoreId=sid, NextToken="bm90IGEgdG9rZW4")
    raise SystemExit("a made-up NextToken was accepted")
except c.exceptions.ValidationException as e:
    assert "NextToken" in e.response["Error"]["Message"], e.response
c.delete_group(IdentityStoreId=sid, GroupId=gid)
print("boto3: all checks passed")
`
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-c", script)
	cmd.Env = append(clientEnv(t), "ENDPOINT="+srv.URL, "STORE_ID="+storeID)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "all checks passed") {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
}

// TestJSSDK drives the JS SDK v3 (@aws-sdk/client-identitystore, installed
// in the module's testdata/npm by scripts/test.sh from its lock file).
func TestJSSDK(t *testing.T) {
	npm := testnpm.Dir(t)
	srv := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "identitystore.mjs")
	cmd.Dir = npm
	cmd.Env = append(clientEnv(t), "ENDPOINT="+srv.URL, "STORE_ID="+storeID)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "all checks passed") {
		t.Fatalf("JS SDK: %v\n%s", err, out)
	}
}
