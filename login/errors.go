package login

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ssooidc/ssooidc/awsclient"
)

// endpointInfo is what the ssooidc and portal clients say about their
// endpoint.
type endpointInfo interface {
	Endpoint() (*url.URL, error)
	EndpointSource() string
	EndpointConfigured() bool
}

// EndpointError is a call that never got an answer from its service: the
// address did not resolve, the connection was refused or timed out. It says
// which URL was tried and where that URL came from, and what to do when
// an ssooidc server was meant.
type EndpointError struct {
	// Service is "SSO OIDC" or "SSO" (the portal).
	Service string
	// Operation is the API operation, such as "StartDeviceAuthorization".
	Operation string
	// URL is the endpoint tried.
	URL string
	// Source says where URL came from: "AWS_ENDPOINT_URL_SSO_OIDC", "the
	// endpoint rules for region us-east-1", ...
	Source string
	// Attempts is the number of attempts made.
	Attempts int
	// Hint says what to do, if there is something to say.
	Hint string
	// Err is the SDK's error.
	Err error
}

func (e *EndpointError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cannot reach the %s endpoint %s (from %s)", e.Service, e.URL, e.Source)
	if e.Operation != "" {
		fmt.Fprintf(&b, " for %s", e.Operation)
	}
	fmt.Fprintf(&b, ": %s", rootCause(e.Err))
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (%d attempts)", e.Attempts)
	}
	if e.Hint != "" {
		b.WriteString("\n  hint: " + e.Hint)
	}
	return b.String()
}

// Unwrap returns Err.
func (e *EndpointError) Unwrap() error { return e.Err }

// rootCause is the most telling part of a transport error: the network
// operation that failed ("dial tcp 127.0.0.1:8080: connect: connection
// refused", "lookup oidc.us-east-1.amazonaws.com: no such host").
func rootCause(err error) string {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.Error()
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Error()
	}
	var te *awsclient.AttemptTimeoutError
	if errors.As(err, &te) {
		return te.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// isAWSStartURL reports whether a start URL is one of AWS's access
// portals (https://d-xxxxxxxxxx.awsapps.com/start, the .awsapps.cn and
// .app.aws forms).
func isAWSStartURL(startURL string) bool {
	u, err := url.Parse(startURL)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	for _, suffix := range []string{".awsapps.com", ".awsapps.cn", ".app.aws"} {
		if strings.HasSuffix(h, suffix) {
			return true
		}
	}
	return false
}

// explain turns a call's transport failure into an *EndpointError; other
// errors are returned as they are. The hint for a missing endpoint comes
// when the endpoint is AWS's (none configured) while the start URL is not
// an AWS one or AWS's host does not resolve: then an ssooidc server was
// most likely meant.
func (c *Client) explain(cl endpointInfo, err error) error {
	if err == nil {
		return nil
	}
	var send *smithyhttp.RequestSendError
	var timeout *awsclient.AttemptTimeoutError
	if !errors.As(err, &send) && !errors.As(err, &timeout) {
		return err
	}
	e := &EndpointError{Source: cl.EndpointSource(), Err: err, Attempts: 1}
	if e.Source == awsclient.EndpointFromOptions {
		e.Source = c.opts.EndpointSource
		if e.Source == "" {
			e.Source = "login.Options.Endpoint"
		}
	}
	if u, uerr := cl.Endpoint(); uerr == nil {
		e.URL = u.String()
	}
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		e.Service, e.Operation = oe.ServiceID, oe.OperationName
	}
	var me *retry.MaxAttemptsError
	if errors.As(err, &me) {
		e.Attempts = me.Attempt
	}
	var dns *net.DNSError
	if !cl.EndpointConfigured() && (errors.As(err, &dns) || !isAWSStartURL(c.sess.StartURL)) {
		e.Hint = "to sign in at an ssooidc server, give its address: export AWS_ENDPOINT_URL_SSO_OIDC=http://HOST:PORT " +
			"(and AWS_ENDPOINT_URL_SSO, or let it default to the same server), or pass --endpoint http://HOST:PORT to ssooidc"
	}
	return e
}
