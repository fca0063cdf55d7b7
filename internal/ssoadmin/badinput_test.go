package ssoadmin_test

import (
	"bytes"
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
	sa "github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/ssooidc/ssooidc/internal/iamtoken"
)

// post sends body to SWBExternalService.op signed as the admin and
// returns the status, the error shape and the body.
func (e *env) post(t *testing.T, op string, body []byte) (int, string, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "SWBExternalService."+op)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: admin.AccessKeyID, SecretAccessKey: admin.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), "sso", "us-east-1", time.Now()); err != nil {
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
		t.Fatalf("%s: the body %q is not JSON", op, b)
	}
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), m
}

// TestBadInput: what clients get wrong gets the model's error shape with
// a message that says what, never a 5xx, and changes nothing.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ps := e.permissionSet(t, "Stable")
	alice := e.user(t, "alice")
	a := e.application(t, admin.ARN)
	inst, psARN := e.inst, *ps
	j := func(v map[string]any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	create := func(edit func(m map[string]any)) []byte {
		m := map[string]any{"InstanceArn": inst, "Name": "Valid"}
		edit(m)
		return j(m)
	}
	onPS := func(edit func(m map[string]any)) []byte {
		m := map[string]any{"InstanceArn": inst, "PermissionSetArn": psARN}
		edit(m)
		return j(m)
	}
	assignment := func(k string, v any) []byte {
		m := map[string]any{"InstanceArn": inst, "PermissionSetArn": psARN, "TargetId": account1, "TargetType": "AWS_ACCOUNT",
			"PrincipalType": "USER", "PrincipalId": alice}
		m[k] = v
		return j(m)
	}
	onApp := func(m map[string]any) []byte {
		m["ApplicationArn"] = a.arn
		return j(m)
	}
	issuer := func(k string, v any) []byte {
		c := map[string]any{"IssuerUrl": "https://idp.example.com", "ClaimAttributePath": "email",
			"IdentityStoreAttributePath": "emails.value", "JwksRetrievalOption": "OPEN_ID_DISCOVERY"}
		c[k] = v
		return j(map[string]any{"InstanceArn": inst, "Name": "idp", "TrustedTokenIssuerType": "OIDC_JWT",
			"TrustedTokenIssuerConfiguration": map[string]any{"OidcJwtConfiguration": c}})
	}
	manyTags := make([]any, 76)
	for i := range manyTags {
		manyTags[i] = map[string]any{"Key": fmt.Sprintf("k%d", i), "Value": "v"}
	}
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	cases := []struct {
		name, op string
		body     []byte
		shape    string
	}{
		{"not JSON", "CreatePermissionSet", []byte(`{"Name":`), "SerializationException"},
		{"an array", "CreatePermissionSet", []byte(`[1,2]`), "SerializationException"},
		{"a number for a string", "CreatePermissionSet", []byte(`{"InstanceArn":"` + inst + `","Name":5}`), "SerializationException"},
		{"a member twice", "CreatePermissionSet", []byte(`{"InstanceArn":"` + inst + `","Name":"a","Name":"b"}`), "SerializationException"},
		{"invalid UTF-8", "CreatePermissionSet", []byte("{\"InstanceArn\":\"" + inst + "\",\"Name\":\"\xff\xfe\"}"), "SerializationException"},
		{"nested past reason", "CreatePermissionSet", []byte(`{"Tags":` + deep + `}`), "SerializationException"},
		{"too large", "PutInlinePolicyToPermissionSet", []byte(`{"InlinePolicy":"` + strings.Repeat("a", 300<<10) + `"}`), "SerializationException"},
		{"no instance", "CreatePermissionSet", []byte(`{"Name":"x"}`), "ValidationException"},
		{"an instance that is not an ARN", "ListPermissionSets", j(map[string]any{"InstanceArn": "ssoins-1"}), "ValidationException"},
		{"another instance", "ListPermissionSets", j(map[string]any{"InstanceArn": "arn:aws:sso:::instance/ssoins-0000000000000000"}), "ValidationException"},
		{"name too long", "CreatePermissionSet", create(func(m map[string]any) { m["Name"] = strings.Repeat("a", 33) }), "ValidationException"},
		{"name with a space", "CreatePermissionSet", create(func(m map[string]any) { m["Name"] = "two words" }), "ValidationException"},
		{"name with NUL", "CreatePermissionSet", create(func(m map[string]any) { m["Name"] = "a\x00b" }), "ValidationException"},
		{"description too long", "CreatePermissionSet", create(func(m map[string]any) { m["Description"] = strings.Repeat("d", 701) }), "ValidationException"},
		{"description with a control character", "CreatePermissionSet", create(func(m map[string]any) { m["Description"] = "a\x01b" }), "ValidationException"},
		{"duration not ISO 8601", "CreatePermissionSet", create(func(m map[string]any) { m["SessionDuration"] = "1h" }), "ValidationException"},
		{"duration too short", "CreatePermissionSet", create(func(m map[string]any) { m["SessionDuration"] = "PT0S" }), "ValidationException"},
		{"duration in years", "CreatePermissionSet", create(func(m map[string]any) { m["SessionDuration"] = "P1Y" }), "ValidationException"},
		{"negative duration", "CreatePermissionSet", create(func(m map[string]any) { m["SessionDuration"] = "PT-1H" }), "ValidationException"},
		{"relay state with <", "CreatePermissionSet", create(func(m map[string]any) { m["RelayState"] = "https://x/<script>" }), "ValidationException"},
		{"76 tags", "CreatePermissionSet", create(func(m map[string]any) { m["Tags"] = manyTags }), "ValidationException"},
		{"empty tag key", "CreatePermissionSet", create(func(m map[string]any) { m["Tags"] = []any{map[string]any{"Key": "", "Value": "v"}} }), "ValidationException"},
		{"tag key twice", "CreatePermissionSet", create(func(m map[string]any) {
			m["Tags"] = []any{map[string]any{"Key": "k", "Value": "1"}, map[string]any{"Key": "k", "Value": "2"}}
		}), "ValidationException"},
		{"tag without a value", "CreatePermissionSet", create(func(m map[string]any) { m["Tags"] = []any{map[string]any{"Key": "k"}} }), "ValidationException"},
		{"malformed permission set ARN", "DescribePermissionSet", onPS(func(m map[string]any) { m["PermissionSetArn"] = "arn:aws:sso:::permissionSet/x" }), "ValidationException"},
		{"unknown permission set", "DescribePermissionSet", onPS(func(m map[string]any) {
			m["PermissionSetArn"] = psARN[:len(psARN)-16] + "0000000000000000"
		}), "ResourceNotFoundException"},
		{"MaxResults 0", "ListPermissionSets", j(map[string]any{"InstanceArn": inst, "MaxResults": 0}), "ValidationException"},
		{"MaxResults 101", "ListPermissionSets", j(map[string]any{"InstanceArn": inst, "MaxResults": 101}), "ValidationException"},
		{"NextToken not ours", "ListPermissionSets", j(map[string]any{"InstanceArn": inst, "NextToken": "%%%"}), "ValidationException"},
		{"target type OU", "CreateAccountAssignment", assignment("TargetType", "ORGANIZATIONAL_UNIT"), "ValidationException"},
		{"principal type ROLE", "CreateAccountAssignment", assignment("PrincipalType", "ROLE"), "ValidationException"},
		{"principal not an ID", "CreateAccountAssignment", assignment("PrincipalId", "alice"), "ValidationException"},
		{"account of 11 digits", "CreateAccountAssignment", assignment("TargetId", "11111111111"), "ValidationException"},
		{"account the server does not know", "CreateAccountAssignment", assignment("TargetId", "999999999999"), "ValidationException"},
		{"request ID not a UUID", "DescribeAccountAssignmentCreationStatus", j(map[string]any{"InstanceArn": inst, "AccountAssignmentCreationRequestId": "r-1"}), "ValidationException"},
		{"unknown request", "DescribeAccountAssignmentCreationStatus", j(map[string]any{"InstanceArn": inst,
			"AccountAssignmentCreationRequestId": "3f0d4c2a-1b2c-4d5e-8f90-123456789abc"}), "ResourceNotFoundException"},
		{"inline policy too long", "PutInlinePolicyToPermissionSet", onPS(func(m map[string]any) { m["InlinePolicy"] = strings.Repeat("x", 32769) }), "ValidationException"},
		{"empty inline policy", "PutInlinePolicyToPermissionSet", onPS(func(m map[string]any) { m["InlinePolicy"] = "" }), "ValidationException"},
		{"customer policy as a managed one", "AttachManagedPolicyToPermissionSet", onPS(func(m map[string]any) {
			m["ManagedPolicyArn"] = "arn:aws:iam::123456789012:policy/mine"
		}), "ValidationException"},
		{"boundary of both kinds", "PutPermissionsBoundaryToPermissionSet", onPS(func(m map[string]any) {
			m["PermissionsBoundary"] = map[string]any{"ManagedPolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
				"CustomerManagedPolicyReference": map[string]any{"Name": "x"}}
		}), "ValidationException"},
		{"customer policy path without slashes", "AttachCustomerManagedPolicyReferenceToPermissionSet", onPS(func(m map[string]any) {
			m["CustomerManagedPolicyReference"] = map[string]any{"Name": "x", "Path": "teams"}
		}), "ValidationException"},
		{"another application provider", "CreateApplication", j(map[string]any{"InstanceArn": inst, "Name": "x",
			"ApplicationProviderArn": "arn:aws:sso::aws:applicationProvider/catalog/SAML"}), "ValidationException"},
		{"application name too long", "CreateApplication", j(map[string]any{"InstanceArn": inst, "Name": strings.Repeat("n", 101),
			"ApplicationProviderArn": iamtoken.CustomProviderARN}), "ValidationException"},
		{"grant of two kinds", "PutApplicationGrant", onApp(map[string]any{"GrantType": "refresh_token",
			"Grant": map[string]any{"RefreshToken": map[string]any{}, "TokenExchange": map[string]any{}}}), "ValidationException"},
		{"grant not of its type", "PutApplicationGrant", onApp(map[string]any{"GrantType": "authorization_code",
			"Grant": map[string]any{"RefreshToken": map[string]any{}}}), "ValidationException"},
		{"http redirect URI", "PutApplicationGrant", onApp(map[string]any{"GrantType": "authorization_code",
			"Grant": map[string]any{"AuthorizationCode": map[string]any{"RedirectUris": []string{"http://app.example.com/cb"}}}}), "ValidationException"},
		{"jwt-bearer without audiences", "PutApplicationGrant", onApp(map[string]any{"GrantType": "urn:ietf:params:oauth:grant-type:jwt-bearer",
			"Grant": map[string]any{"JwtBearer": map[string]any{"AuthorizedTokenIssuers": []any{map[string]any{"TrustedTokenIssuerArn": a.issuer}}}}}), "ValidationException"},
		{"actor policy not a document", "PutApplicationAuthenticationMethod", onApp(map[string]any{"AuthenticationMethodType": "IAM",
			"AuthenticationMethod": map[string]any{"Iam": map[string]any{"ActorPolicy": "allow everyone"}}}), "ValidationException"},
		{"actor policy with a bad principal", "PutApplicationAuthenticationMethod", onApp(map[string]any{"AuthenticationMethodType": "IAM",
			"AuthenticationMethod": map[string]any{"Iam": map[string]any{"ActorPolicy": map[string]any{"Statement": []any{map[string]any{
				"Effect": "Allow", "Action": "sso-oauth:*", "Principal": map[string]any{"AWS": 5}}}}}}}), "ValidationException"},
		{"scope with a space", "PutApplicationAccessScope", onApp(map[string]any{"Scope": "a b"}), "ValidationException"},
		{"11 scopes a page", "ListApplicationAccessScopes", onApp(map[string]any{"MaxResults": 11}), "ValidationException"},
		{"issuer matched on an attribute ssooidc lacks", "CreateTrustedTokenIssuer", issuer("IdentityStoreAttributePath", "externalIds"), "ValidationException"},
		{"issuer not http", "CreateTrustedTokenIssuer", issuer("IssuerUrl", "ftp://idp.example.com"), "ValidationException"},
		{"issuer URL changed", "UpdateTrustedTokenIssuer", j(map[string]any{"TrustedTokenIssuerArn": a.issuer,
			"TrustedTokenIssuerConfiguration": map[string]any{"OidcJwtConfiguration": map[string]any{"IssuerUrl": "https://elsewhere.example.com"}}}), "ValidationException"},
		{"unknown application", "DescribeApplication", j(map[string]any{"ApplicationArn": a.arn[:len(a.arn)-16] + "0000000000000000"}), "ResourceNotFoundException"},
		{"an operation of another API", "CreateUser", []byte(`{}`), "UnknownOperationException"},
	}
	for _, c := range cases {
		status, shape, body := e.post(t, c.op, c.body)
		if status >= 500 || shape != c.shape || body["__type"] != c.shape {
			t.Errorf("%s: %d %s %v, want %s", c.name, status, shape, body, c.shape)
			continue
		}
		if msg, _ := body["Message"].(string); c.shape != "UnknownOperationException" && (msg == "" || strings.Contains(msg, "internal")) {
			t.Errorf("%s: message %q", c.name, msg)
		}
	}
	if len(cases) < 30 {
		t.Fatalf("%d cases", len(cases))
	}
	// Nothing stored was touched.
	d, err := e.c.DescribePermissionSet(ctx, &sa.DescribePermissionSetInput{InstanceArn: aws.String(inst), PermissionSetArn: ps})
	if err != nil || *d.PermissionSet.Name != "Stable" || d.PermissionSet.Description != nil || *d.PermissionSet.SessionDuration != "PT1H" {
		t.Errorf("the permission set after bad input: %+v, %v", d, err)
	}
	list, err := e.c.ListPermissionSets(ctx, &sa.ListPermissionSetsInput{InstanceArn: aws.String(inst)})
	if err != nil || len(list.PermissionSets) != 1 {
		t.Errorf("permission sets after bad input: %+v, %v", list, err)
	}
	if as, _ := e.srv.Store.ListAssignments(ctx); len(as) != 0 {
		t.Errorf("assignments after bad input: %+v", as)
	}
	if strings.Contains(e.srv.Logs(), `"level":"ERROR"`) {
		t.Errorf("bad input logged errors:\n%s", e.srv.Logs())
	}
}
