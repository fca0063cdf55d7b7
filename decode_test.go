package ssooidc_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/ssooidc"
	smithy "github.com/aws/smithy-go"

	"github.com/ssooidc/ssooidc"
)

// outcome is what a client made of a response, in a form both clients can
// be reduced to.
type outcome struct {
	Output map[string]any `json:",omitempty"`

	ErrType          string `json:",omitempty"` // shape name, "Generic" or "Deserialization"
	Code             string `json:",omitempty"`
	Message          string `json:",omitempty"` // compared for generic errors only
	OAuthError       string `json:",omitempty"`
	ErrorDescription string `json:",omitempty"`
	Reason           string `json:",omitempty"`
	Endpoint         string `json:",omitempty"`
	Region           string `json:",omitempty"`
	RequestID        string `json:",omitempty"`
	Status           int    `json:",omitempty"`
}

// decodeCase is a response fixture: the answer of the server to one
// operation.
type decodeCase struct {
	name   string
	op     string // RegisterClient, StartDeviceAuthorization, CreateToken, CreateTokenWithIAM
	status int
	header map[string]string
	body   string
}

var errorShapes = []string{
	"AccessDeniedException", "AuthorizationPendingException", "ExpiredTokenException", "InternalServerException",
	"InvalidClientException", "InvalidClientMetadataException", "InvalidGrantException", "InvalidRedirectUriException",
	"InvalidRequestException", "InvalidRequestRegionException", "InvalidScopeException", "SlowDownException",
	"UnauthorizedClientException", "UnsupportedGrantTypeException",
}

func decodeCases() []decodeCase {
	cases := []decodeCase{
		// aws-sdk-go-v2's response snapshots (service/ssooidc/response_snapshot).
		{"RegisterClient-snapshot", "RegisterClient", 200, nil,
			`{"authorizationEndpoint":"__AuthorizationEndpoint__","clientId":"__ClientId__","clientIdIssuedAt":1,"clientSecret":"__ClientSecret__","clientSecretExpiresAt":1,"tokenEndpoint":"__TokenEndpoint__"}`},
		{"RegisterClient-smithy-example", "RegisterClient", 200, nil,
			`{"clientId":"_yzkThXVzLWVhc3QtMQEXAMPLECLIENTID","clientSecret":"VERYLONGSECRET","clientIdIssuedAt":1579725929,"clientSecretExpiresAt":1587584729}`},
		{"StartDeviceAuthorization-snapshot", "StartDeviceAuthorization", 200, nil,
			`{"deviceCode":"__DeviceCode__","expiresIn":1,"interval":1,"userCode":"__UserCode__","verificationUri":"__VerificationUri__","verificationUriComplete":"__VerificationUriComplete__"}`},
		{"StartDeviceAuthorization-real", "StartDeviceAuthorization", 200, nil,
			`{"deviceCode":"dc","userCode":"HZZB-FPRL","verificationUri":"https://device.sso.eu-west-1.amazonaws.com/","verificationUriComplete":"https://device.sso.eu-west-1.amazonaws.com/?user_code=HZZB-FPRL","expiresIn":600,"interval":1}`},
		{"CreateToken-snapshot", "CreateToken", 200, nil,
			`{"accessToken":"__AccessToken__","expiresIn":1,"idToken":"__IdToken__","refreshToken":"__RefreshToken__","tokenType":"__TokenType__"}`},
		{"CreateToken-no-refresh-token", "CreateToken", 200, nil, `{"accessToken":"at","tokenType":"Bearer","expiresIn":28800}`},
		{"CreateToken-unknown-and-wrong-case-members", "CreateToken", 200, nil,
			`{"accessToken":"at","AccessToken":"AT","EXPIRESIN":5,"expiresIn":3600,"extra":{"x":[1,2]},"refreshToken":null}`},
		{"CreateToken-duplicate-member", "CreateToken", 200, nil, `{"accessToken":"first","accessToken":"second"}`},
		{"CreateToken-float-number", "CreateToken", 200, nil, `{"accessToken":"at","expiresIn":1.5}`},
		{"CreateToken-string-number", "CreateToken", 200, nil, `{"accessToken":"at","expiresIn":"3600"}`},
		{"CreateToken-body-not-object", "CreateToken", 200, nil, `["accessToken"]`},
		{"CreateTokenWithIAM-snapshot", "CreateTokenWithIAM", 200, nil,
			`{"accessToken":"__AccessToken__","awsAdditionalDetails":{"identityContext":"__IdentityContext__"},"expiresIn":1,"idToken":"__IdToken__","issuedTokenType":"__IssuedTokenType__","refreshToken":"__RefreshToken__","scope":["__Member__","__Member__"],"tokenType":"__TokenType__"}`},
		{"CreateTokenWithIAM-minimal", "CreateTokenWithIAM", 200, nil, `{"accessToken":"at","tokenType":"Bearer","expiresIn":3600}`},

		// Real AWS (WIRE.md 3.1): the type only in the header, with a suffix.
		{"real-aws-header-only-pending", "CreateToken", 400,
			map[string]string{"X-Amzn-ErrorType": "AuthorizationPendingException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/", "x-amzn-RequestId": "e23c0c63-acd3-451c-a025-1f8a2275a680"},
			`{"error":"authorization_pending","error_description":"Authorization is still pending"}`},
		{"real-aws-header-only-slow-down", "CreateToken", 400,
			map[string]string{"X-Amzn-ErrorType": "SlowDownException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"},
			`{"error":"slow_down","error_description":"Client is polling too quickly"}`},
		{"header-only-empty-body", "CreateToken", 400, map[string]string{"X-Amzn-ErrorType": "ExpiredTokenException"}, ``},
		{"recommended-server-form", "CreateToken", 400, map[string]string{"X-Amzn-ErrorType": "InvalidGrantException"},
			`{"__type":"InvalidGrantException","error":"invalid_grant","error_description":"bad code","message":"bad code"}`},
		{"header-wins-over-body", "CreateToken", 400, map[string]string{"X-Amzn-ErrorType": "InvalidGrantException"},
			`{"__type":"SlowDownException","code":"AccessDeniedException","error":"invalid_grant"}`},
		{"body-type-wins-over-code", "CreateToken", 400, nil, `{"__type":"SlowDownException","code":"AccessDeniedException","error":"slow_down"}`},
		{"body-namespaced-type", "CreateToken", 400, nil, `{"__type":"com.amazonaws.ssooidc#InvalidClientException","error":"invalid_client"}`},
		{"body-code-only", "RegisterClient", 400, nil, `{"code":"InvalidClientMetadataException","error":"invalid_client_metadata"}`},
		{"body-code-not-string", "CreateToken", 400, nil, `{"code":5,"error":"x","message":"msg"}`},
		{"body-type-not-string", "CreateToken", 400, nil, `{"__type":5}`},
		{"body-upper-case-type-and-message", "CreateToken", 400, nil, `{"__TYPE":"SlowDownException","Message":"slow"}`},
		{"body-not-object", "CreateToken", 400, map[string]string{"X-Amzn-ErrorType": "SlowDownException"}, `[1]`},
		{"typed-member-not-string", "CreateToken", 400, map[string]string{"X-Amzn-ErrorType": "SlowDownException"}, `{"error":5}`},
		{"wrong-case-code-is-unknown", "CreateToken", 400, map[string]string{"X-Amzn-ErrorType": "authorizationPendingException"}, `{"error":"authorization_pending"}`},
		{"oauth-error-in-code-is-unknown", "CreateToken", 400, nil, `{"code":"authorization_pending","error":"authorization_pending"}`},
		{"unknown-code-with-message", "CreateToken", 400, map[string]string{"X-Amzn-ErrorType": "ValidationException"}, `{"message":"1 validation error"}`},
		{"no-code-at-all", "CreateToken", 400, nil, `{"error":"invalid_request"}`},
		{"no-code-empty-body", "CreateToken", 403, nil, ``},
		{"html-500", "CreateToken", 503, map[string]string{"Content-Type": "text/html"}, `<html><body>Service Unavailable</body></html>`},
		{"reason-access-denied", "CreateTokenWithIAM", 400, map[string]string{"X-Amzn-ErrorType": "AccessDeniedException"},
			`{"error":"access_denied","error_description":"kms","reason":"KMS_AccessDeniedException"}`},
		{"reason-invalid-request", "CreateToken", 400, map[string]string{"X-Amzn-ErrorType": "InvalidRequestException"},
			`{"error":"invalid_request","error_description":"kms","reason":"KMS_DisabledException"}`},
		{"region-mismatch", "CreateTokenWithIAM", 400, map[string]string{"X-Amzn-ErrorType": "InvalidRequestRegionException"},
			`{"error":"invalid_request","error_description":"wrong region","endpoint":"https://oidc.eu-west-1.amazonaws.com","region":"eu-west-1"}`},
	}
	// aws-sdk-go-v2's error snapshots: __type in the body, no header.
	for _, shape := range errorShapes {
		status := 400
		switch shape {
		case "InternalServerException":
			status = 500
		case "InvalidClientException":
			status = 401
		}
		body := `{"__type":"` + shape + `","error":"__Error___","error_description":"__Error_description__"}`
		switch shape {
		case "AccessDeniedException":
			body = `{"__type":"AccessDeniedException","error":"__Error___","error_description":"__Error_description__","reason":"KMS_AccessDeniedException"}`
		case "InvalidRequestRegionException":
			body = `{"__type":"InvalidRequestRegionException","endpoint":"__Endpoint__","error":"__Error___","error_description":"__Error_description__","region":"__Region__"}`
		}
		cases = append(cases, decodeCase{"snapshot-" + shape, "CreateTokenWithIAM", status, nil, body})
	}
	return cases
}

// TestResponsesDecodeLikeAWSSDK serves every fixture to both clients and
// compares what they make of it: output values, or error type, code,
// modeled members, request id and status.
func TestResponsesDecodeLikeAWSSDK(t *testing.T) {
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("AK", "SK", "")
	for _, tc := range decodeCases() {
		t.Run(tc.name, func(t *testing.T) {
			isolateEnv(t)
			rec := newRecorder(t, cannedResponse{Status: tc.status, Header: tc.header, Body: tc.body})
			ours := ssooidc.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: creds},
				ssooidc.WithEndpoint(rec.URL), func(o *ssooidc.Options) { o.Retryer = noRetries() })
			theirs := sdk.New(sdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(rec.URL), Credentials: creds, RetryMaxAttempts: 1})

			got := callOurs(ctx, ours, tc.op)
			want := callSDK(ctx, theirs, tc.op)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ours: %s\nSDK:  %s", jsonIndent(got), jsonIndent(want))
			}
		})
	}
}

func callOurs(ctx context.Context, c *ssooidc.Client, op string) outcome {
	var out any
	var err error
	switch op {
	case "RegisterClient":
		out, err = c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: "n"})
	case "StartDeviceAuthorization":
		out, err = c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientID: "c", ClientSecret: "s", StartURL: "u"})
	case "CreateToken":
		out, err = c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientID: "c", ClientSecret: "s", GrantType: "g"})
	case "CreateTokenWithIAM":
		out, err = c.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientID: "c", GrantType: "g"})
	}
	if err != nil {
		return ourError(err)
	}
	return outcome{Output: ourOutput(out)}
}

func ourError(err error) outcome {
	var de *smithy.DeserializationError
	if errors.As(err, &de) {
		return outcome{ErrType: "Deserialization"}
	}
	var se ssooidc.ServiceError
	if !errors.As(err, &se) {
		return outcome{ErrType: "unexpected: " + err.Error()}
	}
	info := se.Info()
	o := outcome{
		ErrType: reflect.TypeOf(se).Elem().Name(), Code: info.Code, OAuthError: info.OAuthError,
		ErrorDescription: info.ErrorDescription, RequestID: info.RequestID, Status: info.StatusCode,
	}
	switch e := se.(type) {
	case *ssooidc.APIError:
		// aws-sdk-go-v2 fills neither error nor error_description for an
		// unknown code; we keep them when present. Its placeholder message
		// for none is "UnknownError"; ours is "".
		o.ErrType, o.OAuthError, o.ErrorDescription = "Generic", "", ""
		o.Message = info.Message
		if o.Message == "" {
			o.Message = "UnknownError"
		}
	case *ssooidc.AccessDeniedException:
		o.Reason = string(e.Reason)
	case *ssooidc.InvalidRequestException:
		o.Reason = string(e.Reason)
	case *ssooidc.InvalidRequestRegionException:
		o.Endpoint, o.Region = e.Endpoint, e.Region
	}
	return o
}

func ourOutput(out any) map[string]any {
	m := map[string]any{}
	switch o := out.(type) {
	case *ssooidc.RegisterClientOutput:
		m["clientId"], m["clientSecret"], m["clientIdIssuedAt"], m["clientSecretExpiresAt"] = o.ClientID, o.ClientSecret, o.ClientIDIssuedAt, o.ClientSecretExpiresAt
		m["authorizationEndpoint"], m["tokenEndpoint"] = o.AuthorizationEndpoint, o.TokenEndpoint
		m["requestId"] = o.RequestID
	case *ssooidc.StartDeviceAuthorizationOutput:
		m["deviceCode"], m["userCode"], m["verificationUri"], m["verificationUriComplete"] = o.DeviceCode, o.UserCode, o.VerificationURI, o.VerificationURIComplete
		m["expiresIn"], m["interval"], m["requestId"] = o.ExpiresIn, o.Interval, o.RequestID
	case *ssooidc.CreateTokenOutput:
		m["accessToken"], m["tokenType"], m["expiresIn"], m["refreshToken"], m["idToken"] = o.AccessToken, o.TokenType, o.ExpiresIn, o.RefreshToken, o.IDToken
		m["requestId"] = o.RequestID
	case *ssooidc.CreateTokenWithIAMOutput:
		m["accessToken"], m["tokenType"], m["expiresIn"], m["refreshToken"], m["idToken"] = o.AccessToken, o.TokenType, o.ExpiresIn, o.RefreshToken, o.IDToken
		m["issuedTokenType"], m["scope"], m["requestId"] = o.IssuedTokenType, o.Scope, o.RequestID
		m["identityContext"] = "(no awsAdditionalDetails)"
		if o.AWSAdditionalDetails != nil {
			m["identityContext"] = o.AWSAdditionalDetails.IdentityContext
		}
	}
	return m
}

func callSDK(ctx context.Context, c *sdk.Client, op string) outcome {
	m := map[string]any{}
	var err error
	switch op {
	case "RegisterClient":
		var o *sdk.RegisterClientOutput
		if o, err = c.RegisterClient(ctx, &sdk.RegisterClientInput{ClientName: aws.String("n"), ClientType: aws.String("public")}); err == nil {
			m["clientId"], m["clientSecret"], m["clientIdIssuedAt"], m["clientSecretExpiresAt"] = aws.ToString(o.ClientId), aws.ToString(o.ClientSecret), o.ClientIdIssuedAt, o.ClientSecretExpiresAt
			m["authorizationEndpoint"], m["tokenEndpoint"] = aws.ToString(o.AuthorizationEndpoint), aws.ToString(o.TokenEndpoint)
			m["requestId"], _ = awsmiddleware.GetRequestIDMetadata(o.ResultMetadata)
		}
	case "StartDeviceAuthorization":
		var o *sdk.StartDeviceAuthorizationOutput
		if o, err = c.StartDeviceAuthorization(ctx, &sdk.StartDeviceAuthorizationInput{ClientId: aws.String("c"), ClientSecret: aws.String("s"), StartUrl: aws.String("u")}); err == nil {
			m["deviceCode"], m["userCode"], m["verificationUri"], m["verificationUriComplete"] = aws.ToString(o.DeviceCode), aws.ToString(o.UserCode), aws.ToString(o.VerificationUri), aws.ToString(o.VerificationUriComplete)
			m["expiresIn"], m["interval"] = o.ExpiresIn, o.Interval
			m["requestId"], _ = awsmiddleware.GetRequestIDMetadata(o.ResultMetadata)
		}
	case "CreateToken":
		var o *sdk.CreateTokenOutput
		if o, err = c.CreateToken(ctx, &sdk.CreateTokenInput{ClientId: aws.String("c"), ClientSecret: aws.String("s"), GrantType: aws.String("g")}); err == nil {
			m["accessToken"], m["tokenType"], m["expiresIn"], m["refreshToken"], m["idToken"] = aws.ToString(o.AccessToken), aws.ToString(o.TokenType), o.ExpiresIn, aws.ToString(o.RefreshToken), aws.ToString(o.IdToken)
			m["requestId"], _ = awsmiddleware.GetRequestIDMetadata(o.ResultMetadata)
		}
	case "CreateTokenWithIAM":
		var o *sdk.CreateTokenWithIAMOutput
		if o, err = c.CreateTokenWithIAM(ctx, &sdk.CreateTokenWithIAMInput{ClientId: aws.String("c"), GrantType: aws.String("g")}); err == nil {
			m["accessToken"], m["tokenType"], m["expiresIn"], m["refreshToken"], m["idToken"] = aws.ToString(o.AccessToken), aws.ToString(o.TokenType), o.ExpiresIn, aws.ToString(o.RefreshToken), aws.ToString(o.IdToken)
			m["issuedTokenType"], m["scope"] = aws.ToString(o.IssuedTokenType), o.Scope
			m["requestId"], _ = awsmiddleware.GetRequestIDMetadata(o.ResultMetadata)
			m["identityContext"] = "(no awsAdditionalDetails)"
			if o.AwsAdditionalDetails != nil {
				m["identityContext"] = aws.ToString(o.AwsAdditionalDetails.IdentityContext)
			}
		}
	}
	if err != nil {
		return sdkError(err)
	}
	return outcome{Output: m}
}

func sdkError(err error) outcome {
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
	o.Code = ae.ErrorCode()
	if g, ok := ae.(*smithy.GenericAPIError); ok {
		o.ErrType, o.Message = "Generic", g.Message
		return o
	}
	v := reflect.ValueOf(ae).Elem()
	o.ErrType = v.Type().Name()
	str := func(name string) string {
		f := v.FieldByName(name)
		switch {
		case !f.IsValid():
			return ""
		case f.Kind() == reflect.Pointer:
			if f.IsNil() {
				return ""
			}
			return f.Elem().String()
		}
		return f.String()
	}
	o.OAuthError, o.ErrorDescription, o.Reason = str("Error_"), str("Error_description"), str("Reason")
	o.Endpoint, o.Region = str("Endpoint"), str("Region")
	return o
}

// TestOutputExpiry checks the derived Expiry fields against the client's
// clock.
func TestOutputExpiry(t *testing.T) {
	isolateEnv(t)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	rec := newRecorder(t, cannedResponse{Status: 200, Body: `{"accessToken":"at","tokenType":"Bearer","expiresIn":3600,"refreshToken":"rt","idToken":"id"}`})
	c := ssooidc.NewFromConfig(aws.Config{Region: "us-east-1"}, ssooidc.WithEndpoint(rec.URL),
		func(o *ssooidc.Options) { o.Now = func() time.Time { return now } })
	out, err := c.CreateToken(context.Background(), &ssooidc.CreateTokenInput{ClientID: "c", ClientSecret: "s", GrantType: "refresh_token", RefreshToken: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Add(time.Hour); !out.Expiry.Equal(want) {
		t.Errorf("Expiry = %v, want %v", out.Expiry, want)
	}
	tok := out.Token()
	if tok.AccessToken != "at" || tok.RefreshToken != "rt" || tok.TokenType != "Bearer" || !tok.Expiry.Equal(now.Add(time.Hour)) || tok.Extra("id_token") != "id" {
		t.Errorf("Token() = %+v", tok)
	}
}
