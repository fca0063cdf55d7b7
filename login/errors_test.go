package login

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ssooidc/ssooidc"
)

// TestExplainHint: the hint to set an ssooidc endpoint comes when the AWS
// endpoint was used and its host did not resolve (even for an AWS start
// URL), or the start URL is not AWS's; never for a configured endpoint.
func TestExplainHint(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_ENDPOINT_URL_SSO_OIDC", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	dnsErr := &smithy.OperationError{ServiceID: "SSO OIDC", OperationName: "RegisterClient", Err: &retry.MaxAttemptsError{Attempt: 3,
		Err: &smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "oidc.us-east-1.amazonaws.com", IsNotFound: true}}}}}
	refused := &smithy.OperationError{ServiceID: "SSO OIDC", OperationName: "RegisterClient",
		Err: &smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}}}
	for _, tc := range []struct {
		name, startURL, endpoint string
		err                      error
		hint                     bool
	}{
		{"AWS start URL, AWS host unknown", "https://d-1234567890.awsapps.com/start", "", dnsErr, true},
		{"other start URL", "https://sso.example.com/start", "", refused, true},
		{"AWS start URL, refused", "https://d-1234567890.awsapps.com/start", "", refused, false},
		{"configured endpoint", "https://sso.example.com/start", "http://127.0.0.1:9", dnsErr, false},
	} {
		c := New(&Session{StartURL: tc.startURL, Region: "us-east-1"}, func(o *Options) { o.Endpoint = tc.endpoint; o.EndpointSource = "--endpoint" })
		oc, err := c.oidcClient(context.Background(), "us-east-1")
		if err != nil {
			t.Fatal(err)
		}
		msg := c.explain(oc, tc.err).Error()
		if got := strings.Contains(msg, "hint: "); got != tc.hint {
			t.Errorf("%s: hint %v:\n%s", tc.name, got, msg)
		}
		var ee *EndpointError
		if !errors.As(c.explain(oc, tc.err), &ee) || strings.Contains(msg, "operation error") {
			t.Errorf("%s: %s", tc.name, msg)
		}
		if tc.err == dnsErr && !strings.Contains(msg, "lookup oidc.us-east-1.amazonaws.com") {
			t.Errorf("%s: %s", tc.name, msg)
		}
	}
	// An answer of the service is not an endpoint problem.
	api := &ssooidc.InvalidGrantException{}
	if err := New(&Session{}).explain(nil, api); err != api {
		t.Errorf("an API error was rewritten: %v", err)
	}
}
