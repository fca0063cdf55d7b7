package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/metrics/metricstest"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// TestHelpEverywhere: -h and --help exit 0 with the usage on stdout, on
// every command and subcommand.
func TestHelpEverywhere(t *testing.T) {
	for _, line := range []string{
		"help", "-h", "--help", "help serve", "help admin",
		"serve -h", "serve --help", "bench -h",
		"login -h", "logout -h", "status -h", "token -h", "export-credentials -h",
		"exec -h", "credential-server -h", "console -h", "configure generate -h", "completion -h",
		"admin -h", "admin --help", "admin help", "admin user -h", "admin user add -h", "admin user add --help",
		"admin user list -h", "admin user delete -h", "admin user passwd -h", "admin user hash-password -h",
		"admin account -h", "admin account add -h", "admin permission-set add -h", "admin assign -h",
		"admin unassign -h", "admin assignments -h", "admin migrate -h", "admin backup -h", "admin restore --help",
	} {
		args := strings.Fields(line)
		out, errOut, err := runCmd(t, "", args...)
		var code bytes.Buffer
		if c := report(err, &code); c != 0 {
			t.Errorf("ssooidc %s: exit %d: %s", line, c, code.String())
			continue
		}
		if !strings.Contains(out+errOut, "Usage") {
			t.Errorf("ssooidc %s: no usage printed:\n%s%s", line, out, errOut)
		}
		if args[0] != "bench" && out == "" {
			t.Errorf("ssooidc %s: the usage is not on stdout", line)
		}
	}
	// A mistake still exits 2, its usage on stderr.
	_, errOut, err := runCmd(t, "", "serve", "--no-such-flag")
	var msg bytes.Buffer
	if c := report(err, &msg); c != 2 || !strings.Contains(errOut, "Usage") {
		t.Errorf("a bad flag: exit %d, stderr %q", c, errOut)
	}
}

// TestCLIMessages: what the CLI prints for a failure never shows a wire
// code or the store's text, and says what to do.
func TestCLIMessages(t *testing.T) {
	dd := "--data-dir=" + t.TempDir()
	mustRun(t, "s3cret-passw0rd\n", "admin", "user", "add", "alice", "--password-stdin", dd)
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"s3cret-passw0rd\n", []string{"admin", "user", "add", "alice", "--password-stdin", dd}, "already exists"},
		{"", []string{"admin", "user", "delete", "bob", dd}, "bob"},
		{"", []string{"admin", "account", "delete", "999999999999", dd}, "admin account list"},
		{"", []string{"admin", "permission-set", "delete", "Nope", dd}, "admin permission-set list"},
		{"", []string{"admin", "account", "add", "111111111111", dd}, "--name"},
		{"", []string{"admin", "user", "passwd", "alice", "--password-stdin", dd}, "pipe it in"},
		{"short\n", []string{"admin", "user", "hash-password"}, "at least"},
		{"", []string{"admin", "assign", "--account", "111111111111", "--permission-set", "Nope", "--user", "alice", dd}, "does not exist"},
	} {
		_, _, err := runCmd(t, tc.stdin, tc.args...)
		var out bytes.Buffer
		if report(err, &out) == 0 {
			t.Errorf("ssooidc %s succeeded", strings.Join(tc.args, " "))
			continue
		}
		msg := out.String()
		if !strings.Contains(msg, tc.want) {
			t.Errorf("ssooidc %s: %q does not say %q", strings.Join(tc.args, " "), msg, tc.want)
		}
		for _, bad := range []string{"invalid_request", "resource_not_found", "internal_error", "sso: not found", "UNIQUE", "constraint", "sqlite:"} {
			if strings.Contains(msg, bad) {
				t.Errorf("ssooidc %s: %q shows %q", strings.Join(tc.args, " "), msg, bad)
			}
		}
	}
	// Every code's wire form is left out, however deep the error is wrapped.
	for c := sso.CodeInvalidRequest; c <= sso.CodeUnrecognizedClient; c++ {
		err := fmt.Errorf("config user %q: %w", "x", &sso.Error{Code: c, Message: "The message.", Err: errors.New("sqlite: UNIQUE constraint failed")})
		if got := cliMessage(err); got != `config user "x": The message.` {
			t.Errorf("cliMessage(%v) = %q", c, got)
		}
	}
	internal := &sso.Error{Code: sso.CodeInternal, Message: "create user", Err: errors.New("disk I/O error")}
	if got := cliMessage(internal); got != "create user: disk I/O error" {
		t.Errorf("cliMessage(internal) = %q", got)
	}
}

// TestHashPasswordForConfig: the hash hash-password prints signs the user
// in when the config file declares it.
func TestHashPasswordForConfig(t *testing.T) {
	hash := strings.TrimSpace(mustRun(t, "correct horse battery\n", "admin", "user", "hash-password"))
	if !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, "correct") {
		t.Fatalf("hash-password printed %q", hash)
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, fmt.Appendf(nil, "addr: %s\ndata_dir: %s\nusers:\n  - name: erin\n    password_hash: '%s'\n", addr, dir, hash), 0o600)
	stop := startServe(t, "--config", cfg)
	defer stop()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm("http://"+addr+"/signin", url.Values{"username": {"erin"}, "password": {"correct horse battery"}, "next": {"/device"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-in with the hashed password: %d", resp.StatusCode)
	}
}

// watchBuf is a syncBuf that signals every write.
type watchBuf struct {
	syncBuf
	changed chan struct{}
}

func (b *watchBuf) Write(p []byte) (int, error) {
	n, err := b.syncBuf.Write(p)
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return n, err
}

// startServe runs "serve args..." until the returned function is called,
// and waits until it is ready (its address is the config's or --addr's).
func startServe(t *testing.T, args ...string) (stop func() (string, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &watchBuf{changed: make(chan struct{}, 1)}
	var errb syncBuf
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--log-format", "json"}, args...), strings.NewReader(""), out, &errb)
	}()
	timeout := time.After(20 * time.Second)
	for !strings.Contains(out.String(), "ssooidc is serving") {
		select {
		case <-out.changed:
		case err := <-done:
			cancel()
			t.Fatalf("serve %v ended: %v\n%s", args, err, errb.String())
		case <-timeout:
			cancel()
			t.Fatalf("serve %v did not start:\n%s", args, errb.String())
		}
	}
	return func() (string, string) {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		return out.String(), errb.String()
	}
}

func TestConfigFileMistakes(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"addr: 127.0.0.1:1\nstart_url: [https://a.example/start]\n", "unknown key 'start_url' at line 2; did you mean 'start_urls'?"},
		{"portal:\n  permission_sets:\n    - {name: P, sesion_duration: 1h}\n", "unknown key 'sesion_duration' in portal.permission_sets[0] at line 3; did you mean 'session_duration'?"},
		{"log_level: info\nusers:\n  - name: a\n    password: b12345678\n   email: c\n", "line 5:"},
		{"start_urls: [not a url]\n", "start_urls \"not a url\" is not an absolute URL"},
		{"start_urls: [ftp://x.example/start]\n", "the scheme must be https"},
		{"public_url: https://sso.example.com/base?x=1\n", "must not carry"},
		{"session_lifetime: 5m\n", "outside 15m to 2160h"},
		{"session_lifetime: soon\n", "'session_lifetime' at line 1 is \"soon\"; it must be a duration"},
		{"device_code_lifetime: 3h\n", "device_code_lifetime 3h0m0s is outside 1m to 1h"},
		{"device_interval: 0.5\n", "whole number"},
		{"addr: localhost\n", "is not host:port"},
		{"addr: 127.0.0.1:99999\n", "port must be a number from 0 to 65535"},
		{"metrics_addr: nowhere:x\n", "port must be a number"},
		{"region: Mars\n", "is not a region name"},
		{"tls_cert: /nonexistent/cert.pem\n", "go together"},
		{"dev: perhaps\n", "true or false"},
		{"trusted_proxies: 10.0.0.1\n", "must be a list"},
		{"postgres: {max_conns: lots}\n", "'postgres.max_conns' at line 1"},
		{"frobnicate: 1\n", "the keys here are"},
	} {
		cfg := filepath.Join(t.TempDir(), "c.yaml")
		os.WriteFile(cfg, []byte(tc.yaml), 0o600)
		_, _, err := runCmd(t, "", "serve", "--config", cfg, "--data-dir", t.TempDir())
		if err == nil {
			t.Errorf("%q was accepted", tc.yaml)
			continue
		}
		msg := cliMessage(err)
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%q: %s\n  want %q", tc.yaml, msg, tc.want)
		}
		if regexp.MustCompile(`main\.|yaml\.|\*[a-z]+\.[A-Z]|!!`).MatchString(msg) {
			t.Errorf("%q: the message names Go or YAML internals: %s", tc.yaml, msg)
		}
	}
	// Flags are validated the same way.
	_, _, err := runCmd(t, "", "serve", "--start-url", "example.com/start", "--data-dir", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "not an absolute URL") {
		t.Errorf("a bad --start-url: %v", err)
	}
}

func TestStartupWarnings(t *testing.T) {
	tcp := func(s string) net.Addr { return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s)) }
	none, some := users(0), users(1)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		cfg    server.Config
		bound  net.Addr
		users  Users
		idps   int
		expect []string
		derive bool
	}{
		{"loopback and users", server.Config{PublicURL: "http://127.0.0.1:8080"}, tcp("127.0.0.1:8080"), some, 0, nil, false},
		{"public URL on loopback, listener not", server.Config{PublicURL: "http://127.0.0.1:8080"}, tcp("0.0.0.0:8080"), some, 0,
			[]string{"is this machine only", "plain HTTP"}, false},
		{"localhost by name", server.Config{PublicURL: "https://localhost", TLSCert: "c"}, tcp("[::]:443"), some, 0, []string{"is this machine only"}, false},
		{"plain HTTP behind a trusted proxy", server.Config{PublicURL: "https://sso.example.com",
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, tcp("10.1.2.3:8080"), some, 0, nil, false},
		{"plain HTTP on the network", server.Config{PublicURL: "http://sso.example.com"}, tcp("192.0.2.7:80"), some, 0, []string{"plain HTTP"}, false},
		{"nobody can sign in", server.Config{PublicURL: "http://127.0.0.1:8080"}, tcp("127.0.0.1:8080"), none, 0, []string{"nobody can sign in"}, false},
		{"an identity provider signs people in", server.Config{PublicURL: "http://127.0.0.1:8080"}, tcp("127.0.0.1:8080"), none, 1, nil, false},
		{"a derived public URL", server.Config{PublicURL: "https://192.0.2.7:8443", TLSCert: "c"}, tcp("0.0.0.0:8443"), some, 0,
			[]string{"no public URL is configured"}, true},
	} {
		got := startupWarnings(ctx, tc.cfg, tc.bound, tc.derive, tc.users, tc.idps)
		if len(got) != len(tc.expect) {
			t.Errorf("%s: %d warnings, want %d: %q", tc.name, len(got), len(tc.expect), got)
			continue
		}
		for i, w := range tc.expect {
			if !strings.Contains(got[i], w) {
				t.Errorf("%s: warning %q does not say %q", tc.name, got[i], w)
			}
		}
	}
	// With every address and no public URL, the URL names a network
	// address of this machine, never the unspecified one.
	u := derivePublicURL(server.Config{Addr: "0.0.0.0:8080"})
	if strings.Contains(u, "0.0.0.0") || !strings.HasSuffix(u, ":8080") {
		t.Errorf("derived public URL %q", u)
	}
	if u := derivePublicURL(server.Config{Addr: "192.0.2.1:9000", TLSCert: "c"}); u != "https://192.0.2.1:9000" {
		t.Errorf("derived public URL %q", u)
	}
}

type users int

func (n users) ListUsers(context.Context) ([]sso.User, error) { return make([]sso.User, n), nil }

// TestDevUserOnlyOnceBound: a start that fails on a busy port creates no
// dev user, so the next start prints the one-time password.
func TestDevUserOnlyOnceBound(t *testing.T) {
	dir := t.TempDir()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "", "serve", "--addr", busy.Addr().String(), "--data-dir", dir, "--dev")
	busy.Close()
	if err == nil || !strings.Contains(err.Error(), "cannot listen") {
		t.Fatalf("serve on a busy port: %v", err)
	}
	if strings.Contains(out, "password") {
		t.Fatalf("a failed start printed a password:\n%s", out)
	}
	stop := startServe(t, "--addr", freeAddr(t), "--data-dir", dir, "--dev")
	out, logs := stop()
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the second start printed no dev password:\n%s", out)
	}
	if strings.Contains(logs, m[1]) {
		t.Error("the dev password was logged")
	}
	if strings.Contains(logs, "nobody can sign in") {
		t.Error("warned of no users although the dev user exists")
	}
}

// TestServeMetricsAndAccessLog: --metrics-addr serves the exposition on
// its own listener (not the main one), counts move with requests, and
// --access-log writes a line per request.
func TestServeMetricsAndAccessLog(t *testing.T) {
	addr, maddr := freeAddr(t), freeAddr(t)
	stop := startServe(t, "--addr", addr, "--metrics-addr", maddr, "--access-log", "--data-dir", t.TempDir())
	before := metricstest.Scrape(t, "http://"+maddr+"/metrics")
	for range 3 {
		resp, err := http.Post("http://"+addr+"/client/register", "application/json", strings.NewReader(`{"clientName":"x","clientType":"public"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Error("/metrics is served on the main listener too")
	}
	after := metricstest.Scrape(t, "http://"+maddr+"/metrics")
	if d := after.Value("ssooidc_http_requests_total", "op", "RegisterClient", "code", "200") -
		before.Value("ssooidc_http_requests_total", "op", "RegisterClient", "code", "200"); d != 3 {
		t.Errorf("RegisterClient counted %v times, want 3", d)
	}
	if after.Value("ssooidc_sqlite_commit_batch_writes") < 1 {
		t.Error("no SQLite commit counted")
	}
	_, logs := stop()
	if n := strings.Count(logs, `"msg":"request"`); n < 4 {
		t.Errorf("%d access lines for 4 requests:\n%s", n, logs)
	}
	if !strings.Contains(logs, `"path":"/client/register"`) || !strings.Contains(logs, `"op":"RegisterClient"`) {
		t.Errorf("access lines:\n%s", logs)
	}
}

// TestServeMetricsOnPostgres: the pool's figures are exported.
func TestServeMetricsOnPostgres(t *testing.T) {
	addr := freeAddr(t)
	stop := startServe(t, "--addr", addr, "--metrics", "--database", testPostgresDSN(t))
	defer stop()
	resp, err := http.Post("http://"+addr+"/client/register", "application/json", strings.NewReader(`{"clientName":"x","clientType":"public"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	fams := metricstest.Scrape(t, "http://"+addr+"/metrics")
	if fams.Value("ssooidc_postgres_pool_max_conns") != 16 || fams.Value("ssooidc_postgres_pool_acquires_total") < 1 {
		t.Errorf("pool metrics: max %v acquires %v", fams.Value("ssooidc_postgres_pool_max_conns"),
			fams.Value("ssooidc_postgres_pool_acquires_total"))
	}
	if fams.Has("ssooidc_sqlite_commit_batch_writes") && fams.Value("ssooidc_sqlite_commit_batch_writes") != 0 {
		t.Error("SQLite commits counted on PostgreSQL")
	}
}

// TestAdminBackupWhileServing: a backup taken while the server answers
// registrations holds every registration answered before it began; restore
// is refused while the server runs and works once it stopped.
func TestAdminBackupWhileServing(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	// The load registers from one address, far past RegisterClient's
	// per-address limit.
	cfgFile := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgFile, []byte("limits:\n  registrations_per_address: -1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stop := startServe(t, "--addr", addr, "--data-dir", dir, "--config", cfgFile)
	var done atomic.Int64
	quit, enough := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 500 { // bounded
				select {
				case <-quit:
					return
				default:
				}
				resp, err := http.Post("http://"+addr+"/client/register", "application/json", strings.NewReader(`{"clientName":"load","clientType":"public"}`))
				if err != nil {
					return
				}
				resp.Body.Close()
				if resp.StatusCode == 200 && done.Add(1) == 100 {
					once.Do(func() { close(enough) })
				}
			}
		})
	}
	select {
	case <-enough:
	case <-time.After(30 * time.Second):
		t.Fatalf("100 registrations took over 30 s (%d answered)", done.Load())
	}
	before := done.Load()
	backup := filepath.Join(t.TempDir(), "ssooidc-backup.db")
	out := mustRun(t, "", "admin", "backup", backup, "--data-dir", dir)
	close(quit)
	wg.Wait()
	if !strings.Contains(out, "integrity check") {
		t.Errorf("backup said %q", out)
	}
	_, _, err := runCmd(t, "", "admin", "restore", backup, "--data-dir", dir)
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("restore while serving: %v", err)
	}
	stop()
	out = mustRun(t, "", "admin", "restore", backup, "--data-dir", dir)
	if !strings.Contains(out, "before-restore") {
		t.Errorf("restore said %q", out)
	}
	n := countClients(t, filepath.Join(dir, "ssooidc.db"))
	if int64(n) < before {
		t.Errorf("the restored store has %d registrations; %d were answered before the backup began", n, before)
	}
	t.Logf("registrations answered before the backup: %d; restored: %d; answered in all: %d", before, n, done.Load())

	_, _, err = runCmd(t, "", "admin", "backup", backup, "--database", testPostgresDSN(t))
	var msg bytes.Buffer
	if report(err, &msg) == 0 || !strings.Contains(msg.String(), "pg_dump") {
		t.Errorf("backup on PostgreSQL: %q", msg.String())
	}
}

// countClients counts the registrations in the SQLite file at path.
func countClients(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM clients`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
