package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// runCmd runs the command line as main would and returns its output.
func runCmd(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := runCmd(t, stdin, args...)
	if err != nil {
		t.Fatalf("ssooidc %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func TestAdminUsersAndDirectory(t *testing.T) {
	dd := "--data-dir=" + t.TempDir()
	mustRun(t, "s3cret-passw0rd\n", "admin", "user", "add", "alice", "--password-stdin", "--email", "alice@example.com", "--group", "devs", dd)
	if _, _, err := runCmd(t, "short\n", "admin", "user", "add", "bob", "--password-stdin", dd); err == nil {
		t.Error("a too-short password was accepted")
	}
	if _, _, err := runCmd(t, "", "admin", "user", "add", "bob", "--password", "x", dd); err == nil {
		t.Error("a password flag was accepted")
	}
	list := mustRun(t, "", "admin", "user", "list", dd)
	if !strings.Contains(list, "alice") || !strings.Contains(list, "alice@example.com") || !strings.Contains(list, "devs") {
		t.Errorf("user list:\n%s", list)
	}
	mustRun(t, "n3w-passw0rd!\n", "admin", "user", "passwd", "alice", "--password-stdin", dd)

	mustRun(t, "", "admin", "account", "add", "111111111111", "--name", "Production", dd)
	mustRun(t, "", "admin", "permission-set", "add", "Admin", "--session-duration", "2h", dd)
	mustRun(t, "", "admin", "assign", "--account", "111111111111", "--permission-set", "Admin", "--group", "devs", dd)
	if _, _, err := runCmd(t, "", "admin", "assign", "--account", "111111111111", "--permission-set", "Nope", "--user", "alice", dd); err == nil {
		t.Error("assignment to a missing permission set accepted")
	}
	if _, _, err := runCmd(t, "", "admin", "account", "add", "12", "--name", "x", dd); err == nil {
		t.Error("a bad account id accepted")
	}
	got := mustRun(t, "", "admin", "assignments", dd)
	if !strings.Contains(got, "111111111111") || !strings.Contains(got, "group:devs") {
		t.Errorf("assignments:\n%s", got)
	}
	if got := mustRun(t, "", "admin", "permission-set", "list", dd); !strings.Contains(got, "2h0m0s") {
		t.Errorf("permission sets:\n%s", got)
	}
	mustRun(t, "", "admin", "account", "delete", "111111111111", dd)
	if got := mustRun(t, "", "admin", "assignments", dd); strings.Contains(got, "111111111111") {
		t.Errorf("the assignment outlived its account:\n%s", got)
	}
	mustRun(t, "", "admin", "user", "delete", "alice", dd)
	if got := mustRun(t, "", "admin", "user", "list", dd); strings.Contains(got, "alice") {
		t.Errorf("deleted user listed:\n%s", got)
	}
	mustRun(t, "", "admin", "migrate", dd)
}

// testPostgresDSN returns a DSN on a fresh schema of the machine's
// PostgreSQL, dropped when the test ends.
func testPostgresDSN(t *testing.T) string {
	t.Helper()
	base := os.Getenv("SSOOIDC_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL is required at %s: %v", base, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "ssooidc_cmd_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	})
	return base + "&search_path=" + schema
}

func TestAdminOnPostgres(t *testing.T) {
	db := "--database=" + testPostgresDSN(t)
	if out := mustRun(t, "", "admin", "migrate", db); !strings.Contains(out, "postgres store is migrated") {
		t.Errorf("migrate: %s", out)
	}
	mustRun(t, "s3cret-passw0rd\n", "admin", "user", "add", "alice", "--password-stdin", db)
	if got := mustRun(t, "", "admin", "user", "list", db); !strings.Contains(got, "alice") {
		t.Errorf("list on postgres:\n%s", got)
	}
}

func TestDatabaseFlagErrors(t *testing.T) {
	_, _, err := runCmd(t, "", "admin", "migrate", "--database", "mysql://root:hunter2@db/x")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad scheme: %v", err)
	}
	_, _, err = runCmd(t, "", "admin", "migrate", "--database", "postgres://nobody:hunter2@127.0.0.1:1/x?connect_timeout=1")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("unreachable PostgreSQL: %v", err)
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServeDevAndShutdown runs "serve --dev" with a config file, checks the
// dev user is printed once, the service answers, and a cancel (SIGINT in
// main) shuts it down cleanly.
func TestServeDevAndShutdown(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "ssooidc.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`addr: %s
data_dir: %s
start_urls: [https://d-1111111111.awsapps.com/start]
session_lifetime: 12h
users:
  - {name: carol, password: "carols-passw0rd", groups: [ops]}
portal:
  accounts:
    - {id: "222222222222", name: Sandbox, source: static, static: {access_key_id: AKIAEXAMPLE, secret_access_key: x}}
  permission_sets:
    - {name: ReadOnly, session_duration: 1h}
  assignments:
    - {account: "222222222222", permission_set: ReadOnly, group: ops}
`, addr, dir)), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuf
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--config", cfg, "--dev", "--log-format", "json"}, strings.NewReader(""), &out, &errb)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not become ready: %v\n%s\n%s", err, out.String(), errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The config declared carol, so --dev creates no dev user.
	if strings.Contains(out.String(), "password:") {
		t.Errorf("dev user created although users exist:\n%s", out.String())
	}
	resp, err := http.Post("http://"+addr+"/client/register", "application/json", strings.NewReader(`{"clientName":"x","clientType":"public"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("register: %v %v", err, resp)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if !strings.Contains(errb.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in the log:\n%s", errb.String())
	}
	if got := mustRun(t, "", "admin", "assignments", "--data-dir", dir); !strings.Contains(got, "group:ops") {
		t.Errorf("the config's directory was not declared:\n%s", got)
	}

	// A fresh data dir with --dev: the password is printed once.
	dir2 := t.TempDir()
	addr2 := freeAddr(t)
	ctx2, cancel2 := context.WithCancel(context.Background())
	var out2, err2 syncBuf
	done2 := make(chan error, 1)
	go func() {
		done2 <- run(ctx2, []string{"serve", "--addr", addr2, "--data-dir", dir2, "--dev"}, strings.NewReader(""), &out2, &err2)
	}()
	for i := 0; i < 200 && !strings.Contains(out2.String(), "serving"); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	cancel2()
	<-done2
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out2.String())
	if m == nil {
		t.Fatalf("no dev password printed:\n%s", out2.String())
	}
	if strings.Contains(err2.String(), m[1]) {
		t.Error("the dev password was logged")
	}
}

func TestBadConfig(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(cfg, []byte("adress: 127.0.0.1:1\n"), 0o600)
	_, _, err := runCmd(t, "", "serve", "--config", cfg)
	if err == nil || !strings.Contains(err.Error(), "adress") {
		t.Errorf("unknown key: %v", err)
	}
	_, _, err = runCmd(t, "", "serve", "--session-lifetime", "5m", "--data-dir", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "15m") {
		t.Errorf("short session: %v", err)
	}
}

type syncBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestTrustedProxyFlag(t *testing.T) {
	for in, want := range map[string]string{"10.0.0.7": "10.0.0.7/32", "10.0.0.0/8": "10.0.0.0/8", "10.1.2.3/8": "10.0.0.0/8", "::1": "::1/128"} {
		p, err := parsePrefix(in)
		if err != nil || p.String() != want {
			t.Errorf("parsePrefix(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	_, _, err := runCmd(t, "", "serve", "--trusted-proxy", "lb.example.com", "--data-dir", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "trusted proxy") {
		t.Errorf("a host name as trusted proxy: %v", err)
	}
}
