package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestSystemdUnit checks the unit with systemd-analyze verify, in a root
// that holds the system's own units, the unit, and the static binary at
// the path ExecStart names; its sandbox with systemd-analyze security;
// and that the binary accepts ExecStart's command line.
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatal("systemd-analyze is required (Debian package systemd; scripts/test.sh installs it)")
	}
	unit, err := os.ReadFile("systemd/ssooidc.service")
	if err != nil {
		t.Fatal(err)
	}
	exec0 := regexp.MustCompile(`(?m)^ExecStart=(\S+)(.*)$`).FindStringSubmatch(string(unit))
	if exec0 == nil {
		t.Fatal("no ExecStart")
	}
	root := t.TempDir()
	bin := dockerBinary(t)
	place := func(dst string, b []byte, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, mode); err != nil {
			t.Fatal(err)
		}
	}
	place(filepath.Join(root, exec0[1]), must(os.ReadFile(bin)), 0o755)
	place(filepath.Join(root, "etc/systemd/system/ssooidc.service"), unit, 0o644)
	// verify loads the unit's dependencies (sysinit.target...) from the
	// root: the machine's own units.
	units, err := filepath.Glob("/usr/lib/systemd/system/*")
	if err != nil || len(units) == 0 {
		t.Fatalf("no systemd units in /usr/lib/systemd/system (%v)", err)
	}
	for _, u := range units {
		if b, err := os.ReadFile(u); err == nil {
			place(filepath.Join(root, u), b, 0o644)
		}
	}

	out, err := exec.Command(analyze, "verify", "--man=no", "--root="+root, "ssooidc.service").CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}

	out, err = exec.Command(analyze, "security", "--offline=true", "--root="+root, "--no-pager", "ssooidc.service").CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for ssooidc.service: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	// systemd rates 0 to 10; below 2 is "OK", the best of its words.
	if level, _ := strconv.ParseFloat(string(m[1]), 64); level >= 2 {
		t.Errorf("exposure level %s, want under 2:\n%s", m[1], out)
	}
	for _, want := range []string{"DynamicUser=yes", "ProtectSystem=strict", "StateDirectory=ssooidc", "NoNewPrivileges=yes",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service", "CapabilityBoundingSet=\n",
		"MemoryDenyWriteExecute=yes", "ProtectHome=yes", "PrivateTmp=yes"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the unit lacks %q", strings.TrimSpace(want))
		}
	}

	// ExecStart's flags are the binary's: the same line with --help is
	// accepted (flags are parsed left to right, so every one before it is
	// checked).
	args := strings.Fields(strings.ReplaceAll(exec0[2], "${STATE_DIRECTORY}", t.TempDir()))
	if out, err := exec.Command(bin, append(args, "--help")...).CombinedOutput(); err != nil {
		t.Errorf("ExecStart %s does not parse: %v\n%s", exec0[2], err, out)
	}
}
