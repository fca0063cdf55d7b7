package ssooidc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// isolateEnv removes every AWS_* variable for the test and points the
// shared config files at an empty directory, so that neither the developer's
// ~/.aws nor the CI environment leaks into a test. It returns that
// directory.
func isolateEnv(t testing.TB) string {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return dir
}

// writeFile writes content to dir/name.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// capturedRequest is what a request looks like for comparison: the parts a
// server sees and acts on.
type capturedRequest struct {
	Method      string
	Path        string
	Query       map[string][]string
	Headers     map[string]string // selected headers, see relevantHeaders
	HeaderNames []string          // every header name sent, sorted
	Body        any               // parsed JSON, nil if none
	RawBody     string
}

// relevantHeaders are compared by value; the others only by presence, since
// their values differ by design (User-Agent) or by time and randomness.
var relevantHeaders = []string{"Content-Type", "Content-Length", "Amz-Sdk-Request", "X-Amz-Sso_bearer_token", "X-Amz-Security-Token"}

func capture(r *http.Request) capturedRequest {
	b, _ := io.ReadAll(r.Body)
	c := capturedRequest{
		Method:  r.Method,
		Path:    r.URL.Path,
		Query:   r.URL.Query(),
		Headers: map[string]string{},
		RawBody: string(b),
	}
	if len(c.Query) == 0 {
		c.Query = nil
	}
	names := map[string]bool{}
	for k := range r.Header {
		names[k] = true
	}
	if r.ContentLength >= 0 && (r.ContentLength > 0 || r.Method == http.MethodPost) {
		names["Content-Length"] = true
	}
	for k := range names {
		c.HeaderNames = append(c.HeaderNames, k)
	}
	sort.Strings(c.HeaderNames)
	for _, k := range relevantHeaders {
		if v := r.Header.Get(k); v != "" {
			c.Headers[k] = v
		}
	}
	if r.ContentLength >= 0 && (r.ContentLength > 0 || r.Method == http.MethodPost) {
		c.Headers["Content-Length"] = jsonString(r.ContentLength)
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &c.Body); err != nil {
			c.Body = "not JSON: " + string(b)
		}
	}
	return c
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonIndent(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// recorder is an httptest server that records requests and answers each
// with the next canned response (the last one repeats).
type recorder struct {
	*httptest.Server
	mu        sync.Mutex
	requests  []capturedRequest
	raw       []*http.Request
	responses []cannedResponse
}

type cannedResponse struct {
	Status int
	Header map[string]string
	Body   string
}

func newRecorder(t testing.TB, responses ...cannedResponse) *recorder {
	rec := &recorder{responses: responses}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.requests = append(rec.requests, capture(r))
		rec.raw = append(rec.raw, r.Clone(r.Context()))
		resp := cannedResponse{Status: 200, Body: "{}"}
		if n := len(rec.requests); len(rec.responses) > 0 {
			resp = rec.responses[min(n, len(rec.responses))-1]
		}
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Requestid", "req-1234")
		for k, v := range resp.Header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(resp.Status)
		io.WriteString(w, resp.Body)
	}))
	t.Cleanup(rec.Close)
	return rec
}

// lastRaw returns the last request received.
func (r *recorder) lastRaw() *http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.raw[len(r.raw)-1]
}

func (r *recorder) take() []capturedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.requests
	r.requests, r.raw = nil, nil
	return out
}

// noRetries is a retryer for tests of single responses.
func noRetries() aws.Retryer { return retry.AddWithMaxAttempts(retry.NewStandard(), 1) }

// fastRetries retries like the standard retryer, without waiting.
func fastRetries() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
