package awsclient

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// maxResponseBody bounds the response bodies the client reads. The largest
// legitimate answer of these APIs is a page of 100 accounts.
const maxResponseBody = 4 << 20

// Client sends the requests of one service: it resolves the endpoint once,
// then for every operation adds the common headers, signs when asked,
// retries, enforces timeouts and logs. It is safe for concurrent use.
// Packages ssooidc and portal wrap it; programs rarely use it directly.
type Client struct {
	svc       Service
	opts      Options
	err       error // configuration error, returned by every call
	endpoint  *url.URL
	region    string // normalized: the signing region
	http      HTTPClient
	retryer   aws.RetryerV2
	creds     aws.CredentialsProvider
	anonymous bool
	signer    *v4.Signer
	userAgent string
	logger    *slog.Logger
	// endpointSource says where the endpoint came from (EndpointSource).
	endpointSource string
	// timeOffset is the clock skew (nanoseconds) last observed by any
	// operation of this client or of those derived from it (per-call
	// options), as aws-sdk-go-v2 keeps one per service client.
	timeOffset *atomic.Int64
}

func newClient(svc Service, o Options) *Client {
	o = o.Copy()
	// The retryer and the credentials cache are resolved once and kept in
	// the options, so that per-call options (WithOptions) share the retry
	// quota and the cached credentials, as in aws-sdk-go-v2.
	if o.Retryer == nil {
		o.Retryer = retry.NewStandard()
	}
	if p := o.Credentials; p != nil && !aws.IsCredentialsProvider(p, aws.AnonymousCredentials{}) {
		if _, cached := p.(*aws.CredentialsCache); !cached {
			o.Credentials = aws.NewCredentialsCache(p)
		}
	}
	c := &Client{svc: svc, opts: o, signer: v4.NewSigner(), timeOffset: new(atomic.Int64)}
	c.err = c.configure(nil)
	return c
}

// WithOptions returns a client for one operation call: a copy of c with
// optFns applied to its options, as the per-call optFns of aws-sdk-go-v2's
// operations do. It shares c's HTTP client (unless optFns change it or its
// transport settings), retryer and retry quota, cached credentials and
// learnt clock skew. Without optFns it returns c.
func (c *Client) WithOptions(optFns ...func(*Options)) *Client {
	if len(optFns) == 0 {
		return c
	}
	o := c.opts.Copy()
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Retryer == nil {
		o.Retryer = c.opts.Retryer
	}
	if o.BaseEndpoint != c.opts.BaseEndpoint {
		o.endpointSource = ""
	}
	d := &Client{svc: c.svc, opts: o, signer: c.signer, timeOffset: c.timeOffset}
	d.err = d.configure(c)
	return d
}

// sameTransport reports whether o sends requests exactly as from does, so
// that from's HTTP client (and its connection pool) can be reused.
func sameTransport(o, from Options) bool {
	return sameValue(o.HTTPClient, from.HTTPClient) && o.ConnectTimeout == from.ConnectTimeout &&
		o.DisableKeepAlives == from.DisableKeepAlives && bytes.Equal(o.CABundle, from.CABundle)
}

// sameValue compares two interface values, false for values that cannot be
// compared (a func, a struct holding a slice).
func sameValue(a, b any) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// configure resolves the options into the client's parts; from, if not
// nil, is the client whose parts are reused where the options agree.
func (c *Client) configure(from *Client) error {
	o := c.opts
	c.logger = o.Logger
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	c.userAgent = userAgent(c.svc, o.AppID)
	if err := c.resolveEndpoint(o); err != nil {
		return err
	}
	var err error
	if from != nil && from.err == nil && sameTransport(o, from.opts) {
		c.http = from.http
	} else {
		ca := o.CABundle
		if len(ca) == 0 {
			if ca, err = configuredCABundle(o.configSources); err != nil {
				return err
			}
		}
		if c.http, err = buildHTTPClient(o, ca); err != nil {
			return err
		}
	}

	r := o.Retryer
	if o.RetryMaxAttempts > 0 {
		r = retry.AddWithMaxAttempts(r, o.RetryMaxAttempts)
	}
	if v2, ok := r.(aws.RetryerV2); ok {
		c.retryer = v2
	} else {
		c.retryer = retryerV2{r}
	}

	// Anonymous credentials may come wrapped in a cache, as
	// config.LoadDefaultConfig wraps every provider.
	switch p := o.Credentials; {
	case p == nil:
	case aws.IsCredentialsProvider(p, aws.AnonymousCredentials{}):
		c.anonymous = true
	default:
		if _, cached := p.(*aws.CredentialsCache); !cached {
			p = aws.NewCredentialsCache(p)
		}
		c.creds = p
	}
	return nil
}

// resolveEndpoint sets the signing region, the endpoint and where it came
// from.
func (c *Client) resolveEndpoint(o Options) error {
	region, fipsRegion, err := NormalizeRegion(o.Region)
	if err != nil {
		return err
	}
	c.region = region
	fips := o.UseFIPSEndpoint
	if fips == aws.FIPSEndpointStateUnset {
		fips = configuredFIPS(o.configSources)
	}
	dual := o.UseDualStackEndpoint
	if dual == aws.DualStackEndpointStateUnset {
		dual = configuredDualStack(o.configSources)
	}
	ep, err := c.svc.ResolveEndpoint(EndpointParams{
		Region:       region,
		UseFIPS:      fips == aws.FIPSEndpointStateEnabled || fipsRegion,
		UseDualStack: dual == aws.DualStackEndpointStateEnabled,
		Endpoint:     o.BaseEndpoint,
	})
	if err != nil {
		return fmt.Errorf("resolve endpoint: %w", err)
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("resolve endpoint: invalid endpoint URL %q: want http(s)://host[:port][/path]", ep)
	}
	c.endpoint = u

	switch {
	case o.BaseEndpoint == "":
		c.endpointSource = "the endpoint rules for region " + region
	case o.endpointSource == "":
		c.endpointSource = EndpointFromOptions
	default:
		c.endpointSource = o.endpointSource
	}

	return nil
}

// retryerV2 adapts a Retryer without GetAttemptToken.
type retryerV2 struct{ aws.Retryer }

// GetAttemptToken delegates to GetInitialToken.
func (r retryerV2) GetAttemptToken(context.Context) (func(error) error, error) {
	return r.GetInitialToken(), nil
}

// Service returns the service the client talks to.
func (c *Client) Service() Service { return c.svc }

// Options returns a copy of the client's resolved options.
func (c *Client) Options() Options { return c.opts.Copy() }

// Region returns the client's region without any FIPS pseudo-region
// affix: the region used for signing.
func (c *Client) Region() string { return c.region }

// Endpoint returns the resolved service endpoint, or the configuration
// error that every call of the client returns.
func (c *Client) Endpoint() (*url.URL, error) {
	if c.err != nil {
		return nil, c.err
	}
	u := *c.endpoint
	return &u, nil
}

// EndpointFromOptions is the EndpointSource of an endpoint set in Options
// (BaseEndpoint) rather than found in the environment or the config files.
const EndpointFromOptions = "Options.BaseEndpoint"

// EndpointSource says where the endpoint came from, for messages: the
// variable (AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL), the profile's
// setting ("the [services local] section (sso_oidc) of profile dev",
// "endpoint_url of profile dev"), EndpointFromOptions, or "the endpoint
// rules for region R" when none was configured and the AWS endpoint
// applies.
func (c *Client) EndpointSource() string { return c.endpointSource }

// EndpointConfigured reports whether the endpoint was set (by an option,
// the environment or the config files) rather than taken from the AWS
// endpoint rules.
func (c *Client) EndpointConfigured() bool { return c.opts.BaseEndpoint != "" }

// Now returns the client's current time.
func (c *Client) Now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

// Request is one operation call.
type Request struct {
	// Operation is the operation name, as in the model ("CreateToken").
	Operation string
	// Method is the HTTP method.
	Method string
	// Path is the operation path; it may carry a literal query, as
	// "/token?aws_iam=t" does. It is joined to the endpoint's path.
	Path string
	// Query holds query parameters, encoded in sorted order.
	Query url.Values
	// Header holds operation headers (Content-Type, the portal bearer token).
	Header http.Header
	// Body is the request body; nil sends none.
	Body []byte
	// Sign asks for a SigV4 signature with the service's signing name and
	// the client's region, unless the credentials are anonymous.
	Sign bool
	// DecodeError turns a response with a status outside 2xx into the
	// operation's error. It must return a non-nil error.
	DecodeError func(*Response) error
}

// Response is a successful (2xx) response, body read.
type Response struct {
	// StatusCode is the HTTP status, 2xx.
	StatusCode int
	// Header holds the response headers.
	Header http.Header
	// Body is the whole response body.
	Body []byte
	// RequestID is the x-amzn-RequestId (or x-amz-request-id) header.
	RequestID string
	// Time is the client's time when the response arrived.
	Time time.Time
	// ServerTime is the Date header; zero if none.
	ServerTime time.Time
	// ClockSkew is the skew observed from the Date header (ServerTime minus
	// Time), zero if none was or clock-skew correction is disabled.
	ClockSkew time.Duration
	// Attempts is the number of attempts the operation took.
	Attempts int

	skewTrusted bool // ClockSkew was measured (see observedSkew)
}

// RequestID returns the request id of a response header.
func RequestID(h http.Header) string {
	if id := h.Get("X-Amzn-Requestid"); id != "" {
		return id
	}
	return h.Get("X-Amz-Request-Id")
}

// Do sends req and returns its successful response. Every error is a
// *smithy.OperationError naming the service and operation; it wraps, for a
// response outside 2xx, an *awshttp.ResponseError around what
// req.DecodeError returned, and otherwise a transport, signing, timeout or
// cancellation error, exactly as the error chain of aws-sdk-go-v2 is built.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	resp, err := c.do(ctx, req)
	if err != nil {
		return nil, &smithy.OperationError{ServiceID: c.svc.ID, OperationName: req.Operation, Err: err}
	}
	return resp, nil
}

func (c *Client) do(ctx context.Context, req *Request) (*Response, error) {
	if c.err != nil {
		return nil, c.err
	}
	if c.opts.OperationTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.OperationTimeout)
		defer cancel()
	}
	invocationID := NewUUID()
	maxAttempts := c.retryer.MaxAttempts()
	releaseRetry := func(error) error { return nil }
	var skew time.Duration // added to the signing time of the attempt
	if !c.opts.DisableClockSkewCorrection {
		skew = time.Duration(c.timeOffset.Load())
	}
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, &aws.RequestCanceledError{Err: err}
		}
		releaseAttempt, err := c.retryer.GetAttemptToken(ctx)
		if err != nil {
			return nil, fmt.Errorf("failed to get retry Send token, %w", err)
		}
		start := time.Now()
		resp, err := c.attempt(ctx, req, &attemptInfo{attempt, maxAttempts, invocationID, skew})
		c.logAttempt(req, attempt, start, resp, err)
		_ = releaseRetry(err)
		if attempt == 1 {
			_ = releaseAttempt(err)
		}
		if !c.opts.DisableClockSkewCorrection {
			observed, ok := time.Duration(0), false
			if resp != nil && !resp.ServerTime.IsZero() {
				observed, ok = resp.ClockSkew, resp.skewTrusted
			}
			if err != nil {
				err = wrapClockSkew(err, observed, ok, skew)
			}
			// As aws-sdk-go-v2: the next attempt, and the client's later
			// operations, sign with the last observed skew.
			skew = observed
			if ok {
				c.timeOffset.Store(int64(observed))
			}
		}
		if err == nil {
			resp.Attempts = attempt
			return resp, nil
		}
		if !c.shouldRetry(ctx, err) {
			return nil, err
		}
		if maxAttempts > 0 && attempt >= maxAttempts {
			return nil, &retry.MaxAttemptsError{Attempt: attempt, Err: err}
		}
		var tokenErr error
		if releaseRetry, tokenErr = c.retryer.GetRetryToken(ctx, err); tokenErr != nil {
			return nil, errors.Join(err, tokenErr)
		}
		delay, derr := c.retryer.RetryDelay(attempt, err)
		if derr != nil {
			return nil, derr
		}
		c.logger.LogAttrs(ctx, slog.LevelInfo, "retrying aws request",
			slog.String("service", c.svc.ID), slog.String("operation", req.Operation),
			slog.Int("attempt", attempt), slog.Duration("delay", delay), slog.String("error", errorSummary(err)))
		if err := sleep(ctx, delay); err != nil {
			return nil, &aws.RequestCanceledError{Err: err}
		}
	}
}

// shouldRetry reports whether a failed attempt is worth another: never
// after the operation's context ended, never for an error that says it is
// not retryable (AuthorizationPending and SlowDown do, RFC 8628 3.5: the
// caller must slow down, not hammer), else as the retryer decides.
func (c *Client) shouldRetry(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var r interface{ RetryableError() bool }
	if errors.As(err, &r) && !r.RetryableError() {
		return false
	}
	return c.retryer.IsErrorRetryable(err)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// AttemptTimeoutError reports an attempt cut short by
// Options.AttemptTimeout. It is retryable.
type AttemptTimeoutError struct {
	// Limit is Options.AttemptTimeout.
	Limit time.Duration
	// Err is what the HTTP client returned.
	Err error
}

// Error describes the timeout.
func (e *AttemptTimeoutError) Error() string {
	return fmt.Sprintf("attempt timed out after %s: %v", e.Limit, e.Err)
}

// Unwrap returns the underlying error.
func (e *AttemptTimeoutError) Unwrap() error { return e.Err }

// RetryableError reports that the attempt may be retried.
func (e *AttemptTimeoutError) RetryableError() bool { return true }

// Timeout reports that this is a timeout.
func (e *AttemptTimeoutError) Timeout() bool { return true }

// attemptInfo describes one attempt of an operation.
type attemptInfo struct {
	attempt, maxAttempts int
	invocationID         string
	// skew is added to the time the request is signed with.
	skew time.Duration
}

func (c *Client) attempt(ctx context.Context, req *Request, at *attemptInfo) (*Response, error) {
	actx := ctx
	if c.opts.AttemptTimeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.opts.AttemptTimeout)
		defer cancel()
	}
	hreq, err := c.newHTTPRequest(actx, req, at)
	if err != nil {
		return nil, err
	}
	requestAt := c.Now()
	hresp, err := c.http.Do(hreq)
	if err != nil {
		return nil, c.sendError(ctx, actx, err)
	}
	body, err := io.ReadAll(io.LimitReader(hresp.Body, maxResponseBody+1))
	hresp.Body.Close()
	if err != nil {
		return nil, c.sendError(ctx, actx, err)
	}
	if len(body) > maxResponseBody {
		return nil, &smithy.DeserializationError{Err: fmt.Errorf("response body larger than %d bytes", maxResponseBody)}
	}
	resp := &Response{
		StatusCode: hresp.StatusCode,
		Header:     hresp.Header,
		Body:       body,
		RequestID:  RequestID(hresp.Header),
		Time:       c.Now(),
	}
	if !c.opts.DisableClockSkewCorrection {
		resp.ClockSkew, resp.ServerTime, resp.skewTrusted = observedSkew(hresp.Header, requestAt, resp.Time)
		if !resp.skewTrusted {
			resp.ClockSkew = 0
		}
	} else if d := hresp.Header.Get("Date"); d != "" {
		resp.ServerTime, _ = http.ParseTime(d)
	}
	if hresp.StatusCode >= 200 && hresp.StatusCode < 300 {
		return resp, nil
	}
	hresp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: hresp},
			Err:      req.DecodeError(resp),
		},
		RequestID: resp.RequestID,
	}
}

// sendError classifies a failure to send or read: cancellation of the
// operation, an attempt timeout, or a connection error (retryable).
func (c *Client) sendError(ctx, actx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return &smithy.CanceledError{Err: err}
	case actx.Err() != nil:
		return &AttemptTimeoutError{Limit: c.opts.AttemptTimeout, Err: err}
	}
	return &smithyhttp.RequestSendError{Err: err}
}

func (c *Client) newHTTPRequest(ctx context.Context, req *Request, at *attemptInfo) (*http.Request, error) {
	u := *c.endpoint
	opPath, opQuery, _ := strings.Cut(req.Path, "?")
	u.Path = smithyhttp.JoinPath(c.endpoint.Path, opPath)
	if c.endpoint.RawPath != "" {
		u.RawPath = smithyhttp.JoinPath(c.endpoint.RawPath, opPath)
	}
	u.RawQuery = opQuery
	if q := req.Query.Encode(); q != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += q
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, v := range req.Header {
		hreq.Header[k] = append([]string(nil), v...)
	}
	hreq.Header.Set("User-Agent", c.userAgent)
	hreq.Header.Set("Amz-Sdk-Invocation-Id", at.invocationID)
	hreq.Header.Set("Amz-Sdk-Request", fmt.Sprintf("attempt=%d; max=%d", at.attempt, at.maxAttempts))
	if req.Sign && !c.anonymous {
		if err := c.sign(ctx, hreq, req.Body, at.skew); err != nil {
			return nil, err
		}
	}
	return hreq, nil
}

// sign adds a SigV4 signature with aws-sdk-go-v2's signer: signing name of
// the service, region of the client, time of Options.Now plus the clock
// skew learnt from the server (as aws-sdk-go-v2's v4 signer adapter adds
// the attempt's skew).
func (c *Client) sign(ctx context.Context, hreq *http.Request, body []byte, skew time.Duration) error {
	if c.creds == nil {
		return errors.New("failed to sign request: no credentials configured (set Options.Credentials)")
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("failed to retrieve credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, hreq, hex.EncodeToString(sum[:]), c.svc.SigningName, c.region, c.Now().Add(skew).UTC()); err != nil {
		return fmt.Errorf("failed to sign request: %w", err)
	}
	return nil
}

func (c *Client) logAttempt(req *Request, attempt int, start time.Time, resp *Response, err error) {
	if !c.logger.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("service", c.svc.ID),
		slog.String("operation", req.Operation),
		slog.Int("attempt", attempt),
		slog.Duration("duration", time.Since(start)),
	}
	var re *awshttp.ResponseError
	switch {
	case resp != nil && err == nil:
		attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.String("request_id", resp.RequestID))
	case errors.As(err, &re):
		attrs = append(attrs, slog.Int("status", re.HTTPStatusCode()), slog.String("request_id", re.ServiceRequestID()),
			slog.String("error_code", errorSummary(err)))
	default:
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.logger.LogAttrs(context.Background(), slog.LevelDebug, "aws request", attrs...)
}

// errorSummary names an error without its message: the API error code if
// there is one. Messages may echo request values, so they stay out of logs.
func errorSummary(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	var te *AttemptTimeoutError
	if errors.As(err, &te) {
		return "AttemptTimeout"
	}
	return "RequestSendError"
}

// NewUUID returns a random (version 4) UUID, as used for the
// amz-sdk-invocation-id header and the OAuth state of the AWS CLI.
func NewUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand.Read never fails on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
