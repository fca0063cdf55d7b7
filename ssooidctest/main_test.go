package ssooidctest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// binDir holds the ssooidc command, built by the first test that needs
// it and removed after the last.
var (
	binDir   string
	binOnce  sync.Once
	binPath  string
	binBuild error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ssooidctest-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// ssooidcBinary returns the path of the ssooidc command built from this
// checkout.
func ssooidcBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(binDir, "ssooidc")
		cmd := exec.Command("go", "build", "-o", binPath, "../cmd/ssooidc")
		if out, err := cmd.CombinedOutput(); err != nil {
			binBuild = fmt.Errorf("go build ./cmd/ssooidc: %v\n%s", err, out)
		}
	})
	if binBuild != nil {
		t.Fatal(binBuild)
	}
	return binPath
}
