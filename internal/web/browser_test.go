package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/browsertest"
)

// screenshotDir is where the browser tests leave their screenshots:
// $SSOOIDC_SCREENSHOTS, or a temporary directory.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("SSOOIDC_SCREENSHOTS"); d != "" {
		return d
	}
	return t.TempDir()
}

// TestBrowser walks the pages in chromium as a person does: code ->
// sign-in -> consent -> Allow, with a screenshot of each page, then the
// error states, Deny, and a phone-sized consent page.
func TestBrowser(t *testing.T) {
	s := newSite(t)
	dir := screenshotDir(t)
	b := browsertest.New(t, browsertest.WindowSize(1024, 768))
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	shot := func(name string) {
		t.Helper()
		if err := b.Screenshot(ctx, "", filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	wantText := func(want ...string) {
		t.Helper()
		text, err := b.Text(ctx)
		must(err)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Fatalf("the page does not say %q; it says:\n%s", w, text)
			}
		}
	}

	// 1. The code page, prefilled as from verificationUriComplete.
	must(b.Navigate(ctx, s.srv.URL+"/device?user_code=bcdf-ghjk"))
	if v, err := b.Value(ctx, "Code"); err != nil || v != "bcdf-ghjk" {
		t.Fatalf("Code field = %q, %v", v, err)
	}
	shot("1-code.png")

	// 2. The right code, typed sloppily: on to sign-in.
	must(b.Fill(ctx, "Code", "bcdf ghjk"))
	must(b.Click(ctx, "Continue"))
	wantText("Sign in", "Username", "Password")
	shot("2-signin.png")

	must(b.Fill(ctx, "Username", "alice"))
	must(b.Fill(ctx, "Password", "not the password"))
	must(b.Click(ctx, "Sign in"))
	wantText(msgWrongCreds)
	shot("signin-error.png")

	// 3. Signed in: the consent page.
	must(b.Fill(ctx, "Password", alicePassword))
	must(b.Click(ctx, "Sign in"))
	wantText("BCDF-GHJK", "AWS CLI", "sso:account:access", "Allow", "Deny", "Signed in as")
	shot("3-consent.png")

	// 4. Allow.
	must(b.Click(ctx, "Allow"))
	wantText("Your device is signed in", "You can close this window")
	shot("4-done.png")
	if got := s.devices.decision(codeGood); got != "approved by "+aliceID {
		t.Fatalf("decision %q", got)
	}

	// A wrong code, signed in (codes are looked up only for someone
	// signed in): the error shows on the page, the field keeps it.
	must(b.Navigate(ctx, s.srv.URL+"/device"))
	must(b.Fill(ctx, "Code", "bbbb-bbbb"))
	must(b.Click(ctx, "Continue"))
	wantText(msgInvalidCode)
	shot("code-error.png")

	// Still signed in: DenyDevice on the second code is not asked to sign
	// in again.
	text, err := b.DenyDevice(ctx, s.srv.URL+"/device?user_code=LMNP-QRST", "", "")
	must(err)
	if !strings.Contains(text, "Request denied") {
		t.Fatalf("after Deny: %s", text)
	}
	shot("denied.png")
	if got := s.devices.decision(codeNoScopes); got != "denied by "+aliceID {
		t.Fatalf("decision %q", got)
	}

	// Sign out, then the helper signs in on its own.
	must(b.Navigate(ctx, s.srv.URL+"/device"))
	must(b.Click(ctx, "Sign out"))
	if ok, _ := b.HasButton(ctx, "Sign out"); ok {
		t.Fatal("still signed in after Sign out")
	}
	_, err = b.ApproveDevice(ctx, s.srv.URL+"/device?user_code=BCDF-GHJK", "alice", alicePassword)
	if err == nil || !strings.Contains(err.Error(), msgInvalidCode) {
		t.Fatalf("approving a used code: %v", err)
	}
}

// TestBrowserApproveDevice is the helper the end-to-end tests use, from a
// fresh browser, plus the phone-sized layout.
func TestBrowserApproveDevice(t *testing.T) {
	s := newSite(t)
	dir := screenshotDir(t)
	b := browsertest.New(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if err := b.SetViewport(ctx, 390, 844, true); err != nil {
		t.Fatal(err)
	}
	if err := b.Screenshot(ctx, s.srv.URL+"/device?user_code=BCDF-GHJK", filepath.Join(dir, "mobile-code.png")); err != nil {
		t.Fatal(err)
	}
	// Through sign-in to the consent page, to shoot it.
	if err := b.Click(ctx, "Continue"); err != nil {
		t.Fatal(err)
	}
	if err := b.SignIn(ctx, "alice", alicePassword); err != nil {
		t.Fatal(err)
	}
	if err := b.Screenshot(ctx, "", filepath.Join(dir, "mobile-consent.png")); err != nil {
		t.Fatal(err)
	}
	text, err := b.ApproveDevice(ctx, s.srv.URL+"/device?user_code=BCDF-GHJK", "alice", alicePassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Your device is signed in") {
		t.Fatalf("final page: %s", text)
	}
	if got := s.devices.decision(codeGood); got != "approved by "+aliceID {
		t.Fatalf("decision %q", got)
	}
}
