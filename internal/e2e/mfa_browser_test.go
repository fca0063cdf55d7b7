package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/ssooidc/ssooidc/internal/browsertest"
	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/mfa"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
)

// axeCheck runs axe-core (browsertest's rules: WCAG 2.x A and AA and the
// best practices) on the current page and fails the test on any
// violation.
func axeCheck(t *testing.T, b *browsertest.Browser, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), 30*time.Second)
	defer cancel()
	b.CheckAccessible(ctx, what)
}

// waitText waits, bounded by ctx, until the page (after whatever
// navigation the script starts) says want.
func waitText(ctx context.Context, t *testing.T, b *browsertest.Browser, want string) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		text, _ := b.Text(ctx)
		if strings.Contains(text, want) {
			return
		}
		select {
		case <-ctx.Done():
			u, _ := b.URL(context.Background())
			t.Fatalf("the page never said %q; at %s it says:\n%s", want, u, text)
		case <-tick.C:
		}
	}
}

// clickJS clicks the element sel selects without waiting for a page: the
// WebAuthn forms submit themselves once the script has the answer.
func clickJS(ctx context.Context, t *testing.T, b *browsertest.Browser, sel string) {
	t.Helper()
	js, _ := json.Marshal(sel)
	tab, cancel := context.WithTimeout(b.Context(), 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+string(js)+`); if (e) e.click(); return !!e; })()`)); err != nil {
		t.Fatalf("clicking %s: %v", sel, err)
	}
}

// addAuthenticator gives the browser a virtual platform authenticator
// that makes passkeys and verifies its user.
func addAuthenticator(t *testing.T, b *browsertest.Browser) webauthn.AuthenticatorID {
	t.Helper()
	ctx := b.Context()
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2,
			Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
	if err != nil {
		t.Fatal(err)
	}
	return res.AuthenticatorID
}

// localhostServer runs a server whose public URL names localhost: a
// WebAuthn relying party ID must be a domain, and browsers treat
// http://localhost as a secure context.
func localhostServer(t *testing.T, configure func(*server.Config)) (*servertest.Server, string) {
	var public string
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.PublicURL = strings.Replace(c.PublicURL, "127.0.0.1", "localhost", 1)
		public = c.PublicURL
		configure(c)
	}))
	return srv, public
}

func screenshot(t *testing.T, b *browsertest.Browser, name string) {
	if d := os.Getenv("SSOOIDC_SCREENSHOTS"); d != "" {
		_ = b.Screenshot(context.Background(), "", filepath.Join(d, name))
	}
}

// TestMFAWebAuthnBrowser registers two named security keys in Chromium
// with the DevTools virtual authenticator, signs in with a password and a
// key, then with a passkey alone (no name typed), removes the key and
// sees it refused; axe-core checks every page of the journey.
func TestMFAWebAuthnBrowser(t *testing.T) {
	srv, public := localhostServer(t, func(c *server.Config) {
		c.Directory.Users = []identity.UserSpec{{Name: "alice", Password: "alice-password-1"}}
	})
	b := browsertest.New(t, browsertest.WindowSize(1024, 900))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	first := addAuthenticator(t, b)

	// Sign in with a password (mode optional, no factor yet): the
	// security page, and the setup page of an authenticator app.
	must(b.Navigate(ctx, public+"/signin?next=/security/mfa"))
	axeCheck(t, b, "the sign-in page with a passkey button")
	must(b.SignIn(ctx, "alice", "alice-password-1"))
	waitText(ctx, t, b, "You have no second sign-in step yet")
	axeCheck(t, b, "the security page, empty")
	must(b.Navigate(ctx, public+"/security/mfa/totp"))
	waitText(ctx, t, b, "Authentication code")
	axeCheck(t, b, "the authenticator app's setup page")
	screenshot(t, b, "mfa-totp-setup.png")
	must(b.Navigate(ctx, public+"/security/mfa"))

	// Two named keys: the first authenticator, then another.
	must(b.Fill(ctx, "Name of the security key or passkey", "Blue key"))
	clickJS(ctx, t, b, `form[data-webauthn] button`)
	waitText(ctx, t, b, "Save your recovery codes")
	axeCheck(t, b, "the recovery codes page")
	must(b.Click(ctx, "Continue"))
	waitText(ctx, t, b, "Blue key")
	if _, err := chromedp.Call(b.Context(), webauthn.RemoveVirtualAuthenticator,
		webauthn.RemoveVirtualAuthenticatorParams{AuthenticatorID: first}); err != nil {
		t.Fatal(err)
	}
	second := addAuthenticator(t, b)
	must(b.Navigate(ctx, public+"/security/mfa"))
	must(b.Fill(ctx, "Name of the security key or passkey", "Green key"))
	clickJS(ctx, t, b, `form[data-webauthn] button`)
	waitText(ctx, t, b, "Green key")
	text, _ := b.Text(ctx)
	if !strings.Contains(text, "Blue key") || !strings.Contains(text, "Green key") || strings.Count(text, "Passkey") != 2 {
		t.Fatalf("the security page does not list both passkeys:\n%s", text)
	}
	axeCheck(t, b, "the security page with two keys")
	screenshot(t, b, "mfa-security.png")

	// Password, then the key: the second-factor step.
	must(b.Click(ctx, "Sign out"))
	must(b.Navigate(ctx, public+"/signin?next=/security/mfa"))
	must(b.SignIn(ctx, "alice", "alice-password-1"))
	waitText(ctx, t, b, "Verify it's you")
	axeCheck(t, b, "the second-factor step")
	screenshot(t, b, "mfa-verify.png")
	clickJS(ctx, t, b, `form[data-webauthn] button`)
	waitText(ctx, t, b, "Sign-in methods")

	// A passkey alone: no name typed.
	must(b.Click(ctx, "Sign out"))
	must(b.Navigate(ctx, public+"/signin?next=/security/mfa"))
	clickJS(ctx, t, b, `form[action="/signin/passkey"] button`)
	waitText(ctx, t, b, "Signed in as alice")

	// The removed key is refused, though the authenticator still has it.
	clickJS(ctx, t, b, `button[aria-label="Remove Green key"]`)
	waitText(ctx, t, b, "Removed.")
	must(b.Click(ctx, "Sign out"))
	must(b.Navigate(ctx, public+"/signin?next=/security/mfa"))
	clickJS(ctx, t, b, `form[action="/signin/passkey"] button`)
	waitText(ctx, t, b, "This passkey is not registered here")
	axeCheck(t, b, "the sign-in page with a refusal")
	creds, err := chromedp.Call(b.Context(), webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: second})
	if err != nil || len(creds.Credentials) != 1 {
		t.Fatalf("the authenticator's credentials: %v, %v", creds, err)
	}
	if logs := srv.Logs(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("the server logged an error:\n%s", tail(logs, 4000))
	}
}

// TestMFAAWSCLIDeviceLogin: "aws sso login" (the AWS CLI v2) with mode
// required: the person enrols an authenticator app at the first sign-in,
// before the consent page, and gives a code at the second.
func TestMFAAWSCLIDeviceLogin(t *testing.T) {
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		upstreamDirectory(c)
		c.MFA = mfa.Policy{Mode: mfa.Required}
		c.Directory.Users = []identity.UserSpec{{Name: "dana", Password: "dana-password-1", Groups: []string{"devs"}}}
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	home, env := cliHome(t, srv.URL)
	b := browsertest.New(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var secret string
	for i, enrol := range []bool{true, false} {
		verification, wait := cliLogin(ctx, t, env)
		must(b.Navigate(ctx, verification))
		must(b.Click(ctx, browsertest.ButtonNext))
		if i == 1 {
			// The first login's browser session would skip the sign-in.
			if ok, _ := b.HasField(ctx, browsertest.LabelUsername); !ok {
				must(b.Click(ctx, "Sign out"))
				must(b.Navigate(ctx, verification))
				must(b.Click(ctx, browsertest.ButtonNext))
			}
		}
		must(b.SignIn(ctx, "dana", "dana-password-1"))
		text, _ := b.Text(ctx)
		if enrol {
			if !strings.Contains(text, "Set up a second sign-in step") || strings.Contains(text, "Allow") {
				t.Fatalf("mode required did not ask for enrolment before consent:\n%s", text)
			}
			got, err := chromedp.Run(b.Context(), chromedp.Evaluate[string](`document.getElementById("secret").innerText`))
			must(err)
			secret = got
			must(b.Fill(ctx, "Authentication code", totpAt(t, secret, time.Now())))
			must(b.Click(ctx, "Verify and turn on"))
			waitText(ctx, t, b, "Save your recovery codes")
			must(b.Click(ctx, "Continue"))
		} else {
			if !strings.Contains(text, "Verify it's you") {
				t.Fatalf("the second login did not ask for a code:\n%s", text)
			}
			must(b.Fill(ctx, "Authentication code", totpAt(t, secret, time.Now().Add(30*time.Second))))
			must(b.Click(ctx, "Verify"))
		}
		must(b.Click(ctx, browsertest.ButtonAllow))
		out, err := wait()
		if err != nil || !strings.Contains(out, "Successfully logged into Start URL") {
			t.Fatalf("aws sso login %d: %v\n%s\nserver log:\n%s", i+1, err, out, tail(srv.Logs(), 4000))
		}
	}
	if roles := portalRoles(ctx, t, home, env); !strings.Contains(roles, `"roleName": "ReadOnly"`) {
		t.Errorf("the portal does not list dana's role:\n%s", roles)
	}
}
