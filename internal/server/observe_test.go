package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/metrics"
	"github.com/ssooidc/ssooidc/internal/metrics/metricstest"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/wire"
)

// observed is a running server with metrics and the access log on.
type observed struct {
	url  string
	srv  *server.Server
	logs *servertest.Buffer
}

func startObserved(t *testing.T, metricsAddr string) *observed {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m := metrics.New(prometheus.NewRegistry(), "test")
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ssooidc.db"), sqlite.Observe(m.SQLite()))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	logs := &servertest.Buffer{}
	cfg := server.Config{Addr: l.Addr().String(), PublicURL: u, GCInterval: time.Hour,
		Metrics: m, MetricsAddr: metricsAddr, AccessLog: true, RefreshGrace: time.Nanosecond}
	srv, err := server.New(ctx, store, cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	go func() { done <- srv.Serve(ctx, l) }()
	waits := 1
	if metricsAddr != "" {
		ml, err := net.Listen("tcp", metricsAddr)
		if err != nil {
			t.Fatal(err)
		}
		waits++
		go func() { done <- srv.ServeMetrics(ctx, ml) }()
	}
	t.Cleanup(func() {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		cancel()
		for range waits {
			if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("serve: %v", err)
			}
		}
		store.Close()
	})
	return &observed{url: u, srv: srv, logs: logs}
}

// call POSTs body as JSON to path and decodes a 200 answer into out. It
// returns the status and the request id header.
func call(t *testing.T, base, path string, body, out any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == 200 && out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, resp.Header.Get(wire.HeaderRequestID)
}

func TestMetricsMoveWithRequests(t *testing.T) {
	o := startObserved(t, "")
	ctx := context.Background()
	before := metricstest.Scrape(t, o.url+"/metrics")
	for _, name := range []string{"ssooidc_build_info", "go_goroutines", "process_resident_memory_bytes"} {
		if !before.Has(name) {
			t.Errorf("no %s in %s", name, before)
		}
	}
	if got := before.Value("ssooidc_device_authorizations", "status", "pending"); got != 0 {
		t.Errorf("pending device authorizations before any = %v", got)
	}

	var reg wire.RegisterClientResponse
	if st, _ := call(t, o.url, wire.PathRegisterClient, map[string]any{"clientName": "m", "clientType": "public",
		"scopes": []string{"sso:account:access"}}, &reg); st != 200 {
		t.Fatalf("register: %d", st)
	}
	call(t, o.url, wire.PathRegisterClient, map[string]string{"clientName": "m", "clientType": "confidential"}, nil)
	var dev wire.StartDeviceAuthorizationResponse
	call(t, o.url, wire.PathStartDeviceAuthorization, map[string]string{"clientId": reg.ClientID, "clientSecret": reg.ClientSecret,
		"startUrl": server.DefaultStartURL}, &dev)
	poll := map[string]string{"clientId": reg.ClientID, "clientSecret": reg.ClientSecret, "grantType": wire.GrantDeviceCode, "deviceCode": dev.DeviceCode}
	st, pollID := call(t, o.url, wire.PathCreateToken, poll, nil)
	if st != 400 || pollID == "" {
		t.Fatalf("pending poll: %d %q", st, pollID)
	}
	// A JSON 1.1 call of a target nobody serves counts as "unknown", never
	// under the header as sent.
	req, _ := http.NewRequest("POST", o.url+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "NoSuchService.Attack"+strings.Repeat("x", 40))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	mid := metricstest.Scrape(t, o.url+"/metrics")
	checkDelta(t, before, mid, "ssooidc_http_requests_total", 1, "op", "unknown")
	checkDelta(t, before, mid, "ssooidc_http_requests_total", 1, "op", "RegisterClient", "code", "200", "error_type", "")
	checkDelta(t, before, mid, "ssooidc_http_requests_total", 1, "op", "RegisterClient", "code", "400")
	checkDelta(t, before, mid, "ssooidc_http_requests_total", 1, "op", "CreateToken", "error_type", wire.ErrAuthorizationPending)
	checkDelta(t, before, mid, "ssooidc_http_request_duration_seconds", 1, "op", "StartDeviceAuthorization")
	if got := mid.Value("ssooidc_device_authorizations", "status", "pending"); got != 1 {
		t.Errorf("pending device authorizations = %v, want 1", got)
	}
	// Three stored writes (two clients, one authorization), each synced.
	if got := mid.Value("ssooidc_sqlite_commit_batch_writes"); got < 1 {
		t.Errorf("no SQLite commit observed")
	}
	if c, s := mid.Value("ssooidc_sqlite_commit_duration_seconds"), mid.Value("ssooidc_sqlite_sync_duration_seconds"); c < 1 || s < 1 {
		t.Errorf("SQLite commits %v, syncs %v", c, s)
	}

	// Pages: the code page, a wrong then a right password, and the
	// sign-in throttle.
	if _, err := o.srv.Identity().AddUser(ctx, identity.UserSpec{Name: "mallory", Password: "right-passw0rd"}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(o.url + "/device?user_code=" + url.QueryEscape(dev.UserCode))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	signIn(t, o.url, "mallory", "right-passw0rd")
	throttled := 0
	for i := 0; i < 15 && throttled == 0; i++ {
		if signIn(t, o.url, "mallory", "wrong-passw0rd") == http.StatusTooManyRequests {
			throttled++
		}
	}
	if throttled == 0 {
		t.Fatal("15 wrong passwords were never throttled")
	}

	// A full device flow, then refresh reuse.
	users, _ := o.srv.Identity().ListUsers(ctx)
	if err := o.srv.Devices().Decide(ctx, dev.UserCode, users[0].ID, true); err != nil {
		t.Fatal(err)
	}
	var tok wire.CreateTokenResponse
	if st, _ := call(t, o.url, wire.PathCreateToken, poll, &tok); st != 200 || tok.RefreshToken == nil {
		t.Fatalf("device token: %d", st)
	}
	refresh := func(rt string) (int, *wire.CreateTokenResponse) {
		var out wire.CreateTokenResponse
		st, _ := call(t, o.url, wire.PathCreateToken, map[string]string{"clientId": reg.ClientID, "clientSecret": reg.ClientSecret,
			"grantType": wire.GrantRefreshToken, "refreshToken": rt}, &out)
		return st, &out
	}
	first := *tok.RefreshToken
	st, next := refresh(first)
	if st != 200 {
		t.Fatalf("refresh: %d", st)
	}
	if st, _ := refresh(*next.RefreshToken); st != 200 {
		t.Fatalf("second refresh: %d", st)
	}
	if st, _ := refresh(first); st != 400 {
		t.Fatalf("reuse: %d", st)
	}

	after := metricstest.Scrape(t, o.url+"/metrics")
	checkDelta(t, mid, after, "ssooidc_signins_total", 1, "method", "password", "result", "success")
	if got := after.Value("ssooidc_signins_total", "method", "password", "result", "failure"); got < 1 {
		t.Errorf("failed sign-ins = %v", got)
	}
	checkDelta(t, mid, after, "ssooidc_signins_total", 1, "method", "password", "result", "throttled")
	checkDelta(t, mid, after, "ssooidc_rate_limited_total", 1, "limit", "signin")
	checkDelta(t, mid, after, "ssooidc_token_families_revoked_total", 1, "reason", "refresh_reuse")
	checkDelta(t, mid, after, "ssooidc_http_requests_total", 1, "op", "GET /device", "code", "200")
	if got := after.Value("ssooidc_device_authorizations", "status", "redeemed"); got != 1 {
		t.Errorf("redeemed device authorizations = %v, want 1", got)
	}
	for _, op := range after.LabelValues("ssooidc_http_requests_total", "op") {
		if strings.Contains(op, "?") || strings.Contains(op, dev.UserCode) || strings.Contains(op, "Attack") {
			t.Errorf("op label %q carries a request's value", op)
		}
	}

	// The access log: one info line per request, the query left out, the
	// request id the client saw.
	logs := o.logs.String()
	if !strings.Contains(logs, pollID) {
		t.Errorf("no access line with the request id %s", pollID)
	}
	var sawPage bool
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] != "request" || rec["level"] != "INFO" {
			continue
		}
		for _, k := range []string{"method", "path", "status", "op", "duration_ms", "client_addr", "request_id"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("access line without %s: %s", k, line)
			}
		}
		if rec["path"] == "/device" && rec["method"] == "GET" {
			sawPage = true
			if rec["client_addr"] != "127.0.0.1" {
				t.Errorf("client_addr %v", rec["client_addr"])
			}
		}
		if strings.Contains(line, "user_code") || strings.Contains(line, dev.UserCode) || strings.Contains(line, "passw0rd") {
			t.Errorf("the access log shows a secret or a query: %s", line)
		}
	}
	if !sawPage {
		t.Errorf("no access line for the code page:\n%s", logs)
	}
	// Lines about a user by ID name the user too.
	for _, msg := range []string{"device authorization decided", "refresh token reuse; session revoked"} {
		if !logLineHas(logs, msg, `"user_id":"`+users[0].ID+`"`, `"user":"mallory"`) {
			t.Errorf("no %q line naming mallory beside her ID:\n%s", msg, logs)
		}
	}
}

// logLineHas reports whether a line of logs with msg holds every part.
func logLineHas(logs, msg string, parts ...string) bool {
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, `"msg":"`+msg+`"`) {
			continue
		}
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}

// checkDelta fails unless the series moved by exactly want between two
// scrapes.
func checkDelta(t *testing.T, a, b metricstest.Families, name string, want float64, labels ...string) {
	t.Helper()
	if got := b.Value(name, labels...) - a.Value(name, labels...); got != want {
		t.Errorf("%s%v moved by %v, want %v", name, labels, got, want)
	}
}

func signIn(t *testing.T, base, user, pw string) int {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/signin", url.Values{"username": {user}, "password": {pw}, "next": {"/device"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestMetricsAddr: with a metrics address, /metrics is served there and
// not on the main listener.
func TestMetricsAddr(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	o := startObserved(t, addr)
	resp, err := http.Get(o.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Errorf("/metrics on the main listener: %d", resp.StatusCode)
	}
	if fams := metricstest.Scrape(t, "http://"+addr+"/metrics"); !fams.Has("ssooidc_http_requests_total") {
		t.Errorf("the metrics listener serves %s", fams)
	}
}
