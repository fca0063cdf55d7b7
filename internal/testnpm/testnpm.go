// Package testnpm finds the npm packages the tests use: one directory,
// testdata/npm at the module's root, installed from its lock file by
// scripts/test.sh (npm ci), so no test downloads anything.
package testnpm

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the absolute path of testdata/npm, failing tb (never
// skipping) when its packages are not installed.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("testnpm: no go.mod above the test's directory")
		}
		dir = parent
	}
	npm := filepath.Join(dir, "testdata", "npm")
	if _, err := os.Stat(filepath.Join(npm, "node_modules", "axe-core", "axe.min.js")); err != nil {
		tb.Fatalf("the tests' npm packages are not installed: run scripts/test.sh, or npm ci --prefix %s (%v)", npm, err)
	}
	return npm
}

// Modules returns the node_modules directory of Dir.
func Modules(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(Dir(tb), "node_modules")
}

// AxeScript returns axe-core's axe.min.js.
func AxeScript(tb testing.TB) []byte {
	tb.Helper()
	src, err := os.ReadFile(filepath.Join(Modules(tb), "axe-core", "axe.min.js"))
	if err != nil {
		tb.Fatalf("testnpm: reading axe-core: %v", err)
	}
	return src
}
