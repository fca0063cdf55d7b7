package identitystore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sigv4"
)

// raw posts a signed JSON 1.1 request for op with body and returns the
// status and the decoded answer.
func raw(t *testing.T, srv *servertest.Server, p sigv4.Principal, op, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSIdentityStore."+op)
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), "identitystore", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: body %q is not JSON", op, b)
	}
	return resp.StatusCode, m
}

// TestBadInput sends requests no valid client sends: each gets the
// model's error shape with a 4xx status, nothing is stored, nothing is
// logged as an error.
func TestBadInput(t *testing.T) {
	srv := newServer(t)
	_, user := raw(t, srv, admin, "CreateUser", `{"IdentityStoreId":"d-1234567890","UserName":"dora","DisplayName":"Dora","Name":{"GivenName":"D","FamilyName":"E"}}`)
	_, group := raw(t, srv, admin, "CreateGroup", `{"IdentityStoreId":"d-1234567890","DisplayName":"g1"}`)
	uid, gid := fmt.Sprint(user["UserId"]), fmt.Sprint(group["GroupId"])
	const missing = "0a1b2c3d-0000-4000-8000-000000000000"
	valid := func(extra string) string {
		return `{"IdentityStoreId":"d-1234567890","UserName":"eve","DisplayName":"Eve","Name":{"GivenName":"E","FamilyName":"V"}` + extra + `}`
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = `"` + missing + `"`
	}
	const (
		validation    = "ValidationException"
		notFound      = "ResourceNotFoundException"
		serialization = "SerializationException"
	)
	for _, c := range []struct{ name, op, body, want string }{
		{"empty body", "CreateUser", `{}`, validation},
		{"no identity store", "CreateUser", `{"UserName":"eve"}`, validation},
		{"malformed identity store", "CreateUser", `{"IdentityStoreId":"d-123","UserName":"eve"}`, validation},
		{"another identity store", "CreateUser", strings.Replace(valid(""), "d-1234567890", "d-9999999999", 1), notFound},
		{"user name with a space", "CreateUser", strings.Replace(valid(""), `"eve"`, `"e ve"`, 1), validation},
		{"user name of 129 characters", "CreateUser", strings.Replace(valid(""), `"eve"`, `"`+strings.Repeat("e", 129)+`"`, 1), validation},
		{"reserved user name", "CreateUser", strings.Replace(valid(""), `"eve"`, `"Administrator"`, 1), validation},
		{"control character", "CreateUser", strings.Replace(valid(""), `"Eve"`, `"E\u0001ve"`, 1), validation},
		{"no display name", "CreateUser", `{"IdentityStoreId":"d-1234567890","UserName":"eve","Name":{"GivenName":"E","FamilyName":"V"}}`, validation},
		{"no family name", "CreateUser", `{"IdentityStoreId":"d-1234567890","UserName":"eve","DisplayName":"E","Name":{"GivenName":"E"}}`, validation},
		{"two emails", "CreateUser", valid(`,"Emails":[{"Value":"a@x"},{"Value":"b@x"}]`), validation},
		{"empty email list", "CreateUser", valid(`,"Emails":[]`), validation},
		{"four photos", "CreateUser", valid(`,"Photos":[{"Value":"a"},{"Value":"b"},{"Value":"c"},{"Value":"d"}]`), validation},
		{"photo without value", "CreateUser", valid(`,"Photos":[{"Type":"x"}]`), validation},
		{"unknown extension", "CreateUser", valid(`,"Extensions":{"aws:identitystore:other":{}}`), validation},
		{"malformed extension name", "CreateUser", valid(`,"Extensions":{"foo":{}}`), validation},
		{"extension not an object", "CreateUser", valid(`,"Extensions":{"aws:identitystore:enterprise":"x"}`), validation},
		{"extension attribute unknown", "CreateUser", valid(`,"Extensions":{"aws:identitystore:enterprise":{"salary":"1"}}`), validation},
		{"not JSON", "CreateUser", `{`, serialization},
		{"a JSON array", "CreateUser", `[]`, serialization},
		{"a number for a string", "CreateUser", `{"IdentityStoreId":"d-1234567890","UserName":5}`, serialization},
		{"a member twice", "CreateUser", `{"IdentityStoreId":"d-1234567890","UserName":"a","UserName":"b"}`, serialization},
		{"malformed user ID", "DescribeUser", `{"IdentityStoreId":"d-1234567890","UserId":"x"}`, validation},
		{"unknown user", "DescribeUser", `{"IdentityStoreId":"d-1234567890","UserId":"` + missing + `"}`, notFound},
		{"unknown extension asked", "DescribeUser", `{"IdentityStoreId":"d-1234567890","UserId":"` + uid + `","Extensions":["aws:identitystore:nope"]}`, validation},
		{"empty extension list", "DescribeUser", `{"IdentityStoreId":"d-1234567890","UserId":"` + uid + `","Extensions":[]}`, validation},
		{"no operations", "UpdateUser", `{"IdentityStoreId":"d-1234567890","UserId":"` + uid + `"}`, validation},
		{"empty operations", "UpdateUser", `{"IdentityStoreId":"d-1234567890","UserId":"` + uid + `","Operations":[]}`, validation},
		{"unknown attribute", "UpdateUser", `{"IdentityStoreId":"d-1234567890","UserId":"` + uid + `","Operations":[{"AttributePath":"salary","AttributeValue":"1"}]}`, validation},
		{"malformed path", "UpdateUser", `{"IdentityStoreId":"d-1234567890","UserId":"` + uid + `","Operations":[{"AttributePath":"a..b"}]}`, validation},
		{"emails as a string", "UpdateUser", `{"IdentityStoreId":"d-1234567890","UserId":"` + uid + `","Operations":[{"AttributePath":"emails","AttributeValue":"a@x"}]}`, validation},
		{"unknown status", "UpdateUser", `{"IdentityStoreId":"d-1234567890","UserId":"` + uid + `","Operations":[{"AttributePath":"userStatus","AttributeValue":"PAUSED"}]}`, validation},
		{"user name removed", "UpdateUser", `{"IdentityStoreId":"d-1234567890","UserId":"` + uid + `","Operations":[{"AttributePath":"userName"}]}`, validation},
		{"update of an unknown user", "UpdateUser", `{"IdentityStoreId":"d-1234567890","UserId":"` + missing + `","Operations":[{"AttributePath":"title","AttributeValue":"x"}]}`, notFound},
		{"MaxResults 0", "ListUsers", `{"IdentityStoreId":"d-1234567890","MaxResults":0}`, validation},
		{"MaxResults 101", "ListUsers", `{"IdentityStoreId":"d-1234567890","MaxResults":101}`, validation},
		{"NextToken out of its alphabet", "ListUsers", `{"IdentityStoreId":"d-1234567890","NextToken":"!!!"}`, validation},
		{"NextToken made up", "ListUsers", `{"IdentityStoreId":"d-1234567890","NextToken":"abcdef"}`, validation},
		{"two filters", "ListUsers", `{"IdentityStoreId":"d-1234567890","Filters":[{"AttributePath":"UserName","AttributeValue":"a"},{"AttributePath":"UserName","AttributeValue":"b"}]}`, validation},
		{"filter on title", "ListUsers", `{"IdentityStoreId":"d-1234567890","Filters":[{"AttributePath":"Title","AttributeValue":"a"}]}`, validation},
		{"both alternate identifiers", "GetUserId", `{"IdentityStoreId":"d-1234567890","AlternateIdentifier":{"ExternalId":{"Issuer":"i","Id":"x"},"UniqueAttribute":{"AttributePath":"userName","AttributeValue":"x"}}}`, validation},
		{"no alternate identifier", "GetUserId", `{"IdentityStoreId":"d-1234567890","AlternateIdentifier":{}}`, validation},
		{"not a unique attribute", "GetUserId", `{"IdentityStoreId":"d-1234567890","AlternateIdentifier":{"UniqueAttribute":{"AttributePath":"title","AttributeValue":"x"}}}`, validation},
		{"a number as the value", "GetUserId", `{"IdentityStoreId":"d-1234567890","AlternateIdentifier":{"UniqueAttribute":{"AttributePath":"userName","AttributeValue":5}}}`, validation},
		{"unknown user name", "GetUserId", `{"IdentityStoreId":"d-1234567890","AlternateIdentifier":{"UniqueAttribute":{"AttributePath":"userName","AttributeValue":"nobody"}}}`, notFound},
		{"group without a name", "CreateGroup", `{"IdentityStoreId":"d-1234567890"}`, validation},
		{"group with a reserved name", "CreateGroup", `{"IdentityStoreId":"d-1234567890","DisplayName":"AWSAdministrators"}`, validation},
		{"empty member", "CreateGroupMembership", `{"IdentityStoreId":"d-1234567890","GroupId":"` + gid + `","MemberId":{}}`, validation},
		{"membership of an unknown group", "CreateGroupMembership", `{"IdentityStoreId":"d-1234567890","GroupId":"` + missing + `","MemberId":{"UserId":"` + uid + `"}}`, notFound},
		{"101 groups", "IsMemberInGroups", `{"IdentityStoreId":"d-1234567890","MemberId":{"UserId":"` + uid + `"},"GroupIds":[` + strings.Join(many, ",") + `]}`, validation},
		{"group members by UpdateGroup", "UpdateGroup", `{"IdentityStoreId":"d-1234567890","GroupId":"` + gid + `","Operations":[{"AttributePath":"members","AttributeValue":[]}]}`, validation},
		{"group name removed", "UpdateGroup", `{"IdentityStoreId":"d-1234567890","GroupId":"` + gid + `","Operations":[{"AttributePath":"displayName"}]}`, validation},
		{"no membership ID", "DeleteGroupMembership", `{"IdentityStoreId":"d-1234567890"}`, validation},
		{"unknown membership", "DescribeGroupMembership", `{"IdentityStoreId":"d-1234567890","MembershipId":"` + missing + `"}`, notFound},
		{"memberships of an unknown user", "ListGroupMembershipsForMember", `{"IdentityStoreId":"d-1234567890","MemberId":{"UserId":"` + missing + `"}}`, notFound},
		{"an operation that does not exist", "DropAllUsers", `{}`, "UnknownOperationException"},
		{"a body over 256 KiB", "CreateUser", `{"IdentityStoreId":"d-1234567890","UserName":"` + strings.Repeat("x", 300<<10) + `"}`, serialization},
	} {
		status, m := raw(t, srv, admin, c.op, c.body)
		if status >= 500 || status < 400 || m["__type"] != c.want || m["Message"] == nil && m["message"] == nil {
			t.Errorf("%s: %s = %d %v, want %s", c.name, c.op, status, m, c.want)
		}
	}
	// Nothing was stored by a refused call: the users are dora alone.
	_, list := raw(t, srv, admin, "ListUsers", `{"IdentityStoreId":"d-1234567890"}`)
	if users, _ := list["Users"].([]any); len(users) != 1 {
		t.Errorf("after the refused calls: %v", list)
	}
	if logs := srv.Logs(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("bad input was logged as an error:\n%s", logs)
	}
	// A wrong identity store is answered as AWS answers it.
	_, m := raw(t, srv, admin, "DescribeUser", `{"IdentityStoreId":"d-9999999999","UserId":"`+uid+`"}`)
	if m["ResourceType"] != "IDENTITY_STORE" || m["ResourceId"] != "d-9999999999" {
		t.Errorf("another identity store: %v", m)
	}
	_, m = raw(t, srv, admin, "DescribeUser", `{"IdentityStoreId":"d-1234567890","UserId":"`+missing+`"}`)
	if m["ResourceType"] != "USER" || m["ResourceId"] != missing {
		t.Errorf("unknown user: %v", m)
	}
	_, m = raw(t, srv, admin, "CreateUser", `{"IdentityStoreId":"d-1234567890","UserName":"dora","DisplayName":"Dora","Name":{"GivenName":"D","FamilyName":"E"}}`)
	if m["__type"] != "ConflictException" || m["Reason"] != "UNIQUENESS_CONSTRAINT_VIOLATION" {
		t.Errorf("a second dora: %v", m)
	}
}
