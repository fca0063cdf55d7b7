package ssooidc_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/oauth2"

	"github.com/ssooidc/ssooidc"
)

// refreshServer answers refresh_token grants: the n-th refresh returns
// access token "at-n" and, unless rotate is false, refresh token "rt-n".
type refreshServer struct {
	t       testing.TB
	rotate  bool
	fail    bool
	mu      sync.Mutex
	n       int
	gotRefs []string
}

func (s *refreshServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]string
	b, _ := io.ReadAll(r.Body)
	json.Unmarshal(b, &body)
	if body["grantType"] != "refresh_token" || body["clientId"] != "cid" || body["clientSecret"] != "cs" {
		s.t.Errorf("body %v", body)
	}
	s.mu.Lock()
	s.n++
	n := s.n
	s.gotRefs = append(s.gotRefs, body["refreshToken"])
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if s.fail {
		w.Header().Set("X-Amzn-ErrorType", "InvalidGrantException")
		w.WriteHeader(400)
		io.WriteString(w, `{"error":"invalid_grant","error_description":"refresh token revoked"}`)
		return
	}
	resp := map[string]any{"accessToken": "at-" + itoa(n), "tokenType": "Bearer", "expiresIn": 3600}
	if s.rotate {
		resp["refreshToken"] = "rt-" + itoa(n)
	}
	json.NewEncoder(w).Encode(resp)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestTokenSource(t *testing.T) {
	ctx := context.Background()
	expired := &oauth2.Token{AccessToken: "old", RefreshToken: "rt-0", Expiry: time.Now().Add(-time.Minute)}
	valid := &oauth2.Token{AccessToken: "still-good", RefreshToken: "rt-0", Expiry: time.Now().Add(time.Hour)}

	for _, tc := range []struct {
		name      string
		rotate    bool
		fail      bool
		start     *oauth2.Token
		calls     int
		wantToken string
		wantRefs  []string
		wantErr   bool
	}{
		{name: "valid-token-is-reused", start: valid, calls: 3, wantToken: "still-good"},
		{name: "expired-token-refreshed-once", rotate: true, start: expired, calls: 3, wantToken: "at-1", wantRefs: []string{"rt-0"}},
		{name: "refresh-token-only", rotate: true, start: &oauth2.Token{RefreshToken: "rt-0"}, calls: 1, wantToken: "at-1", wantRefs: []string{"rt-0"}},
		{name: "refresh-failure", fail: true, start: expired, calls: 1, wantErr: true, wantRefs: []string{"rt-0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolateEnv(t)
			srv := &refreshServer{t: t, rotate: tc.rotate, fail: tc.fail}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			c := ssooidc.NewFromConfig(aws.Config{Region: "us-east-1"}, ssooidc.WithEndpoint(ts.URL))
			src := c.TokenSource(ctx, "cid", "cs", tc.start)
			var tok *oauth2.Token
			var err error
			for range tc.calls {
				if tok, err = src.Token(); err != nil {
					break
				}
			}
			if tc.wantErr {
				var ig *ssooidc.InvalidGrantException
				if !errors.As(err, &ig) {
					t.Errorf("err = %v, want InvalidGrantException", err)
				}
			} else if err != nil || tok.AccessToken != tc.wantToken {
				t.Errorf("token %+v, %v; want %s", tok, err, tc.wantToken)
			}
			if !equalStrings(srv.gotRefs, tc.wantRefs) {
				t.Errorf("refreshed with %v, want %v", srv.gotRefs, tc.wantRefs)
			}
		})
	}
}

// TestTokenSourceKeepsRefreshToken renews twice with a server that does
// not rotate refresh tokens: the original one must be reused, and must
// stay on the returned tokens.
func TestTokenSourceKeepsRefreshToken(t *testing.T) {
	isolateEnv(t)
	srv := &refreshServer{t: t}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	now := time.Now()
	clock := func() time.Time { return now }
	// The client's clock makes every issued token already expired, so each
	// Token call refreshes.
	c := ssooidc.NewFromConfig(aws.Config{Region: "us-east-1"}, ssooidc.WithEndpoint(ts.URL),
		func(o *ssooidc.Options) { o.Now = func() time.Time { return clock().Add(-2 * time.Hour) } })
	src := c.TokenSource(context.Background(), "cid", "cs", &oauth2.Token{RefreshToken: "rt-0"})
	for i := 1; i <= 2; i++ {
		tok, err := src.Token()
		if err != nil {
			t.Fatal(err)
		}
		if tok.RefreshToken != "rt-0" || tok.AccessToken != "at-"+itoa(i) {
			t.Errorf("token %d: %+v", i, tok)
		}
	}
	if !equalStrings(srv.gotRefs, []string{"rt-0", "rt-0"}) {
		t.Errorf("refreshed with %v", srv.gotRefs)
	}
}

// TestTokenSourceConcurrent shares one expired source between goroutines:
// one refresh, one token.
func TestTokenSourceConcurrent(t *testing.T) {
	isolateEnv(t)
	srv := &refreshServer{t: t, rotate: true}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := ssooidc.NewFromConfig(aws.Config{Region: "us-east-1"}, ssooidc.WithEndpoint(ts.URL))
	src := c.TokenSource(context.Background(), "cid", "cs", &oauth2.Token{RefreshToken: "rt-0"})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if tok, err := src.Token(); err != nil || tok.AccessToken != "at-1" {
				t.Errorf("token %+v, %v", tok, err)
			}
		})
	}
	wg.Wait()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.n != 1 {
		t.Errorf("%d refreshes, want 1", srv.n)
	}
}

func TestTokenSourceWithoutRefreshToken(t *testing.T) {
	c := ssooidc.NewFromConfig(aws.Config{Region: "us-east-1"}, ssooidc.WithEndpoint("http://127.0.0.1:1"))
	_, err := c.TokenSource(context.Background(), "cid", "cs", &oauth2.Token{AccessToken: "x", Expiry: time.Now().Add(-time.Hour)}).Token()
	if !errors.Is(err, ssooidc.ErrNoRefreshToken) {
		t.Errorf("err = %v", err)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
