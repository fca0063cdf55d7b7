package mfa

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestTOTPVectors checks the code against RFC 6238 Appendix B (SHA-1): the
// RFC prints eight digits, an app shows their last six.
func TestTOTPVectors(t *testing.T) {
	key := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		got := hotp(key, step(time.Unix(tc.unix, 0)))
		if got != tc.want[2:] {
			t.Errorf("TOTP at %d = %s, want %s", tc.unix, got, tc.want[2:])
		}
		viaCode, err := Code(b32.EncodeToString(key), time.Unix(tc.unix, 0))
		if err != nil || viaCode != got {
			t.Errorf("Code = %q, %v; want %s", viaCode, err, got)
		}
	}
}

func TestMatchSkew(t *testing.T) {
	key := newSecret()
	now := time.Unix(1_700_000_015, 0)
	for d, ok := range map[time.Duration]bool{-60 * time.Second: false, -30 * time.Second: true, 0: true,
		30 * time.Second: true, 60 * time.Second: false} {
		code := hotp(key, step(now.Add(d)))
		if st, got := match(key, code, now); got != ok || got && st != step(now.Add(d)) {
			t.Errorf("code of now%+v: match = %d, %v; want %v", d, st, got, ok)
		}
	}
}

func TestNormalCode(t *testing.T) {
	for in, want := range map[string]string{"123456": "123456", " 123 456 ": "123456", "123-456": "123456",
		"12345": "", "1234567": "", "12345a": "", "": "", "١٢٣٤٥٦": ""} {
		got, ok := normalCode(in)
		if ok != (want != "") || ok && got != want {
			t.Errorf("normalCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		c := newRecoveryCode()
		if len(c) != 19 || strings.Count(c, "-") != 3 {
			t.Fatalf("recovery code %q is not XXXX-XXXX-XXXX-XXXX", c)
		}
		n, ok := normalRecovery(strings.ToLower(strings.ReplaceAll(c, "-", " ")))
		if !ok || n != strings.ReplaceAll(c, "-", "") {
			t.Fatalf("normalRecovery of %q typed in lower case = %q, %v", c, n, ok)
		}
		if seen[c] {
			t.Fatalf("recovery code %q drawn twice", c)
		}
		seen[c] = true
	}
	if n, ok := normalRecovery("OIL0-abcd-efgh-jkmn"); !ok || n != "0110ABCDEFGHJKMN" {
		t.Errorf("look-alikes: %q, %v", n, ok)
	}
	for _, bad := range []string{"ABCD-EFGH-JKMN-PQR", "ABCD-EFGH-JKMN-PQRSU", "ABCD-EFGH-JKMN-PQRU", "ÄBCD-EFGH-JKMN-PQRS"} {
		if _, ok := normalRecovery(bad); ok {
			t.Errorf("normalRecovery(%q) accepted", bad)
		}
	}
}

func TestSeal(t *testing.T) {
	s, err := newSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	secret := newSecret()
	sealed := s.seal("alice", secret)
	if bytes.Contains(sealed, secret) {
		t.Fatal("the sealed secret contains the secret")
	}
	if got, err := s.open("alice", sealed); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open = %x, %v", got, err)
	}
	if _, err := s.open("bob", sealed); err == nil {
		t.Error("a secret sealed for alice opened for bob")
	}
	other, _ := newSealer(bytes.Repeat([]byte{8}, 32))
	if _, err := other.open("alice", sealed); err == nil {
		t.Error("a secret opened under another key")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := s.open("alice", sealed); err == nil {
		t.Error("a tampered secret opened")
	}
	if s.seal("alice", secret)[1] == s.seal("alice", secret)[1] && bytes.Equal(s.seal("alice", secret), s.seal("alice", secret)) {
		t.Error("two seals of one secret are equal: the nonce is not random")
	}
}

func TestKeyURI(t *testing.T) {
	u := keyURI("ssooidc", "alice@example.com", []byte("12345678901234567890"))
	want := "otpauth://totp/ssooidc:alice@example.com?algorithm=SHA1&digits=6&issuer=ssooidc&period=30&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	if u != want {
		t.Errorf("keyURI = %s\nwant     %s", u, want)
	}
}

func FuzzNormal(f *testing.F) {
	for _, s := range []string{"123 456", "ABCD-EFGH-JKMN-PQRS", "\x00", "ｱ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, ok := normalCode(s); ok && len(c) != totpDigits {
			t.Fatalf("normalCode(%q) = %q", s, c)
		}
		if c, ok := normalRecovery(s); ok && (len(c) != recoveryLen || strings.Trim(c, crockford) != "") {
			t.Fatalf("normalRecovery(%q) = %q", s, c)
		}
	})
}
