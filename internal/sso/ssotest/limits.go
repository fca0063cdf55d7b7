package ssotest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var limitTests = []test{
	{"Limit/Window", testLimitWindow},
	{"Limit/Count", testLimitCount},
}

var secretTests = []test{
	{"Secret/Generate", testSecretGenerate},
	{"Secret/GenerateError", testSecretGenerateError},
}

func testLimitWindow(t *testing.T, s sso.Store) {
	ctx := t.Context()
	hit := func(key string, window, d time.Duration, want int) {
		t.Helper()
		n, err := s.Hit(ctx, key, window, at(d))
		must(t, "Hit", err)
		if n != want {
			t.Errorf("Hit(%q, %v, base+%v) = %d, want %d", key, window, d, n, want)
		}
	}
	const w = time.Minute
	hit("ip:192.0.2.1", w, 0, 1)
	hit("ip:192.0.2.1", w, time.Second, 2)
	hit("ip:192.0.2.2", w, time.Second, 1) // keys count apart
	hit("ip:192.0.2.1", w, w-time.Millisecond, 3)
	// The window is [start, start+w): this hit opens the next one.
	hit("ip:192.0.2.1", w, w, 1)
	hit("ip:192.0.2.1", w, w+30*time.Second, 2)
	hit("ip:192.0.2.1", w, 2*w-time.Millisecond, 3)
	hit("ip:192.0.2.1", w, 2*w, 1)
	// After a pause the next window starts at the first hit, not on a grid
	// of whole windows.
	hit("ip:192.0.2.2", w, 24*time.Hour+17*time.Second, 1)
	hit("ip:192.0.2.2", w, 24*time.Hour+w+17*time.Second-time.Millisecond, 2)
	hit("ip:192.0.2.2", w, 24*time.Hour+w+17*time.Second, 1)
	// Each key has a window of its own length.
	hit("login:alice", time.Hour, 0, 1)
	hit("login:alice", time.Hour, 59*time.Minute, 2)
	// Keys are compared exactly.
	hit("IP:192.0.2.2", w, 24*time.Hour+w+17*time.Second, 1)
	hit("ip:192.0.2.2 ", w, 24*time.Hour+w+17*time.Second, 1)
}

func testLimitCount(t *testing.T, s sso.Store) {
	ctx := t.Context()
	count := func(key string, d time.Duration, want int) {
		t.Helper()
		n, err := s.Count(ctx, key, at(d))
		must(t, "Count", err)
		if n != want {
			t.Errorf("Count(%q, base+%v) = %d, want %d", key, d, n, want)
		}
	}
	const w = time.Minute
	count("k", 0, 0)
	for i := range 3 {
		_, err := s.Hit(ctx, "k", w, at(time.Duration(i)*time.Second))
		must(t, "Hit", err)
	}
	// Count does not count: asking twice gives the same answer.
	count("k", 3*time.Second, 3)
	count("k", 3*time.Second, 3)
	count("K", 3*time.Second, 0)
	count("k", w-time.Millisecond, 3)
	count("k", w, 0) // the window has ended
	count("k", 10*w, 0)
	n, err := s.Hit(ctx, "k", w, at(4*time.Second))
	must(t, "Hit", err)
	if n != 4 {
		t.Errorf("Hit after Count = %d, want 4", n)
	}
	// Past the window the stored counter is still there, but it counts as
	// none, and the next Hit starts over.
	n, err = s.Hit(ctx, "k", w, at(w))
	must(t, "Hit", err)
	if n != 1 {
		t.Errorf("Hit in a new window = %d, want 1", n)
	}
	count("k", w, 1)
}

func testSecretGenerate(t *testing.T, s sso.Store) {
	ctx := t.Context()
	want := []byte{0x00, 0xff, 0x00, 'k', 'e', 'y'}
	got, err := s.Secret(ctx, "digest-key", func() ([]byte, error) { return bytes.Clone(want), nil })
	must(t, "Secret", err)
	if !bytes.Equal(got, want) {
		t.Errorf("Secret returned %x, want the generated %x", got, want)
	}
	clobber(got)

	got, err = s.Secret(ctx, "digest-key", func() ([]byte, error) {
		t.Error("Secret called generate for a stored secret")
		return []byte("other"), nil
	})
	must(t, "Secret again", err)
	if !bytes.Equal(got, want) {
		t.Errorf("Secret returned %x for a stored secret, want %x", got, want)
	}

	other, err := s.Secret(ctx, "signing-key", func() ([]byte, error) { return []byte("second"), nil })
	must(t, "Secret of another name", err)
	if string(other) != "second" {
		t.Errorf("Secret of another name returned %q", other)
	}
	big, err := sso.RandomKey()
	must(t, "RandomKey", err)
	big = bytes.Repeat(big, 64) // 2 KiB, like a PEM signing key
	got, err = s.Secret(ctx, "big", func() ([]byte, error) { return bytes.Clone(big), nil })
	must(t, "Secret big", err)
	if !bytes.Equal(got, big) {
		t.Error("Secret big: value differs")
	}
}

func testSecretGenerateError(t *testing.T, s sso.Store) {
	ctx := t.Context()
	boom := errors.New("entropy ran out")
	_, err := s.Secret(ctx, "k", func() ([]byte, error) { return []byte("ignored"), boom })
	wantErr(t, "Secret with a failing generate", err, boom)

	// Nothing was stored: the next caller generates.
	got, err := s.Secret(ctx, "k", func() ([]byte, error) { return []byte("good"), nil })
	must(t, "Secret after a failed generate", err)
	if string(got) != "good" {
		t.Errorf("Secret after a failed generate returned %q, want %q", got, "good")
	}
}
