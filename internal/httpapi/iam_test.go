package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

type fakeVerifier struct {
	err  error
	body []byte // what Verify saw
}

func (f *fakeVerifier) Verify(r *http.Request, body []byte) (sigv4.Principal, error) {
	f.body = body
	return sigv4.Principal{ARN: "arn:aws:iam::123456789012:role/app"}, f.err
}

type fakeIAM struct {
	err    error
	caller sigv4.Principal
	req    wire.CreateTokenWithIAMRequest
}

func (f *fakeIAM) CreateTokenWithIAM(_ context.Context, caller sigv4.Principal, req wire.CreateTokenWithIAMRequest) (wire.CreateTokenWithIAMResponse, error) {
	f.caller, f.req = caller, req
	if f.err != nil {
		return wire.CreateTokenWithIAMResponse{}, f.err
	}
	return wire.CreateTokenWithIAMResponse{AccessToken: "aoa1", TokenType: "Bearer", ExpiresIn: 3600}, nil
}

type fakeTokens struct{ called bool }

func (f *fakeTokens) CreateToken(context.Context, wire.CreateTokenRequest) (wire.CreateTokenResponse, error) {
	f.called = true
	return wire.CreateTokenResponse{AccessToken: "plain", TokenType: "Bearer", ExpiresIn: 1}, nil
}

type fakeKeys struct{}

func (fakeKeys) JWKSJSON(context.Context) ([]byte, error) { return []byte(`{"keys":[]}`), nil }

func serve(t *testing.T, opts Options, method, target, body string) (*http.Response, map[string]any) {
	t.Helper()
	mux := http.NewServeMux()
	New(opts).Routes(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader(body)))
	resp := rec.Result()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: body %q", method, target, b)
	}
	return resp, m
}

func TestCreateTokenWithIAMRouting(t *testing.T) {
	v, iam, tok := &fakeVerifier{}, &fakeIAM{}, &fakeTokens{}
	opts := Options{Tokens: tok, SigV4: v, IAMTokens: iam}
	body := `{"clientId":"arn:x","grantType":"refresh_token","refreshToken":"r","scope":["openid"]}`
	resp, m := serve(t, opts, "POST", "/token?aws_iam=t", body)
	if resp.StatusCode != 200 || m["accessToken"] != "aoa1" || tok.called {
		t.Fatalf("%d %v (CreateToken called: %v)", resp.StatusCode, m, tok.called)
	}
	if string(v.body) != body || *iam.req.RefreshToken != "r" || iam.req.Scope[0] != "openid" || iam.caller.ARN == "" {
		t.Errorf("verifier saw %q; service got %+v from %+v", v.body, iam.req, iam.caller)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("tokens without Cache-Control: no-store")
	}
	if _, m = serve(t, opts, "POST", "/token", `{}`); m["accessToken"] != "plain" {
		t.Errorf("plain /token: %v", m)
	}

	// Not configured: the answer servers gave before CreateTokenWithIAM.
	resp, m = serve(t, Options{Tokens: tok}, "POST", "/token?aws_iam=t", body)
	if resp.StatusCode != 400 || resp.Header.Get(wire.HeaderErrorType) != wire.ErrInvalidRequest || !strings.Contains(m["message"].(string), "not enabled") {
		t.Errorf("not enabled: %d %v", resp.StatusCode, m)
	}
	// A body over the limit is refused before anything else.
	resp, _ = serve(t, opts, "POST", "/token?aws_iam=t", strings.Repeat(" ", maxBody+1))
	if resp.StatusCode != 400 {
		t.Errorf("oversize body: %d", resp.StatusCode)
	}
}

// TestIAMErrorShapes: front-end errors have AWS's front-end shape,
// InvalidRequestRegionException its members, the grant's errors the OIDC
// shape.
func TestIAMErrorShapes(t *testing.T) {
	for _, tc := range []struct {
		verify, grant error
		status        int
		shape         string
		keys          string // the body's members, sorted
	}{
		{verify: sso.Errorf(sso.CodeMissingAuthenticationToken, "Missing Authentication Token"), status: 403, shape: ErrMissingAuthenticationToken, keys: "message"},
		{verify: sso.Errorf(sso.CodeIncompleteSignature, "x"), status: 403, shape: ErrIncompleteSignature, keys: "message"},
		{verify: sso.Errorf(sso.CodeInvalidSignature, "Signature expired: ..."), status: 403, shape: ErrInvalidSignature, keys: "message"},
		{verify: sso.Errorf(sso.CodeUnrecognizedClient, "x"), status: 403, shape: ErrUnrecognizedClient, keys: "message"},
		{verify: &sso.Error{Code: sso.CodeInvalidRequestRegion, Message: "other region", Err: &sigv4.RegionError{Endpoint: "http://127.0.0.1:1", Region: "us-east-1"}},
			status: 400, shape: wire.ErrInvalidRequestRegion, keys: "__type endpoint error error_description message region"},
		{grant: sso.Errorf(sso.CodeAccessDenied, "no"), status: 400, shape: wire.ErrAccessDenied, keys: "__type error error_description message"},
		{grant: sso.Errorf(sso.CodeInvalidGrant, "no"), status: 400, shape: wire.ErrInvalidGrant, keys: "__type error error_description message"},
		{grant: io.ErrUnexpectedEOF, status: 500, shape: wire.ErrInternalServer, keys: "__type error error_description message"},
	} {
		t.Run(tc.shape, func(t *testing.T) {
			resp, m := serve(t, Options{SigV4: &fakeVerifier{err: tc.verify}, IAMTokens: &fakeIAM{err: tc.grant}}, "POST", "/token?aws_iam=t", `{}`)
			if resp.StatusCode != tc.status || resp.Header.Get(wire.HeaderErrorType) != tc.shape {
				t.Fatalf("%d %q, want %d %s", resp.StatusCode, resp.Header.Get(wire.HeaderErrorType), tc.status, tc.shape)
			}
			var keys []string
			for k := range m {
				keys = append(keys, k)
			}
			if got := strings.Join(slices.Sorted(slices.Values(keys)), " "); got != tc.keys {
				t.Errorf("members %q, want %q: %v", got, tc.keys, m)
			}
			if tc.shape == wire.ErrInvalidRequestRegion && (m["region"] != "us-east-1" || m["endpoint"] != "http://127.0.0.1:1" || m["error"] != "invalid_request") {
				t.Errorf("region body %v", m)
			}
			if tc.shape == wire.ErrInternalServer && m["message"] != internalMessage {
				t.Errorf("internal text leaked: %v", m)
			}
		})
	}
}

// TestEveryCodeHasARow: a new code without a row in the one table would
// reach clients as an internal error.
func TestEveryCodeHasARow(t *testing.T) {
	for c := sso.CodeInternal; !strings.HasPrefix(c.String(), "code("); c++ {
		if _, ok := oidcErrors[c]; !ok {
			t.Errorf("code %s has no row in oidcErrors", c)
		}
	}
}

func TestWellKnown(t *testing.T) {
	opts := Options{Keys: fakeKeys{}, Issuer: "https://sso.example.com"}
	resp, m := serve(t, opts, "GET", "/.well-known/jwks.json", "")
	if resp.StatusCode != 200 || m["keys"] == nil || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("jwks: %d %v", resp.StatusCode, m)
	}
	resp, m = serve(t, opts, "GET", "/.well-known/openid-configuration", "")
	if resp.StatusCode != 200 || m["issuer"] != "https://sso.example.com" || m["jwks_uri"] != "https://sso.example.com/.well-known/jwks.json" ||
		m["authorization_endpoint"] != "https://sso.example.com/authorize" {
		t.Errorf("discovery: %d %v", resp.StatusCode, m)
	}
}
