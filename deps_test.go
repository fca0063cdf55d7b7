package ssooidc_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/ssooidc/ssooidc"

// testKit is the one public package allowed to import internal/: it
// starts the service itself, in a test's process (ARCHITECTURE.md).
const testKit = module + "/ssooidctest"

// TestPublicPackagesDoNotImportInternal enforces the import boundary
// (STYLE.md, "Dependencies point inward"): every public package (all but
// internal/ and cmd/) imports neither internal/ nor cmd/, except the test
// kit, which may import internal/ but not cmd/; and no public package
// imports the test kit, so that a program using the clients never links
// the service.
func TestPublicPackagesDoNotImportInternal(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is required: %v", err)
	}
	list, err := exec.Command(goTool, "list", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var public []string
	for _, p := range strings.Fields(string(list)) {
		if !strings.HasPrefix(p, module+"/internal/") && !strings.HasPrefix(p, module+"/cmd/") {
			public = append(public, p)
		}
	}
	checked := map[string]bool{}
	for _, p := range public {
		out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", p).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", p, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			switch {
			case strings.HasPrefix(dep, module+"/cmd/"):
				t.Errorf("%s depends on %s", p, dep)
			case strings.HasPrefix(dep, module+"/internal/") && p != testKit:
				t.Errorf("%s depends on %s", p, dep)
			case dep == testKit && p != testKit:
				t.Errorf("%s depends on the test kit %s", p, testKit)
			}
		}
		checked[p] = true
	}
	for _, p := range []string{module, module + "/portal", module + "/awsclient", module + "/login", module + "/wire", testKit} {
		if !checked[p] {
			t.Errorf("%s was not checked; is the test looking at the right module?", p)
		}
	}
}
