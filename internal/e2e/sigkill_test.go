package e2e

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/servertest"
)

// startSQLiteNode runs the built binary on the SQLite data directory dir,
// listening on addr, and waits until it is ready.
func startSQLiteNode(t *testing.T, dir, addr string) *node {
	t.Helper()
	cfg := filepath.Join(dir, "serve.yaml")
	// The load registers from one address far past the default limit.
	yaml := "users:\n  - {name: alice, password: correct horse battery}\nlimits:\n  registrations_per_address: -1\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	nd := &node{url: "http://" + addr, logs: &servertest.Buffer{}}
	nd.cmd = exec.Command(ssooidcBinary(t), "serve", "--addr", addr, "--data-dir", dir, "--config", cfg,
		"--log-format", "json", "--log-level", "info")
	nd.cmd.Stdout, nd.cmd.Stderr = nd.logs, nd.logs
	if err := nd.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if nd.cmd.ProcessState == nil {
			_ = nd.cmd.Process.Kill()
			_ = nd.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("node log:\n%s", tail(nd.logs.String(), 3000))
		}
	})
	waitReady(t, nd.url, 30*time.Second)
	return nd
}

// TestSQLiteKilledUnderLoad SIGKILLs the server three times while it
// acknowledges registrations and refresh rotations, restarts it on the
// same file each time, and checks that every acknowledged write is there:
// each registration authenticates, each chain's newest refresh token
// rotates (inside the grace window when the kill came between a rotation's
// commit and its answer).
func TestSQLiteKilledUnderLoad(t *testing.T) {
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	nd := startSQLiteNode(t, dir, addr)
	chains := chainsFor(t, nd.url, "", 4)
	var acked int
	for round := range 3 {
		killed := make(chan struct{})
		go func() {
			defer close(killed)
			time.Sleep(time.Second)
			_ = nd.cmd.Process.Signal(syscall.SIGKILL)
		}()
		lr := runLoad(t, []string{nd.url}, 8, 2*time.Second, chains)
		<-killed
		_ = nd.cmd.Wait()
		t.Logf("round %d: %d ok, %d InternalServerException, %d no answer, %d wrong, %d registrations acknowledged",
			round, lr.ok.Load(), lr.internal.Load(), lr.connErr.Load(), lr.wrong.Load(), len(lr.acked))
		if lr.wrong.Load() > 0 || lr.internal.Load() > 0 {
			t.Fatalf("wrong answers before the kill: %v", lr.wrongs[:min(5, len(lr.wrongs))])
		}
		if lr.ok.Load() == 0 || lr.connErr.Load() == 0 {
			t.Fatalf("the load did not straddle the kill (ok %d, no answer %d)", lr.ok.Load(), lr.connErr.Load())
		}
		if ws := nd.cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("the server ended with %v, not by SIGKILL", nd.cmd.ProcessState)
		}
		nd = startSQLiteNode(t, dir, addr)
		verifyAcked(t, nd.url, lr)
		acked += len(lr.acked)
	}
	if acked == 0 {
		t.Fatal("no registration was acknowledged")
	}
}
