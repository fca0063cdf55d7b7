package portal_test

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
)

// isolateEnv removes every AWS_* variable and points the shared config
// files at an empty directory.
func isolateEnv(t testing.TB) {
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
}

type capturedRequest struct {
	Method      string
	Path        string
	Query       map[string][]string
	RawQuery    string
	Headers     map[string]string
	HeaderNames []string
	RawBody     string
}

var relevantHeaders = []string{"Content-Type", "Amz-Sdk-Request", "X-Amz-Sso_bearer_token", "Authorization"}

func capture(r *http.Request) capturedRequest {
	b, _ := io.ReadAll(r.Body)
	c := capturedRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), RawQuery: r.URL.RawQuery, Headers: map[string]string{}, RawBody: string(b)}
	if len(c.Query) == 0 {
		c.Query = nil
	}
	names := map[string]bool{}
	for k := range r.Header {
		names[k] = true
	}
	for k := range names {
		c.HeaderNames = append(c.HeaderNames, k)
	}
	sort.Strings(c.HeaderNames)
	for _, k := range relevantHeaders {
		if v, ok := r.Header[http.CanonicalHeaderKey(k)]; ok {
			c.Headers[k] = strings.Join(v, ",")
		}
	}
	// The raw header name as sent, since servers read it case-insensitively
	// but the SDK's spelling is part of the wire format.
	for k := range r.Header {
		if strings.EqualFold(k, "X-Amz-Sso_bearer_token") {
			c.Headers["bearer-header-spelling"] = k
		}
	}
	c.Headers["Content-Length-Known"] = jsonString(r.ContentLength)
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

type cannedResponse struct {
	Status int
	Header map[string]string
	Body   string
}

type recorder struct {
	*httptest.Server
	mu        sync.Mutex
	requests  []capturedRequest
	responses []cannedResponse
}

func newRecorder(t testing.TB, responses ...cannedResponse) *recorder {
	rec := &recorder{responses: responses}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.requests = append(rec.requests, capture(r))
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

func (r *recorder) take() []capturedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.requests
	r.requests = nil
	return out
}
