package servertest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"
)

// StartMoto runs moto's server (a real STS implementation, in the
// machine's Python) on a free loopback port until the test ends, and
// returns its URL once it answers. A machine without moto_server fails
// the test: it is never skipped.
func StartMoto(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	cmd := exec.Command("moto_server", "-H", "127.0.0.1", "-p", port)
	cmd.Env = append(os.Environ(), "MOTO_CALL_RESET_API=false")
	if err := cmd.Start(); err != nil {
		t.Fatalf("moto_server is required (pip's moto[server], in the machine's Python): %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "http://127.0.0.1:" + port
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if resp, err := http.Get(url + "/moto-api/"); err == nil {
			resp.Body.Close()
			return url
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatal("moto_server did not start")
	return ""
}
