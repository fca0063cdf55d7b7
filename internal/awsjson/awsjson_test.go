package awsjson_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ssooidc/ssooidc/internal/awsjson"
	"github.com/ssooidc/ssooidc/internal/policy"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/internal/sso"
)

var (
	admin  = sigv4.Principal{AccessKeyID: "AKIAADMINEXAMPLE", SecretAccessKey: "admin-secret", Account: "111111111111", ARN: "arn:aws:iam::111111111111:role/admin", Allow: []string{"test:*"}}
	reader = sigv4.Principal{AccessKeyID: "AKIAREADEREXAMPLE", SecretAccessKey: "reader-secret", Account: "111111111111", ARN: "arn:aws:iam::111111111111:role/reader", Allow: []string{"test:Get*"}}
)

type echoInput struct {
	Name  string `json:"Name"`
	Count int    `json:"Count"`
}

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	v, err := sigv4.New(sigv4.Options{Service: "test", Region: "us-east-1", Principals: []sigv4.Principal{admin, reader}})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.New([]sigv4.Principal{admin, reader})
	if err != nil {
		t.Fatal(err)
	}
	svc := &awsjson.Service{TargetPrefix: "TestService", SigningName: "test", ActionPrefix: "test",
		Ops: map[string]awsjson.Op{
			"GetEcho": func(ctx context.Context, body []byte) (any, error) {
				var in echoInput
				if err := awsjson.Decode(body, &in); err != nil {
					return nil, err
				}
				if in.Name == "" {
					return nil, sso.Errorf(sso.CodeInvalidRequest, "Name is required.")
				}
				if in.Name == "missing" {
					return nil, &awsjson.Error{Shape: awsjson.ResourceMissing, Message: "No such thing.",
						Fields: map[string]any{"ResourceType": "USER", "ResourceId": "x"}}
				}
				if in.Name == "boom" {
					panic("boom")
				}
				return map[string]any{"Name": in.Name, "Actor": sso.ActorFrom(ctx).ID, "At": awsjson.Time(time.UnixMilli(1700000000123))}, nil
			},
			"PutEcho": func(ctx context.Context, body []byte) (any, error) { return struct{}{}, nil },
		},
		Refused: map[string]error{"DeleteEverything": awsjson.Errorf(awsjson.Validation, "ssooidc does not serve DeleteEverything.")},
		Errors:  map[sso.Code]awsjson.Shape{sso.CodeInvalidRequest: awsjson.Validation},
	}
	a := awsjson.New(awsjson.Options{Services: []*awsjson.Service{svc}, Verifiers: map[string]awsjson.Verifier{"test": v}, Policy: pol})
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv
}

// call posts body to target, signed by p (unsigned when p is nil).
func call(t *testing.T, srv *httptest.Server, p *sigv4.Principal, target, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+"/", bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", awsjson.ContentType)
	req.Header.Set("X-Amz-Target", target)
	if p != nil {
		sum := sha256.Sum256([]byte(body))
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey},
			req, hex.EncodeToString(sum[:]), "test", "us-east-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: body %q is not JSON", target, b)
	}
	return resp.StatusCode, resp.Header, m
}

func TestAdapter(t *testing.T) {
	srv := newServer(t)
	code, h, m := call(t, srv, &admin, "TestService.GetEcho", `{"Name":"x","Count":2}`)
	if code != 200 || m["Name"] != "x" || m["Actor"] != admin.ARN || m["At"] != 1700000000.123 || h.Get("x-amzn-RequestId") == "" ||
		h.Get("Content-Type") != awsjson.ContentType {
		t.Errorf("success: %d %v %v", code, h, m)
	}
	for _, c := range []struct {
		name   string
		p      *sigv4.Principal
		target string
		body   string
		status int
		shape  string
	}{
		{"unknown service", &admin, "Other.GetEcho", `{}`, 400, "UnknownOperationException"},
		{"no target op", &admin, "TestService.", `{}`, 400, "UnknownOperationException"},
		{"unknown op", &admin, "TestService.Nope", `{}`, 400, "UnknownOperationException"},
		{"unsigned", nil, "TestService.GetEcho", `{"Name":"x"}`, 403, "MissingAuthenticationTokenException"},
		{"not allowed", &reader, "TestService.PutEcho", `{}`, 400, "AccessDeniedException"},
		{"allowed reader", &reader, "TestService.GetEcho", `{"Name":"y"}`, 200, ""},
		{"refused op", &admin, "TestService.DeleteEverything", `{}`, 400, "ValidationException"},
		{"domain error", &admin, "TestService.GetEcho", `{}`, 400, "ValidationException"},
		{"wrong case member", &admin, "TestService.GetEcho", `{"name":"x"}`, 400, "ValidationException"},
		{"duplicate member", &admin, "TestService.GetEcho", `{"Name":"x","Name":"y"}`, 400, "SerializationException"},
		{"wrong type", &admin, "TestService.GetEcho", `{"Name":5}`, 400, "SerializationException"},
		{"not an object", &admin, "TestService.GetEcho", `[1]`, 400, "SerializationException"},
		{"not JSON", &admin, "TestService.GetEcho", `{"Name":`, 400, "SerializationException"},
		{"model fields", &admin, "TestService.GetEcho", `{"Name":"missing"}`, 400, "ResourceNotFoundException"},
		{"panic", &admin, "TestService.GetEcho", `{"Name":"boom"}`, 500, "InternalServerException"},
	} {
		code, h, m := call(t, srv, c.p, c.target, c.body)
		if code != c.status || h.Get("X-Amzn-ErrorType") != c.shape || (c.shape != "" && m["__type"] != c.shape) {
			t.Errorf("%s: %d %q %v, want %d %s", c.name, code, h.Get("X-Amzn-ErrorType"), m, c.status, c.shape)
		}
		if c.name == "model fields" && (m["ResourceType"] != "USER" || m["ResourceId"] != "x" || m["Message"] != "No such thing.") {
			t.Errorf("model fields: %v", m)
		}
		if c.name == "panic" && m["Message"] == "boom" {
			t.Errorf("panic text leaked: %v", m)
		}
	}
}
