package sso

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func TestUserCode(t *testing.T) {
	re := regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`)
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 2000 {
		c := NewUserCode()
		if !re.MatchString(c) {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
		for _, r := range strings.ReplaceAll(c, "-", "") {
			counts[r]++
		}
	}
	if len(seen) < 1990 {
		t.Errorf("only %d distinct codes in 2000", len(seen))
	}
	if len(counts) != 20 {
		t.Errorf("%d letters used, want all 20", len(counts))
	}
}

func TestNormalizeUserCode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"BCDF-GHJK", "BCDFGHJK", true},
		{"bcdf-ghjk", "BCDFGHJK", true},
		{"bcdfghjk", "BCDFGHJK", true},
		{" bcdf ghjk ", "BCDFGHJK", true},
		{"8CDF-6HJK", "BCDFGHJK", true}, // 8->B, 6->G
		{"1MNP-5TV2", "LMNPSTVZ", true}, // 1->L, 5->S, 2->Z
		{"OBCD-FGHJ", "DBCDFGHJ", true}, // O->D
		{"BCDF-GHJ", "", false},         // too short
		{"BCDF-GHJKL", "", false},       // too long
		{"BCDF-GHJA", "", false},        // vowel
		{"", "", false},
		{"BCDF-GHJ\u00c9", "", false},
	} {
		got, ok := NormalizeUserCode(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizeUserCode(%q) = %q %v, want %q %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if FormatUserCode("BCDFGHJK") != "BCDF-GHJK" {
		t.Error("format")
	}
}

func FuzzNormalizeUserCode(f *testing.F) {
	for _, s := range []string{"BCDF-GHJK", "bcdf ghjk", "8CDF-6HJK", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := NormalizeUserCode(s)
		if !ok {
			return
		}
		if len(c) != UserCodeLen || strings.Trim(c, UserCodeAlphabet) != "" {
			t.Fatalf("%q -> %q", s, c)
		}
		// Normalising is idempotent, with or without the dash.
		if c2, ok := NormalizeUserCode(FormatUserCode(c)); !ok || c2 != c {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, c, c2)
		}
	})
}

func TestPKCE(t *testing.T) {
	// RFC 7636 appendix B.
	v, c := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if !VerifyPKCE(v, c) || !ValidChallenge(c) {
		t.Fatal("RFC 7636 vector")
	}
	if VerifyPKCE(v[:42], c) || VerifyPKCE(v+"x", c) || VerifyPKCE(v, "") || VerifyPKCE(strings.Repeat("a", 129), c) {
		t.Error("wrong verifiers accepted")
	}
	if VerifyPKCE("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX!", c) {
		t.Error("non-unreserved verifier accepted")
	}
}

func TestRedirectURIs(t *testing.T) {
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"http://127.0.0.1/oauth/callback", true},
		{"http://127.0.0.1:8080/cb", true},
		{"http://[::1]/cb", true},
		{"http://localhost/cb", true},
		{"https://app.example.com/cb", true},
		{"com.example.app:/cb", true},
		{"http://example.com/cb", false},
		{"https:///cb", false},
		{"https://example.com/cb#frag", false},
		{"/relative", false},
		{"javascript:alert(1)", false},
		{"::not a uri", false},
	} {
		if _, ok := CheckRedirectURI(tc.uri); ok != tc.ok {
			t.Errorf("CheckRedirectURI(%q) = %v", tc.uri, ok)
		}
	}
	for _, tc := range []struct {
		reg, got string
		ok       bool
	}{
		{"http://127.0.0.1/oauth/callback", "http://127.0.0.1:54321/oauth/callback", true},
		{"http://127.0.0.1:1/oauth/callback", "http://127.0.0.1:2/oauth/callback", true},
		{"http://[::1]/cb", "http://[::1]:9/cb", true},
		{"http://127.0.0.1/oauth/callback", "http://127.0.0.1:5/oauth/other", false},
		{"http://127.0.0.1/oauth/callback", "http://127.0.0.2:5/oauth/callback", false},
		{"http://127.0.0.1/oauth/callback", "https://127.0.0.1:5/oauth/callback", false},
		{"https://app.example.com/cb", "https://app.example.com:8443/cb", false},
		{"https://app.example.com/cb", "https://evil.example.com/cb", false},
		{"https://app.example.com/cb", "https://app.example.com/cb?x=1", false},
		{"https://app.example.com/cb", "https://app.example.com/cb", true},
	} {
		if MatchRedirectURI(tc.reg, tc.got) != tc.ok {
			t.Errorf("MatchRedirectURI(%q, %q) != %v", tc.reg, tc.got, tc.ok)
		}
	}
}

func TestDigester(t *testing.T) {
	d := NewDigester([]byte("0123456789abcdef0123456789abcdef"))
	a := d.Digest(KindAccessToken, "x")
	if !Equal(a, d.Digest(KindAccessToken, "x")) || Equal(a, d.Digest(KindRefreshToken, "x")) {
		t.Error("digests must be deterministic and separated by kind")
	}
	other := NewDigester([]byte("another key another key another!"))
	if Equal(a, other.Digest(KindAccessToken, "x")) {
		t.Error("digest does not depend on the key")
	}
	if d.Derive("refresh", "t") != d.Derive("refresh", "t") || d.Derive("refresh", "t") == d.Derive("access", "t") {
		t.Error("derive")
	}
	if len(RandomSecret()) != 43 || RandomSecret() == RandomSecret() {
		t.Error("random secret")
	}
	// Pooled HMACs give what a fresh one gives, from many goroutines.
	key := []byte("0123456789abcdef0123456789abcdef")
	want := func(kind, secret string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(kind + "\x00" + secret))
		return m.Sum(nil)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				secret := fmt.Sprint(g, "-", i)
				if !Equal(d.Digest(KindSession, secret), want(KindSession, secret)) {
					t.Errorf("digest of %s differs from HMAC-SHA-256", secret)
					return
				}
				_ = d.Derive("refresh", secret)
			}
		})
	}
	wg.Wait()
}
