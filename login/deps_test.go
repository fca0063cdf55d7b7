package login_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNoInternal: login is public and may import neither internal/
// nor cmd/ (its tests may).
func TestImportsNoInternal(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.Contains(p, "ssooidc/ssooidc/internal") || strings.Contains(p, "ssooidc/ssooidc/cmd") {
			t.Errorf("login depends on %s", p)
		}
	}
	if !strings.Contains(string(out), "rsc.io/qr") {
		t.Error("go list output lacks rsc.io/qr; is the test looking at the right package?")
	}
}
