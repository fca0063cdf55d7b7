package logintest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/servertest"
)

// TestTwentyTokenProcesses: 20 concurrent `ssooidc token` processes on a
// token inside botocore's refresh window (12 minutes left): exactly one
// refresh reaches the server, all 20 print the same new token, and the
// session survives (its rotated refresh token refreshes again).
func TestTwentyTokenProcesses(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	srv.AddUser(t, "alice", password)
	h := newHome(t, srv)
	old := h.loginWithAPI(t, srv)
	h.setExpiry(t, time.Now().Add(12*time.Minute))

	mark := len(srv.Logs())
	const n = 20
	outs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stderr string
			outs[i], stderr, errs[i] = h.try("token", "--sso-session", "my-sso")
			if errs[i] != nil {
				t.Errorf("process %d: %v: %s", i, errs[i], stderr)
			}
		}()
	}
	wg.Wait()
	if got := ops(srv, mark, "CreateToken"); got != 1 {
		t.Errorf("%d refreshes reached the server, want 1", got)
	}
	first := strings.TrimSpace(outs[0])
	if first == "" || first == old.AccessToken {
		t.Fatalf("process 0 printed %q (old token %q)", first, old.AccessToken)
	}
	for i, o := range outs {
		if strings.TrimSpace(o) != first {
			t.Errorf("process %d printed %q, process 0 %q", i, o, first)
		}
	}
	file := h.readToken(t)
	if file["accessToken"] != first || file["refreshToken"] == old.RefreshToken {
		t.Errorf("cache holds %v", file)
	}

	// The session survives: the rotated refresh token renews it again.
	h.setExpiry(t, time.Now().Add(time.Minute))
	mark = len(srv.Logs())
	again := strings.TrimSpace(h.run(t, "token", "--sso-session", "my-sso"))
	if again == first || again == "" || ops(srv, mark, "CreateToken") != 1 || strings.Contains(srv.Logs()[mark:], "InvalidGrant") {
		t.Errorf("second refresh: %q\n%s", again, srv.Logs()[mark:])
	}
}
