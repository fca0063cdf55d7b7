package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian installs chromium (apt-get install chromium).
const ChromiumPath = "/usr/bin/chromium"

// Browser is one headless chromium with one tab. Its methods are not safe
// for concurrent use: they drive the same tab.
type Browser struct {
	tb     testing.TB
	ctx    context.Context // the tab's chromedp context
	cancel context.CancelFunc
}

// Option changes how New launches the browser.
type Option func(*config)

type config struct {
	width, height int
	path          string
}

// WindowSize sets the size of the window, and so of the viewport the pages
// are laid out in; the default is 1280x800.
func WindowSize(width, height int) Option {
	return func(c *config) { c.width, c.height = width, height }
}

// ExecPath runs another chromium binary than ChromiumPath (or $CHROMIUM).
func ExecPath(path string) Option {
	return func(c *config) { c.path = path }
}

// New launches a headless chromium with a fresh profile in a temporary
// directory and closes it when tb ends. It fails tb (never skips it) when
// chromium is missing or does not start. The binary is $CHROMIUM when set,
// else /usr/bin/chromium.
func New(tb testing.TB, opts ...Option) *Browser {
	tb.Helper()
	c := config{width: 1280, height: 800, path: os.Getenv("CHROMIUM")}
	if c.path == "" {
		c.path = ChromiumPath
	}
	for _, o := range opts {
		o(&c)
	}
	if _, err := exec.LookPath(c.path); err != nil {
		tb.Fatalf("browsertest: chromium is needed for this test and was not found at %s (%v); install it with: apt-get install -y chromium", c.path, err)
	}
	profile := tb.TempDir()
	allocOpts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(c.path),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(c.width, c.height),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	ctx, cancel := chromedp.NewContext(actx)
	b := &Browser{tb: tb, ctx: ctx, cancel: func() { cancel(); acancel() }}
	tb.Cleanup(b.cancel)

	// Start the browser now, on the tab's own context: the first action on
	// a chromedp context launches the process, and a shorter-lived context
	// there would take the browser down with it.
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		tb.Fatalf("browsertest: starting %s: %v", c.path, err)
	}
	tb.Logf("browsertest: chromium started in %v", time.Since(start).Round(time.Millisecond))
	return b
}

// Context returns the tab's chromedp context, for raw chromedp actions. Do
// not cancel it; Browser closes it at the end of the test.
func (b *Browser) Context() context.Context { return b.ctx }

// with runs f on the tab, bounded by ctx's deadline and cancellation.
func (b *Browser) with(ctx context.Context, f func(tab context.Context) error) error {
	tab, cancel := context.WithCancel(b.ctx)
	defer cancel()
	if d, ok := ctx.Deadline(); ok {
		var c2 context.CancelFunc
		tab, c2 = context.WithDeadline(tab, d)
		defer c2()
	}
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	return f(tab)
}

// SetViewport lays pages out at width x height CSS pixels, as a phone
// (mobile true: touch, mobile viewport rules) or a desktop window. The
// window size of New cannot go below the browser's minimum width; this
// can.
func (b *Browser) SetViewport(ctx context.Context, width, height int, mobile bool) error {
	var opts []chromedp.EmulateViewportOption
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	return b.with(ctx, func(tab context.Context) error {
		return chromedp.Do(tab, chromedp.EmulateViewport(int64(width), int64(height), opts...))
	})
}

// Navigate opens url and waits until it has loaded.
func (b *Browser) Navigate(ctx context.Context, url string) error {
	return b.with(ctx, func(tab context.Context) error {
		return chromedp.Do(tab, chromedp.Navigate(url))
	})
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}

// The lookups run in the page, through DevTools (which a page's
// Content-Security-Policy does not restrict). norm collapses white space
// the way a reader does.
const jsNorm = `const norm = s => (s || "").replace(/\s+/g, " ").trim();`

// clickable finds the first button or link whose visible text is text.
func clickable(text string) chromedp.JSPath {
	return chromedp.JSPath(`(() => { ` + jsNorm + ` const want = ` + jsString(text) + `;
	for (const el of document.querySelectorAll('button, input[type=submit], input[type=button], a[href], [role=button]')) {
		const t = el.tagName === "INPUT" ? el.value : el.innerText;
		if (norm(t) === want) return el;
	}
	return null; })()`)
}

// labelled finds the form field whose label (or aria-label) is label.
func labelled(label string) chromedp.JSPath {
	return chromedp.JSPath(`(() => { ` + jsNorm + ` const want = ` + jsString(label) + `;
	for (const l of document.querySelectorAll("label")) {
		if (norm(l.innerText) === want && l.control) return l.control;
	}
	for (const el of document.querySelectorAll("input, textarea, select")) {
		if (norm(el.getAttribute("aria-label")) === want) return el;
	}
	return null; })()`)
}

// Click clicks the button or link whose visible text is text (white space
// collapsed), waiting for it to appear, and then waits for the page the
// click loads. Every button of a page without JavaScript loads one.
func (b *Browser) Click(ctx context.Context, text string) error {
	return b.with(ctx, func(tab context.Context) error {
		if _, err := chromedp.RunResponse(tab, chromedp.Click(clickable(text))); err != nil {
			return fmt.Errorf("clicking %q: %w", text, err)
		}
		return nil
	})
}

// Fill types value into the field labelled label, replacing what it held.
func (b *Browser) Fill(ctx context.Context, label, value string) error {
	return b.with(ctx, func(tab context.Context) error {
		sel := labelled(label)
		if err := chromedp.Do(tab, chromedp.Clear(sel), chromedp.SendKeys(sel, value)); err != nil {
			return fmt.Errorf("filling %q: %w", label, err)
		}
		return nil
	})
}

// Value returns what the field labelled label holds.
func (b *Browser) Value(ctx context.Context, label string) (string, error) {
	var v string
	err := b.with(ctx, func(tab context.Context) (err error) {
		v, err = chromedp.Run(tab, chromedp.Value(labelled(label)))
		return err
	})
	return v, err
}

// HasButton reports, without waiting, whether the page has a button or
// link with visible text text.
func (b *Browser) HasButton(ctx context.Context, text string) (bool, error) {
	return b.exists(ctx, string(clickable(text)))
}

// HasField reports, without waiting, whether the page has a field labelled
// label.
func (b *Browser) HasField(ctx context.Context, label string) (bool, error) {
	return b.exists(ctx, string(labelled(label)))
}

func (b *Browser) exists(ctx context.Context, expr string) (bool, error) {
	var ok bool
	err := b.with(ctx, func(tab context.Context) (err error) {
		ok, err = chromedp.Run(tab, chromedp.Evaluate[bool](`!!(`+expr+`)`))
		return err
	})
	return ok, err
}

// Text returns the visible text of the page (document.body.innerText).
func (b *Browser) Text(ctx context.Context) (string, error) {
	var s string
	err := b.with(ctx, func(tab context.Context) (err error) {
		s, err = chromedp.Run(tab, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		return err
	})
	return s, err
}

// Alert returns the text of the page's role="alert" element, or "".
func (b *Browser) Alert(ctx context.Context) (string, error) {
	var s string
	err := b.with(ctx, func(tab context.Context) (err error) {
		s, err = chromedp.Run(tab, chromedp.Evaluate[string](
			`(() => { const a = document.querySelector('[role=alert]'); return a ? a.innerText.trim() : ""; })()`))
		return err
	})
	return s, err
}

// URL returns the address of the current page.
func (b *Browser) URL(ctx context.Context) (string, error) {
	var s string
	err := b.with(ctx, func(tab context.Context) (err error) {
		s, err = chromedp.Run(tab, chromedp.Location())
		return err
	})
	return s, err
}

// Screenshot writes a PNG of the whole page (beyond the viewport) to path,
// creating its directory. With url != "" it first opens url; with url ==
// "" it shoots the current page.
func (b *Browser) Screenshot(ctx context.Context, url, path string) error {
	if url != "" {
		if err := b.Navigate(ctx, url); err != nil {
			return err
		}
	}
	var png []byte
	err := b.with(ctx, func(tab context.Context) (err error) {
		png, err = chromedp.Run(tab, chromedp.FullScreenshot(100))
		return err
	})
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

// Labels of the verification pages (internal/web), which ApproveDevice and
// DenyDevice go by, as a person would.
const (
	LabelCode     = "Code"
	LabelUsername = "Username"
	LabelPassword = "Password"
	ButtonNext    = "Continue"
	ButtonSignIn  = "Sign in"
	ButtonAllow   = "Allow"
	ButtonDeny    = "Deny"
)

// ApproveDevice approves a device authorization the way a person does:
// open verificationURIComplete, click Continue, sign in as username if
// asked, click Allow. It returns the text of the last page. A page that
// shows an error (role="alert") instead of the next step ends it with that
// error.
func (b *Browser) ApproveDevice(ctx context.Context, verificationURIComplete, username, password string) (finalPageText string, err error) {
	return b.decideDevice(ctx, verificationURIComplete, username, password, ButtonAllow)
}

// DenyDevice is ApproveDevice with Deny.
func (b *Browser) DenyDevice(ctx context.Context, verificationURIComplete, username, password string) (finalPageText string, err error) {
	return b.decideDevice(ctx, verificationURIComplete, username, password, ButtonDeny)
}

func (b *Browser) decideDevice(ctx context.Context, uri, username, password, button string) (string, error) {
	if err := b.Navigate(ctx, uri); err != nil {
		return "", err
	}
	if err := b.step(ctx, ButtonNext); err != nil {
		return "", err
	}
	if asked, err := b.HasField(ctx, LabelUsername); err != nil {
		return "", err
	} else if asked {
		if err := b.SignIn(ctx, username, password); err != nil {
			return "", err
		}
	}
	if err := b.step(ctx, button); err != nil {
		return "", err
	}
	return b.Text(ctx)
}

// SignIn fills the sign-in form of the current page and submits it.
func (b *Browser) SignIn(ctx context.Context, username, password string) error {
	if err := b.Fill(ctx, LabelUsername, username); err != nil {
		return err
	}
	if err := b.Fill(ctx, LabelPassword, password); err != nil {
		return err
	}
	return b.step(ctx, ButtonSignIn)
}

// step clicks button, then fails with the page's alert if it shows one.
func (b *Browser) step(ctx context.Context, button string) error {
	has, err := b.HasButton(ctx, button)
	if err != nil {
		return err
	}
	if !has {
		text, _ := b.Text(ctx)
		u, _ := b.URL(ctx)
		return fmt.Errorf("no %q button on %s; the page says: %s", button, u, oneLine(text))
	}
	if err := b.Click(ctx, button); err != nil {
		return err
	}
	alert, err := b.Alert(ctx)
	if err != nil {
		return err
	}
	if alert != "" {
		return errors.New("after " + button + ", the page says: " + alert)
	}
	return nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
