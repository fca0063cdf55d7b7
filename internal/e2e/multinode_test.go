package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"

	"github.com/ssooidc/ssooidc/internal/browsertest"
	"github.com/ssooidc/ssooidc/internal/servertest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// ssooidcBinary builds cmd/ssooidc once per test run.
func ssooidcBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ssooidc-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "ssooidc")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/ssooidc/ssooidc/cmd/ssooidc").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// pgSchemaDSN makes a fresh schema on the machine's PostgreSQL and returns
// a DSN whose search_path is it.
func pgSchemaDSN(t *testing.T) string {
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
	defer conn.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "ssooidc_e2e_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	return base + "&search_path=" + schema
}

type node struct {
	url  string
	cmd  *exec.Cmd
	logs *servertest.Buffer
}

// startNodes starts n server processes on one PostgreSQL schema, as many
// nodes behind a load balancer would run, and waits until all are ready.
func startNodes(t *testing.T, dsn string, n int) []*node {
	t.Helper()
	bin := ssooidcBinary(t)
	var nodes []*node
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		nd := &node{url: "http://" + addr, logs: &servertest.Buffer{}}
		// The loads register from one address far past RegisterClient's
		// per-address limit.
		dataDir := t.TempDir()
		cfg := filepath.Join(dataDir, "serve.yaml")
		if err := os.WriteFile(cfg, []byte("limits:\n  registrations_per_address: -1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		nd.cmd = exec.Command(bin, "serve", "--addr", addr, "--database", dsn, "--log-format", "json", "--log-level", "debug",
			"--data-dir", dataDir, "--config", cfg)
		nd.cmd.Stdout, nd.cmd.Stderr = nd.logs, nd.logs
		if err := nd.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if nd.cmd.ProcessState == nil {
				_ = nd.cmd.Process.Signal(syscall.SIGTERM)
				done := make(chan struct{})
				go func() { _ = nd.cmd.Wait(); close(done) }()
				select {
				case <-done:
				case <-time.After(15 * time.Second):
					_ = nd.cmd.Process.Kill()
				}
			}
			if t.Failed() {
				t.Logf("node %s log:\n%s", nd.url, tail(nd.logs.String(), 3000))
			}
		})
		nodes = append(nodes, nd)
	}
	for _, nd := range nodes {
		waitReady(t, nd.url, 30*time.Second)
	}
	return nodes
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func waitReady(t *testing.T, url string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return time.Since(start)
			}
		}
		if time.Since(start) > within {
			t.Fatalf("%s not ready after %s: %v", url, within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func sdkAt(url string) *ssooidc.Client {
	return sdk(&servertest.Server{URL: url})
}

// addUserPG adds a user through the admin command on the shared store.
func addUserPG(t *testing.T, dsn, name, password string) {
	t.Helper()
	cmd := exec.Command(ssooidcBinary(t), "admin", "user", "add", name, "--password-stdin", "--database", dsn)
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("admin user add: %v\n%s", err, out)
	}
}

// TestThreeNodes: a device flow started on node 1, approved in the browser
// on node 2, polled on node 3; the PKCE flow split the same way; refresh
// reuse detected across nodes; 100 concurrent polls over the nodes yield
// one token.
func TestThreeNodes(t *testing.T) {
	dsn := pgSchemaDSN(t)
	nodes := startNodes(t, dsn, 3)
	addUserPG(t, dsn, "alice", "correct horse battery")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c1, c2, c3 := sdkAt(nodes[0].url), sdkAt(nodes[1].url), sdkAt(nodes[2].url)

	// Device flow: start on 1, approve on 2 in a browser, poll on 3.
	r := register(t, c1, "sso:account:access")
	st := start(t, c1, r)
	if _, err := poll(c3, r, *st.DeviceCode); err == nil {
		t.Fatal("token before approval")
	}
	b := browsertest.New(t)
	url2 := strings.Replace(*st.VerificationUriComplete, nodes[0].url, nodes[1].url, 1)
	if _, err := b.ApproveDevice(ctx, url2, "alice", "correct horse battery"); err != nil {
		t.Fatalf("approve on node 2: %v", err)
	}
	tok, err := poll(c3, r, *st.DeviceCode)
	if err != nil {
		t.Fatalf("poll on node 3: %v", err)
	}

	// Refresh reuse across nodes: rotate on 1, again on 2 (same successor
	// inside the grace window), use the successor on 3, then the old token
	// on 1 is reuse: the family is revoked everywhere.
	n1, err := refresh(c1, r, *tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	n2, err := refresh(c2, r, *tok.RefreshToken)
	if err != nil || *n2.RefreshToken != *n1.RefreshToken {
		t.Fatalf("grace retry on another node: %v", err)
	}
	n3, err := refresh(c3, r, *n1.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = refresh(c1, r, *tok.RefreshToken)
	wantErr[*types.InvalidGrantException](t, err, 400)
	_, err = refresh(c2, r, *n3.RefreshToken)
	wantErr[*types.InvalidGrantException](t, err, 400)

	// PKCE: sign in on node 2, authorize and consent on node 1, redeem on 3.
	reg, err := c1.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("pkce"), ClientType: aws.String("public"),
		Scopes: []string{"sso:account:access"}, GrantTypes: []string{"authorization_code", "refresh_token"},
		RedirectUris: []string{"http://127.0.0.1/oauth/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	hc := signedInClient(t, &servertest.Server{URL: nodes[1].url})
	verifier := cliVerifier()
	challenge := cliChallenge(verifier)
	cb := "http://127.0.0.1:45678/oauth/callback"
	h := &pkceHarness{t: t, srv: &servertest.Server{URL: nodes[0].url}, http: hc}
	code := h.code(*reg.ClientId, cb, strings.TrimRight(challenge, "="), "s1")
	if _, err := c3.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("authorization_code"), Code: &code, RedirectUri: &cb, CodeVerifier: &verifier}); err != nil {
		t.Fatalf("redeem on node 3: %v", err)
	}

	// 100 concurrent polls of one approved code, spread over the nodes.
	st = start(t, c2, r)
	if _, err := b.ApproveDevice(ctx, *st.VerificationUriComplete, "alice", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	clients := []*ssooidc.Client{c1, c2, c3}
	var wg sync.WaitGroup
	var tokens, invalid, other atomic.Int32
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := poll(clients[i%3], r, *st.DeviceCode)
			var ig *types.InvalidGrantException
			switch {
			case err == nil:
				tokens.Add(1)
			case errors.As(err, &ig):
				invalid.Add(1)
			default:
				other.Add(1)
				t.Errorf("poll: %v", err)
			}
		}()
	}
	wg.Wait()
	if tokens.Load() != 1 || invalid.Load() != 99 {
		t.Fatalf("100 polls over 3 nodes: %d tokens, %d invalid_grant, %d other", tokens.Load(), invalid.Load(), other.Load())
	}
}

// loadResult counts what a bounded load saw.
type loadResult struct {
	ok, internal, connErr, wrong atomic.Int64
	mu                           sync.Mutex
	acked                        []registered // registrations the server acknowledged
	wrongs                       []string
	chains                       []*chain
}

// chain is one worker's refresh chain: the newest refresh token the server
// acknowledged.
type chain struct {
	client registered
	token  string
}

func (lr *loadResult) classify(err error) bool {
	if err == nil {
		lr.ok.Add(1)
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if ae.ErrorCode() == "InternalServerException" {
			lr.internal.Add(1)
			return false
		}
		lr.wrong.Add(1)
		lr.mu.Lock()
		lr.wrongs = append(lr.wrongs, err.Error())
		lr.mu.Unlock()
		return false
	}
	lr.connErr.Add(1) // no answer at all (a killed node)
	return false
}

// runLoad drives registrations and refresh rotations against the nodes
// for d, bounded in time and count. Each worker keeps its refresh chain:
// after an error it presents the same token again (inside the grace
// window that returns the same successor, if the failed call committed).
func runLoad(t *testing.T, urls []string, workers int, d time.Duration, seed []*chain) *loadResult {
	lr := &loadResult{chains: seed}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := seed[w%len(seed)]
			for i := 0; i < 5000 && time.Now().Before(deadline); i++ {
				cl := sdkAt(urls[(w+i)%len(urls)])
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if i%2 == 0 {
					out, err := cl.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("load"), ClientType: aws.String("public")})
					if lr.classify(err) {
						lr.mu.Lock()
						lr.acked = append(lr.acked, registered{*out.ClientId, *out.ClientSecret})
						lr.mu.Unlock()
					}
				} else if w < len(seed) {
					out, err := cl.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: &c.client.id, ClientSecret: &c.client.secret,
						RefreshToken: &c.token, GrantType: aws.String("refresh_token")})
					if lr.classify(err) {
						c.token = *out.RefreshToken
					}
				}
				cancel()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	return lr
}

// verifyAcked checks that nothing acknowledged was lost: every registration
// authenticates and every chain's newest refresh token still rotates.
func verifyAcked(t *testing.T, url string, lr *loadResult) {
	t.Helper()
	c := sdkAt(url)
	for _, r := range lr.acked {
		_, err := c.StartDeviceAuthorization(context.Background(), &ssooidc.StartDeviceAuthorizationInput{
			ClientId: &r.id, ClientSecret: &r.secret, StartUrl: aws.String(servertest.StartURL)})
		if err != nil {
			t.Fatalf("acknowledged registration %s lost: %v", r.id, err)
		}
	}
	for _, ch := range lr.chains {
		if _, err := refresh(c, ch.client, ch.token); err != nil {
			t.Fatalf("acknowledged refresh token lost: %v", err)
		}
	}
}

// chainsFor logs n sessions in and returns their refresh chains.
func chainsFor(t *testing.T, url, dsn string, n int) []*chain {
	t.Helper()
	c := sdkAt(url)
	var out []*chain
	for range n {
		r := register(t, c, "sso:account:access")
		st := start(t, c, r)
		approveViaPages(t, url, *st.UserCode)
		tok, err := poll(c, r, *st.DeviceCode)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &chain{client: r, token: *tok.RefreshToken})
	}
	return out
}

// approveViaPages approves a user code on the pages over plain HTTP.
func approveViaPages(t *testing.T, url, userCode string) {
	t.Helper()
	hc := signedInClient(t, &servertest.Server{URL: url})
	resp, err := hc.PostForm(url+"/device/decide", map[string][]string{"user_code": {userCode}, "decision": {"allow"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("approve %s: %d", userCode, resp.StatusCode)
	}
}

// TestPostgresRestartUnderLoad restarts PostgreSQL while three nodes serve
// a bounded load: requests in flight fail with InternalServerException,
// never a wrong answer; the nodes recover by themselves; nothing
// acknowledged is lost.
func TestPostgresRestartUnderLoad(t *testing.T) {
	dsn := pgSchemaDSN(t)
	nodes := startNodes(t, dsn, 3)
	addUserPG(t, dsn, "alice", "correct horse battery")
	urls := []string{nodes[0].url, nodes[1].url, nodes[2].url}
	chains := chainsFor(t, urls[0], dsn, 6)

	restarted := make(chan time.Duration, 1)
	go func() {
		time.Sleep(1500 * time.Millisecond)
		start := time.Now()
		cluster := "15"
		if v, err := os.ReadDir("/etc/postgresql"); err == nil && len(v) > 0 {
			cluster = v[0].Name()
		}
		out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart", "-m", "fast").CombinedOutput()
		if err != nil {
			t.Errorf("restarting PostgreSQL: %v\n%s", err, out)
		}
		restarted <- time.Since(start)
	}()
	lr := runLoad(t, urls, 12, 10*time.Second, chains)
	took := <-restarted
	var worst time.Duration
	for _, u := range urls {
		if d := waitReady(t, u, 20*time.Second); d > worst {
			worst = d
		}
	}
	t.Logf("restart took %s; load: %d ok, %d InternalServerException, %d no answer, %d wrong; nodes ready %s after the load",
		took, lr.ok.Load(), lr.internal.Load(), lr.connErr.Load(), lr.wrong.Load(), worst)
	if lr.wrong.Load() > 0 {
		t.Fatalf("wrong answers during the restart: %v", lr.wrongs[:min(5, len(lr.wrongs))])
	}
	if lr.ok.Load() == 0 || lr.internal.Load() == 0 {
		t.Errorf("the load did not straddle the restart (ok %d, internal %d)", lr.ok.Load(), lr.internal.Load())
	}
	// Every node serves again without being restarted.
	for _, u := range urls {
		register(t, sdkAt(u))
	}
	verifyAcked(t, urls[1], lr)
}

// TestNodeKilledUnderLoad SIGKILLs one of three nodes during a bounded
// load: the others keep serving, and nothing acknowledged is lost.
func TestNodeKilledUnderLoad(t *testing.T) {
	dsn := pgSchemaDSN(t)
	nodes := startNodes(t, dsn, 3)
	addUserPG(t, dsn, "alice", "correct horse battery")
	chains := chainsFor(t, nodes[0].url, dsn, 4)
	go func() {
		time.Sleep(1 * time.Second)
		_ = nodes[2].cmd.Process.Signal(syscall.SIGKILL)
	}()
	lr := runLoad(t, []string{nodes[0].url, nodes[1].url, nodes[2].url}, 9, 4*time.Second, chains)
	_ = nodes[2].cmd.Wait()
	t.Logf("load: %d ok, %d InternalServerException, %d no answer (the killed node), %d wrong",
		lr.ok.Load(), lr.internal.Load(), lr.connErr.Load(), lr.wrong.Load())
	if lr.wrong.Load() > 0 || lr.internal.Load() > 0 {
		t.Fatalf("the surviving nodes answered wrongly: %v", lr.wrongs)
	}
	if lr.connErr.Load() == 0 {
		t.Error("the load never reached the killed node after the kill")
	}
	// The survivors keep serving, and see everything acknowledged by any
	// node, the killed one included.
	for _, u := range []string{nodes[0].url, nodes[1].url} {
		register(t, sdkAt(u))
	}
	verifyAcked(t, nodes[1].url, lr)
}
