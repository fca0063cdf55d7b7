package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/internal/servertest"
)

// rawPost sends body to path with the given Content-Type ("" for none, as
// AWS CLIs before 2.3 did) and returns status, headers and the parsed body.
func rawPost(t *testing.T, url, path, contentType, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %q", path, body, b)
	}
	return resp.StatusCode, resp.Header, m
}

func TestWireErrorsAndHeaders(t *testing.T) {
	srv := servertest.New(t)
	big := `{"clientName":"` + strings.Repeat("x", 70<<10) + `","clientType":"public"}`
	cases := []struct {
		name, path, ctype, body string
		status                  int
		shape, oauth            string
	}{
		{"no content type parses", "/client/register", "", `{"clientName":"old-cli","clientType":"public"}`, 200, "", ""},
		{"text/plain parses", "/client/register", "text/plain", `{"clientName":"x","clientType":"public"}`, 200, "", ""},
		{"missing clientName", "/client/register", "application/json", `{"clientType":"public"}`, 400, "InvalidRequestException", "invalid_request"},
		{"empty body", "/client/register", "application/json", ``, 400, "InvalidRequestException", "invalid_request"},
		{"malformed JSON", "/client/register", "application/json", `{"clientName":`, 400, "InvalidRequestException", "invalid_request"},
		{"wrong member type", "/client/register", "application/json", `{"clientName":5,"clientType":"public"}`, 400, "InvalidRequestException", "invalid_request"},
		{"array body", "/token", "application/json", `[1,2]`, 400, "InvalidRequestException", "invalid_request"},
		{"oversize body", "/client/register", "application/json", big, 400, "InvalidRequestException", "invalid_request"},
		{"unknown members ignored", "/client/register", "application/json", `{"clientName":"x","clientType":"public","future":{"a":[1]}}`, 200, "", ""},
		{"token without clientId", "/token", "application/json", `{"clientSecret":"s","grantType":"refresh_token"}`, 400, "InvalidRequestException", "invalid_request"},
		{"token without grantType", "/token", "application/json", `{"clientId":"c","clientSecret":"s"}`, 400, "InvalidRequestException", "invalid_request"},
		{"start without startUrl", "/device_authorization", "", `{"clientId":"c"}`, 400, "InvalidRequestException", "invalid_request"},
		{"unknown path", "/nope", "", `{}`, 400, "InvalidRequestException", "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := rawPost(t, srv.URL, tc.path, tc.ctype, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d (%v)", status, tc.status, body)
			}
			if len(h.Get("x-amzn-RequestId")) != 36 {
				t.Errorf("x-amzn-RequestId %q", h.Get("x-amzn-RequestId"))
			}
			if h.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", h.Get("Content-Type"))
			}
			if tc.shape == "" {
				return
			}
			if h.Get("X-Amzn-ErrorType") != tc.shape || body["__type"] != tc.shape {
				t.Errorf("error type header %q body %v, want %s", h.Get("X-Amzn-ErrorType"), body["__type"], tc.shape)
			}
			if body["error"] != tc.oauth {
				t.Errorf("error %v, want %s", body["error"], tc.oauth)
			}
			desc, _ := body["error_description"].(string)
			if desc == "" || body["message"] != desc {
				t.Errorf("error_description %q message %v", desc, body["message"])
			}
		})
	}
}

// TestInternalErrorsLeakNothing breaks the store under a running server:
// every operation must answer InternalServerException with the fixed
// message, a JSON body, and nothing of the internal failure.
func TestInternalErrorsLeakNothing(t *testing.T) {
	srv := servertest.New(t)
	srv.Store.Close()
	for _, tc := range []struct{ path, body string }{
		{"/client/register", `{"clientName":"x","clientType":"public"}`},
		{"/device_authorization", `{"clientId":"c","clientSecret":"s","startUrl":"` + servertest.StartURL + `"}`},
		{"/token", `{"clientId":"c","clientSecret":"s","grantType":"refresh_token","refreshToken":"r"}`},
	} {
		status, h, body := rawPost(t, srv.URL, tc.path, "application/json", tc.body)
		if status != 500 || h.Get("X-Amzn-ErrorType") != "InternalServerException" || body["error"] != "server_error" {
			t.Fatalf("%s: %d %v %v", tc.path, status, h, body)
		}
		raw, _ := json.Marshal(body)
		for _, leak := range []string{"sql", "database", "closed", "sso:", "goroutine", ".go"} {
			if strings.Contains(strings.ToLower(string(raw)), leak) {
				t.Errorf("%s: body leaks %q: %s", tc.path, leak, raw)
			}
		}
	}
	// The server logged the cause for its operators.
	if !strings.Contains(srv.Logs(), "InternalServerException") {
		t.Error("internal error not logged")
	}
}
