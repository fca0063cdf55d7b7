package portal_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	sdk "github.com/aws/aws-sdk-go-v2/service/sso"
	smithy "github.com/aws/smithy-go"

	"github.com/ssooidc/ssooidc/portal"
)

type outcome struct {
	Output    map[string]any `json:",omitempty"`
	ErrType   string         `json:",omitempty"`
	Code      string         `json:",omitempty"`
	Message   string         `json:",omitempty"`
	RequestID string         `json:",omitempty"`
	Status    int            `json:",omitempty"`
}

type decodeCase struct {
	name   string
	op     string
	status int
	header map[string]string
	body   string
}

var decodeCases = []decodeCase{
	// aws-sdk-go-v2's response snapshots (service/sso/response_snapshot).
	{"GetRoleCredentials-snapshot", "GetRoleCredentials", 200, nil,
		`{"roleCredentials":{"accessKeyId":"__AccessKeyId__","expiration":1,"secretAccessKey":"__SecretAccessKey__","sessionToken":"__SessionToken__"}}`},
	{"GetRoleCredentials-real-expiration-ms", "GetRoleCredentials", 200, nil,
		`{"roleCredentials":{"accessKeyId":"ASIA","secretAccessKey":"s","sessionToken":"t","expiration":1665736069000}}`},
	{"GetRoleCredentials-no-credentials", "GetRoleCredentials", 200, nil, `{}`},
	{"GetRoleCredentials-float-expiration", "GetRoleCredentials", 200, nil, `{"roleCredentials":{"expiration":1.7e12}}`},
	{"ListAccounts-snapshot", "ListAccounts", 200, nil,
		`{"accountList":[{"accountId":"__AccountId__","accountName":"__AccountName__","emailAddress":"__EmailAddress__"},{"accountId":"__AccountId__","accountName":"__AccountName__","emailAddress":"__EmailAddress__"}],"nextToken":"__NextToken__"}`},
	{"ListAccounts-last-page-null-token", "ListAccounts", 200, nil, `{"accountList":[{"accountId":"1"}],"nextToken":null}`},
	{"ListAccounts-wrong-case", "ListAccounts", 200, nil, `{"AccountList":[{"accountId":"1"}],"accountList":[{"AccountId":"2","accountName":"n"}]}`},
	{"ListAccountRoles-snapshot", "ListAccountRoles", 200, nil,
		`{"nextToken":"__NextToken__","roleList":[{"accountId":"__AccountId__","roleName":"__RoleName__"},{"accountId":"__AccountId__","roleName":"__RoleName__"}]}`},
	{"Logout-empty", "Logout", 200, nil, ``},
	{"Logout-object", "Logout", 200, nil, `{}`},

	// Real AWS (WIRE.md 3.1): the portal puts a namespaced type in the body.
	{"real-aws-unauthorized", "GetRoleCredentials", 401, nil,
		`{"message":"Session token not found or invalid","__type":"com.amazonaws.switchboard.portal#UnauthorizedException"}`},
	{"header-with-suffix", "ListAccounts", 401, map[string]string{"X-Amzn-ErrorType": "UnauthorizedException:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"},
		`{"message":"expired"}`},
	{"header-only-empty-body", "Logout", 400, map[string]string{"X-Amzn-ErrorType": "InvalidRequestException"}, ``},
	{"upper-case-message", "ListAccountRoles", 404, map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException"}, `{"Message":"no such account"}`},
	{"unknown-code", "ListAccounts", 400, map[string]string{"X-Amzn-ErrorType": "ValidationException"}, `{"message":"bad max_result"}`},
	{"no-code", "Logout", 418, nil, `{"message":"teapot"}`},
	{"html-body", "Logout", 502, nil, `<html>bad gateway</html>`},
}

func init() {
	for _, shape := range []struct {
		name   string
		status int
	}{{"InvalidRequestException", 400}, {"UnauthorizedException", 401}, {"ResourceNotFoundException", 404}, {"TooManyRequestsException", 429}} {
		decodeCases = append(decodeCases, decodeCase{"snapshot-" + shape.name, "GetRoleCredentials", shape.status, nil,
			`{"__type":"` + shape.name + `","message":"__Message__"}`})
	}
}

// TestResponsesDecodeLikeAWSSDK serves every fixture to both clients and
// compares outputs (expiration as a time) or error type, code, message,
// request id and status.
func TestResponsesDecodeLikeAWSSDK(t *testing.T) {
	ctx := context.Background()
	for _, tc := range decodeCases {
		t.Run(tc.name, func(t *testing.T) {
			isolateEnv(t)
			rec := newRecorder(t, cannedResponse{Status: tc.status, Header: tc.header, Body: tc.body})
			ours := portal.NewFromConfig(aws.Config{Region: "us-east-1"}, portal.WithEndpoint(rec.URL),
				func(o *portal.Options) { o.RetryMaxAttempts = 1 })
			theirs := sdk.New(sdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(rec.URL), RetryMaxAttempts: 1})
			got, want := callOurs(ctx, ours, tc.op), callSDK(ctx, theirs, tc.op)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ours: %s\nSDK:  %s", jsonIndent(got), jsonIndent(want))
			}
		})
	}
}

func expiration(ms int64) string {
	if ms == 0 {
		return "none"
	}
	return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano)
}

func callOurs(ctx context.Context, c *portal.Client, op string) outcome {
	m := map[string]any{}
	var err error
	switch op {
	case "GetRoleCredentials":
		var o *portal.GetRoleCredentialsOutput
		if o, err = c.GetRoleCredentials(ctx, &portal.GetRoleCredentialsInput{AccessToken: "t", AccountID: "a", RoleName: "r"}); err == nil {
			m["requestId"] = o.RequestID
			if rc := o.RoleCredentials; rc != nil {
				exp := "none"
				if !rc.Expiration.IsZero() {
					exp = rc.Expiration.Format(time.RFC3339Nano)
				}
				m["creds"] = []string{rc.AccessKeyID, rc.SecretAccessKey, rc.SessionToken, exp}
			}
		}
	case "ListAccounts":
		var o *portal.ListAccountsOutput
		if o, err = c.ListAccounts(ctx, &portal.ListAccountsInput{AccessToken: "t"}); err == nil {
			m["requestId"], m["nextToken"] = o.RequestID, o.NextToken
			var l [][]string
			for _, a := range o.AccountList {
				l = append(l, []string{a.AccountID, a.AccountName, a.EmailAddress})
			}
			m["accounts"] = l
		}
	case "ListAccountRoles":
		var o *portal.ListAccountRolesOutput
		if o, err = c.ListAccountRoles(ctx, &portal.ListAccountRolesInput{AccessToken: "t", AccountID: "a"}); err == nil {
			m["requestId"], m["nextToken"] = o.RequestID, o.NextToken
			var l [][]string
			for _, r := range o.RoleList {
				l = append(l, []string{r.AccountID, r.RoleName})
			}
			m["roles"] = l
		}
	case "Logout":
		var o *portal.LogoutOutput
		if o, err = c.Logout(ctx, &portal.LogoutInput{AccessToken: "t"}); err == nil {
			m["requestId"] = o.RequestID
		}
	}
	if err == nil {
		return outcome{Output: m}
	}
	var de *smithy.DeserializationError
	if errors.As(err, &de) {
		return outcome{ErrType: "Deserialization"}
	}
	var se portal.ServiceError
	if !errors.As(err, &se) {
		return outcome{ErrType: "unexpected: " + err.Error()}
	}
	info := se.Info()
	o := outcome{ErrType: reflect.TypeOf(se).Elem().Name(), Code: info.Code, Message: info.Message, RequestID: info.RequestID, Status: info.StatusCode}
	if _, ok := se.(*portal.APIError); ok {
		o.ErrType = "Generic"
		if o.Message == "" {
			o.Message = "UnknownError" // aws-sdk-go-v2's placeholder
		}
	}
	return o
}

func callSDK(ctx context.Context, c *sdk.Client, op string) outcome {
	m := map[string]any{}
	var err error
	t, a, r := aws.String("t"), aws.String("a"), aws.String("r")
	switch op {
	case "GetRoleCredentials":
		var o *sdk.GetRoleCredentialsOutput
		if o, err = c.GetRoleCredentials(ctx, &sdk.GetRoleCredentialsInput{AccessToken: t, AccountId: a, RoleName: r}); err == nil {
			m["requestId"], _ = awsmiddleware.GetRequestIDMetadata(o.ResultMetadata)
			if rc := o.RoleCredentials; rc != nil {
				m["creds"] = []string{aws.ToString(rc.AccessKeyId), aws.ToString(rc.SecretAccessKey), aws.ToString(rc.SessionToken), expiration(rc.Expiration)}
			}
		}
	case "ListAccounts":
		var o *sdk.ListAccountsOutput
		if o, err = c.ListAccounts(ctx, &sdk.ListAccountsInput{AccessToken: t}); err == nil {
			m["requestId"], _ = awsmiddleware.GetRequestIDMetadata(o.ResultMetadata)
			m["nextToken"] = aws.ToString(o.NextToken)
			var l [][]string
			for _, a := range o.AccountList {
				l = append(l, []string{aws.ToString(a.AccountId), aws.ToString(a.AccountName), aws.ToString(a.EmailAddress)})
			}
			m["accounts"] = l
		}
	case "ListAccountRoles":
		var o *sdk.ListAccountRolesOutput
		if o, err = c.ListAccountRoles(ctx, &sdk.ListAccountRolesInput{AccessToken: t, AccountId: a}); err == nil {
			m["requestId"], _ = awsmiddleware.GetRequestIDMetadata(o.ResultMetadata)
			m["nextToken"] = aws.ToString(o.NextToken)
			var l [][]string
			for _, r := range o.RoleList {
				l = append(l, []string{aws.ToString(r.AccountId), aws.ToString(r.RoleName)})
			}
			m["roles"] = l
		}
	case "Logout":
		var o *sdk.LogoutOutput
		if o, err = c.Logout(ctx, &sdk.LogoutInput{AccessToken: t}); err == nil {
			m["requestId"], _ = awsmiddleware.GetRequestIDMetadata(o.ResultMetadata)
		}
	}
	if err == nil {
		return outcome{Output: m}
	}
	var de *smithy.DeserializationError
	if errors.As(err, &de) {
		return outcome{ErrType: "Deserialization"}
	}
	var o outcome
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		o.RequestID, o.Status = re.ServiceRequestID(), re.HTTPStatusCode()
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return outcome{ErrType: "unexpected: " + err.Error()}
	}
	o.Code, o.Message = ae.ErrorCode(), ae.ErrorMessage()
	o.ErrType = reflect.TypeOf(ae).Elem().Name()
	if _, ok := ae.(*smithy.GenericAPIError); ok {
		o.ErrType = "Generic"
	}
	return o
}

// TestRoleCredentials checks the conversion to aws.Credentials.
func TestRoleCredentials(t *testing.T) {
	exp := time.UnixMilli(1665736069000).UTC()
	rc := &portal.RoleCredentials{AccessKeyID: "ASIA", SecretAccessKey: "s", SessionToken: "t", Expiration: exp}
	c := rc.Credentials()
	if c.AccessKeyID != "ASIA" || c.SecretAccessKey != "s" || c.SessionToken != "t" || !c.CanExpire || !c.Expires.Equal(exp) {
		t.Errorf("Credentials() = %+v", c)
	}
	if got := exp.Format(time.RFC3339); got != "2022-10-14T08:27:49Z" {
		t.Errorf("expiration %s", got)
	}
}

var _ = retry.NewStandard
