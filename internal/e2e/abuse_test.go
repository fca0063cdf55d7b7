package e2e

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
)

// TestUnusedRegistrationsExpire: a registration that starts nothing is
// gone after a day; one that started a device authorization, and one whose
// browser reached /authorize, live on.
func TestUnusedRegistrationsExpire(t *testing.T) {
	clk := &clock{}
	srv := servertest.New(t, withClock(clk))
	c := sdk(srv)
	idle := register(t, c, "sso:account:access")
	device := register(t, c, "sso:account:access")
	start(t, c, device)
	pkce := newPKCEClientAt(t, srv)
	sum := sha256.Sum256([]byte(cliVerifier()))
	q := url.Values{"response_type": {"code"}, "client_id": {pkce.id}, "redirect_uri": {"http://127.0.0.1:5000/oauth/callback"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(srv.URL + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("/authorize: %d", resp.StatusCode)
	}

	clk.Advance(25 * time.Hour)
	// What the collector does every few minutes.
	if _, err := srv.Store.DeleteExpired(context.Background(), clk.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err = c.StartDeviceAuthorization(context.Background(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId: &idle.id, ClientSecret: &idle.secret, StartUrl: aws.String(servertest.StartURL)})
	wantErr[*types.InvalidClientException](t, err, 401)
	start(t, c, device)
	if _, err := srv.Store.GetClient(context.Background(), pkce.id); err != nil {
		t.Fatalf("the client whose browser reached /authorize was collected: %v", err)
	}
}

// rawRequest writes head and body on a fresh connection; with halfClose
// it then closes its writing side and reads the answer, otherwise it drops
// the connection at once and reads nothing.
func rawRequest(t *testing.T, base, head, body string, halfClose bool) string {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head+"\r\n"+body); err != nil {
		t.Fatal(err)
	}
	if !halfClose {
		return ""
	}
	_ = conn.(*net.TCPConn).CloseWrite()
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.Status + " " + resp.Header.Get("X-Amzn-ErrorType") + " " + string(b)
}

// waitLog waits (bounded) for the server to log a line containing want;
// the log line is the signal that the server has handled the request.
func waitLog(t *testing.T, srv *servertest.Server, want string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(srv.Logs(), want) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the server never logged %d of %q:\n%s", n, want, tail(srv.Logs(), 3000))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAbandonedRequests is issue 13's ERROR line: a body shorter than its
// Content-Length, on every JSON endpoint, and a client that hangs up
// mid-body, are logged at debug as abandoned: no InternalServerException,
// no ERROR line, nothing stored.
func TestAbandonedRequests(t *testing.T) {
	srv := newIAMEnv(t).srv
	paths := []string{"/client/register", "/device_authorization", "/token", "/token?aws_iam=t"}
	for _, p := range paths {
		head := "POST " + p + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n"
		got := rawRequest(t, srv.URL, head, `{"clientName":"short","clientType":"public"}`, true)
		if !strings.HasPrefix(got, "400 ") || !strings.Contains(got, "InvalidRequestException") || !strings.Contains(got, "ended before its Content-Length") {
			// CreateTokenWithIAM reads the body before it checks the
			// signature (over the body), so it answers the same.
			t.Errorf("%s, short body: %s", p, got)
		}
		rawRequest(t, srv.URL, head, `{"clientName":"gone"`, false)
	}
	waitLog(t, srv, `"msg":"request abandoned"`, 2*len(paths))
	noErrorLogged(t, srv)
	for _, l := range strings.Split(srv.Logs(), "\n") {
		if strings.Contains(l, "request abandoned") && !strings.Contains(l, `"level":"DEBUG"`) {
			t.Errorf("abandoned request logged above debug: %s", l)
		}
	}
	// Nothing was registered: the first registration is the address's first.
	for i := range 30 {
		if status, _, body := rawPost(t, srv.URL, "/client/register", "", `{"clientName":"x","clientType":"public"}`); status != 200 {
			t.Fatalf("registration %d: %d %v", i, status, body)
		}
	}
}

// TestHSTSBehindProxy: with an https public URL (TLS ends at a proxy) every
// response, pages and API alike, carries Strict-Transport-Security; a
// plain http server sends none.
func TestHSTSBehindProxy(t *testing.T) {
	tls := servertest.New(t, servertest.WithConfig(func(c *server.Config) { c.PublicURL = "https://sso.example.com" }))
	plain := servertest.New(t)
	for _, p := range []string{"/healthz", "/device", "/signin", "/nope", "/.well-known/jwks.json", "/assignment/accounts"} {
		for _, s := range []struct {
			srv  *servertest.Server
			want string
		}{{tls, "max-age=31536000"}, {plain, ""}} {
			resp, err := http.Get(s.srv.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Strict-Transport-Security"); got != s.want {
				t.Errorf("%s on %s: Strict-Transport-Security %q, want %q", p, s.srv.URL, got, s.want)
			}
		}
	}
	status, h, _ := rawPost(t, tls.URL, "/client/register", "", `{}`)
	if status != 400 || h.Get("Strict-Transport-Security") == "" {
		t.Errorf("an API error without HSTS: %d %v", status, h)
	}
}
