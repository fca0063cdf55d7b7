package sso

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestUserAgent: what a session keeps of a User-Agent is bounded, valid
// UTF-8, and has no control character (the admin command prints it on a
// terminal).
func TestUserAgent(t *testing.T) {
	for in, want := range map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64)": "Mozilla/5.0 (X11; Linux x86_64)",
		"evil\x1b[2J\x1b]0;title\x07ua":   "evil [2J ]0;title ua",
		"bad \xff byte":                   "bad \uFFFD byte",
		"":                                "",
	} {
		if got := UserAgentFrom(WithUserAgent(context.Background(), in)); got != want {
			t.Errorf("WithUserAgent(%q) keeps %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("\u00e9", 200) // 400 bytes
	got := UserAgentFrom(WithUserAgent(context.Background(), long))
	if len(got) > MaxUserAgent || !utf8.ValidString(got) || len(got) < MaxUserAgent-1 {
		t.Errorf("a long User-Agent kept as %d bytes (valid %v)", len(got), utf8.ValidString(got))
	}
	if UserAgentFrom(context.Background()) != "" {
		t.Error("a context without one names a User-Agent")
	}
}
