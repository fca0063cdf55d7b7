package ssooidc_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPublicPackagesDoNotImportInternal enforces the import boundary: the
// client packages are public and may import neither internal/ nor cmd/
// (STYLE.md, "Dependencies point inward").
func TestPublicPackagesDoNotImportInternal(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", ".", "./portal", "./awsclient").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/ssooidc/ssooidc/internal") || strings.HasPrefix(p, "github.com/ssooidc/ssooidc/cmd") {
			t.Errorf("a public client package depends on %s", p)
		}
	}
	if !strings.Contains(string(out), "github.com/ssooidc/ssooidc/wire") {
		t.Error("go list output lacks the wire package; is the test looking at the right module?")
	}
}
