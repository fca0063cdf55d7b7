package main

import (
	"bytes"
	"context"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestCompletionFlags: the completion table lists exactly the flags each
// command has (from its -h), so the scripts cannot drift from the code.
func TestCompletionFlags(t *testing.T) {
	defined := regexp.MustCompile(`(?m)^  -([a-z-]+)`)
	for _, c := range completions {
		var args []string
		switch c.command {
		case "login", "logout", "status", "token", "export-credentials", "exec", "credential-server", "console":
			args = []string{c.command, "-h"}
		case "configure":
			args = []string{"configure", "generate", "-h"}
		default:
			continue
		}
		var out, errb bytes.Buffer
		_ = run(context.Background(), args, strings.NewReader(""), &out, &errb)
		var real []string
		for _, m := range defined.FindAllStringSubmatch(out.String()+errb.String(), -1) {
			real = append(real, "--"+m[1])
		}
		var listed []string
		for _, f := range c.flags {
			if strings.HasPrefix(f, "--") {
				listed = append(listed, f)
			}
		}
		sort.Strings(real)
		sort.Strings(listed)
		if strings.Join(real, " ") != strings.Join(listed, " ") {
			t.Errorf("%s: the command has %v, the completion lists %v", c.command, real, listed)
		}
	}
}

// TestUnifiedDiff: the diff of configure generate --dry-run.
func TestUnifiedDiff(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"
	b := "1\n2\n3\nfour\n5\n6\n7\n8\n9\n10\n11\n"
	want := "--- a\n+++ b\n@@ -1,10 +1,11 @@\n 1\n 2\n 3\n-4\n+four\n 5\n 6\n 7\n 8\n 9\n 10\n+11\n"
	if got := unifiedDiff("a", "b", a, b); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := unifiedDiff("a", "b", a, a); got != "" {
		t.Errorf("equal texts: %q", got)
	}
	if got := unifiedDiff("a", "b", "", "x"); got != "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n\\ No newline at end of file\n" {
		t.Errorf("from nothing: %q", got)
	}
}
