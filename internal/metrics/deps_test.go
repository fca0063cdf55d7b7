package metrics_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestMeasuredPackagesDoNotImportPrometheus: the packages the metrics
// measure reach them through accesslog.Label, sqlite.Observer and the
// server's wrappers, never by importing Prometheus (ARCHITECTURE.md,
// "Metrics without a dependency in the measured code").
func TestMeasuredPackagesDoNotImportPrometheus(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("the go tool is required")
	}
	const mod = "github.com/ssooidc/ssooidc/internal/"
	pkgs := []string{"accesslog", "httpapi", "web", "sqlite", "postgres", "device", "authcode", "tokens", "identity", "iamtoken", "access", "sso"}
	args := []string{"list", "-deps", "-f", "{{.ImportPath}}"}
	for _, p := range pkgs {
		args = append(args, mod+p)
	}
	out, err := exec.Command(goTool, args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/prometheus/") || p == mod+"metrics" {
			t.Errorf("a measured package depends on %s", p)
		}
	}
	if !strings.Contains(string(out), mod+"accesslog") {
		t.Error("go list output lacks accesslog; is the test looking at the right packages?")
	}
}
