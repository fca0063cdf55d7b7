package login

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ssooidc/ssooidc"
)

// RedirectURI is the redirect URI the authorization-code flow registers,
// without a port: the server accepts any port on a loopback redirect (RFC
// 8252 section 7.3), as the AWS CLI relies on (WIRE.md 5.2).
const RedirectURI = "http://127.0.0.1/oauth/callback"

// ErrLoginTimeout is returned when the person did not finish signing in in
// time.
var ErrLoginTimeout = errors.New("the sign-in was not completed in time")

// ErrAccessDenied is returned when the person (or the server) denied the
// sign-in.
var ErrAccessDenied = errors.New("the sign-in was denied")

// Login signs the session in, whatever is cached (as `aws sso login`
// does), and caches the token where the AWS tools find it. Only one login
// of a session runs at a time on the machine: a second Login waits for the
// first and, if that one succeeded, returns its token instead of opening
// another browser tab.
func (c *Client) Login(ctx context.Context) (*Token, error) {
	key := c.sess.CacheKey()
	before, _ := c.cache.LoadToken(key)
	waited := false
	unlock, err := c.cache.Lock(ctx, key, "login", func(holder string) {
		waited = true
		if c.opts.OnWait != nil {
			c.opts.OnWait(holder)
		}
	})
	if err != nil {
		return nil, err
	}
	defer unlock()
	if waited {
		after, err := c.cache.LoadToken(key)
		if err == nil && (before == nil || after.AccessToken != before.AccessToken) && !after.needsRefresh(c.now(), AdvisoryRefresh) {
			return after, nil
		}
	}
	return c.loginLocked(ctx)
}

// chooseFlow picks the flow, and says why when it is the device flow for
// a session that could have used PKCE.
func (c *Client) chooseFlow() (Flow, string) {
	switch {
	case c.opts.Flow == FlowPKCE || c.opts.Flow == FlowDevice:
		return c.opts.Flow, ""
	case c.sess.Name == "":
		// The AWS CLI uses PKCE only for sso-session configurations.
		return FlowDevice, ""
	case c.opts.NoBrowser:
		return FlowDevice, "no browser here; finish on any device"
	case c.env.Headless:
		return FlowDevice, c.env.Reason
	}
	return FlowPKCE, ""
}

func (c *Client) loginLocked(ctx context.Context) (*Token, error) {
	s := &c.sess
	if s.StartURL == "" || s.Region == "" {
		if t, err := c.CachedToken(); err == nil && s.StartURL == "" && s.Region == "" {
			s.StartURL, s.Region = t.StartURL, t.Region
		}
		if s.StartURL == "" || s.Region == "" {
			return nil, &ConfigError{Msg: fmt.Sprintf("%s has no sso_start_url or sso_region to sign in with; configure it in %s", s.String(), ConfigPath())}
		}
	}
	oc, err := c.oidcClient(ctx, s.Region)
	if err != nil {
		return nil, err
	}
	flow, reason := c.chooseFlow()
	reg, err := c.registration(ctx, oc, flow)
	if err != nil {
		return nil, fmt.Errorf("registering the client: %w", err)
	}
	var out *ssooidc.CreateTokenOutput
	if flow == FlowPKCE {
		out, err = c.pkce(ctx, oc, reg)
	} else {
		out, err = c.device(ctx, oc, reg, reason)
	}
	if err != nil {
		return nil, err
	}
	t := &Token{
		StartURL:              s.StartURL,
		Region:                s.Region,
		AccessToken:           out.AccessToken,
		ExpiresAt:             c.now().Add(time.Duration(out.ExpiresIn) * time.Second),
		ClientID:              reg.ClientID,
		ClientSecret:          reg.ClientSecret,
		RegistrationExpiresAt: reg.ExpiresAt,
		RefreshToken:          out.RefreshToken,
	}
	if err := c.cache.StoreToken(s.CacheKey(), t); err != nil {
		return nil, fmt.Errorf("writing the token cache: %w", err)
	}
	return t, nil
}

// registration returns a cached client registration fit for flow, or
// registers a new one (and caches it under the AWS CLI's key) when there is
// none or it expires within RegistrationRenewal.
func (c *Client) registration(ctx context.Context, oc *ssooidc.Client, flow Flow) (*Registration, error) {
	s := &c.sess
	scopes := s.scopes()
	key := RegistrationKey(s.StartURL, s.Region, scopes, s.Name)
	if r, err := c.cache.LoadRegistration(key); err == nil && r.usable(c.now(), flow) {
		return r, nil
	}
	name := c.opts.ClientName
	if name == "" {
		name = clientName(s, c.now())
	}
	in := &ssooidc.RegisterClientInput{ClientName: name, ClientType: ssooidc.ClientTypePublic, Scopes: scopes}
	var grants []string
	if flow == FlowPKCE {
		grants = []string{ssooidc.GrantTypeAuthorizationCode, ssooidc.GrantTypeRefreshToken}
		in.GrantTypes = grants
		in.RedirectURIs = []string{RedirectURI}
		in.IssuerURL = s.StartURL
	}
	out, err := oc.RegisterClient(ctx, in)
	if err != nil {
		return nil, c.explain(oc, err)
	}
	r := &Registration{ClientID: out.ClientID, ClientSecret: out.ClientSecret,
		ExpiresAt: time.Unix(out.ClientSecretExpiresAt, 0).UTC(), Scopes: scopes, GrantTypes: grants}
	if err := c.cache.StoreRegistration(key, r); err != nil {
		return nil, fmt.Errorf("writing the registration cache: %w", err)
	}
	return r, nil
}

// openBrowser opens url unless told not to; it reports whether it did.
func (c *Client) openBrowser(ctx context.Context, url string) bool {
	if c.opts.NoBrowser {
		return false
	}
	b := c.opts.Browser
	if b == nil {
		b = SystemBrowser{Env: c.env}
	}
	if err := b.Open(ctx, url); err != nil {
		if !errors.Is(err, ErrNoBrowser) {
			c.log.Warn("could not open a browser", slog.String("error", err.Error()))
		}
		return false
	}
	return true
}

// showPrompt runs the prompter until the returned function is called.
func (c *Client) showPrompt(ctx context.Context, p *Prompt) (stop func()) {
	pr := c.opts.Prompter
	if pr == nil {
		pr = NewTerminalPrompter(os.Stderr)
	}
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		pr.Show(pctx, p)
	}()
	return func() { cancel(); <-done }
}

// device runs the device authorization flow (WIRE.md 5.3).
func (c *Client) device(ctx context.Context, oc *ssooidc.Client, reg *Registration, reason string) (*ssooidc.CreateTokenOutput, error) {
	auth, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: c.sess.StartURL,
	})
	if err != nil {
		return nil, fmt.Errorf("starting the device authorization: %w", c.explain(oc, err))
	}
	url := auth.VerificationURIComplete
	if url == "" {
		url = auth.VerificationURI
	}
	exp := auth.Expiry
	if exp.IsZero() {
		exp = c.now().Add(10 * time.Minute)
	}
	p := &Prompt{Session: &c.sess, Flow: FlowDevice, Reason: reason, URL: url, VerificationURI: auth.VerificationURI,
		UserCode: auth.UserCode, ExpiresAt: exp}
	p.BrowserOpened = c.openBrowser(ctx, url)
	stop := c.showPrompt(ctx, p)
	out, err := oc.PollDeviceToken(ctx, &ssooidc.PollDeviceTokenInput{
		ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, Authorization: auth,
	})
	stop()
	var expired *ssooidc.ExpiredTokenException
	var denied *ssooidc.AccessDeniedException
	switch {
	case err == nil:
		return out, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, ssooidc.ErrDeviceCodeExpired) || errors.As(err, &expired):
		return nil, fmt.Errorf("%w: the code %s expired before it was approved; run the login again", ErrLoginTimeout, auth.UserCode)
	case errors.As(err, &denied):
		return nil, fmt.Errorf("%w (code %s)", ErrAccessDenied, auth.UserCode)
	}
	return nil, fmt.Errorf("waiting for approval: %w", c.explain(oc, err))
}

type callbackResult struct {
	code string
	err  error
}

// pkce runs the authorization-code flow with PKCE (WIRE.md 5.2), with the
// callback listener bound to 127.0.0.1 only (the AWS CLI binds every
// interface).
func (c *Client) pkce(ctx context.Context, oc *ssooidc.Client, reg *Registration) (*ssooidc.CreateTokenOutput, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the browser's callback on 127.0.0.1: %w", err)
	}
	redirect := fmt.Sprintf("http://127.0.0.1:%d/oauth/callback", l.Addr().(*net.TCPAddr).Port)
	verifier, state := ssooidc.GenerateVerifier(), ssooidc.NewState()
	authURL, err := oc.AuthorizeURL(&ssooidc.AuthorizeURLInput{
		ClientID: reg.ClientID, RedirectURI: redirect, State: state,
		CodeChallenge: ssooidc.S256Challenge(verifier), Scopes: c.sess.scopes(),
	})
	if err != nil {
		l.Close()
		return nil, err
	}
	results := make(chan callbackResult, 1)
	srv := &http.Server{Handler: callbackHandler(state, results), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	defer srv.Close()

	wctx, cancel := context.WithTimeout(ctx, c.opts.LoginTimeout)
	defer cancel()
	p := &Prompt{Session: &c.sess, Flow: FlowPKCE, URL: authURL, ExpiresAt: c.now().Add(c.opts.LoginTimeout)}
	p.BrowserOpened = c.openBrowser(ctx, authURL)
	stop := c.showPrompt(ctx, p)
	var res callbackResult
	select {
	case res = <-results:
	case <-wctx.Done():
		res.err = wctx.Err()
	}
	stop()
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(res.err, context.DeadlineExceeded):
		return nil, fmt.Errorf("%w: no answer from the browser in %v; run the login again (with --use-device-code if the browser cannot reach 127.0.0.1 on this machine)", ErrLoginTimeout, c.opts.LoginTimeout)
	case res.err != nil:
		return nil, res.err
	}
	out, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: ssooidc.GrantTypeAuthorizationCode,
		Code: res.code, RedirectURI: redirect, CodeVerifier: verifier,
	})
	if err != nil {
		return nil, fmt.Errorf("exchanging the authorization code: %w", c.explain(oc, err))
	}
	return out, nil
}

// callbackHandler answers the browser's redirect to the loopback listener.
// A request whose state is not ours (another tab, a stale redirect, a
// forged request) is refused and the login keeps waiting.
func callbackHandler(state string, results chan<- callbackResult) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/callback" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		if q.Get("state") != state {
			callbackPage(w, http.StatusBadRequest, "This answer is not for the sign-in in progress", "Go back to the terminal and follow the link it shows")
			return
		}
		var res callbackResult
		switch {
		case q.Get("error") != "":
			desc := q.Get("error_description")
			if desc == "" {
				desc = q.Get("error")
			}
			if q.Get("error") == "access_denied" {
				res.err = fmt.Errorf("%w: %s", ErrAccessDenied, desc)
			} else {
				res.err = fmt.Errorf("the sign-in failed: %s", desc)
			}
			callbackPage(w, http.StatusOK, "The sign-in did not complete", desc, "You can close this window and return to the terminal")
		case q.Get("code") != "":
			res.code = q.Get("code")
			callbackPage(w, http.StatusOK, signedInTitle, "You can close this window and return to the terminal")
		default:
			callbackPage(w, http.StatusBadRequest, "No authorization code", "Go back to the terminal and follow the link it shows")
			return
		}
		select {
		case results <- res:
		default: // an answer arrived already
		}
	})
}

// callbackTemplate is the page the browser lands on after the sign-in, in
// the spirit of the AWS CLI's: readable on a phone (viewport), in light
// and dark mode, no script, nothing loaded from elsewhere.
var callbackTemplate = template.Must(template.New("callback").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{{.Title}} - ssooidc</title>
<style>
:root{--bg:#f2f3f3;--card:#fff;--text:#16191f;--muted:#545b64;--accent:{{if .OK}}#1d8102{{else}}#d13212{{end}};--border:#d5dbdb}
@media (prefers-color-scheme:dark){:root{--bg:#0f1b2a;--card:#16202d;--text:#e9ebed;--muted:#a3acb9;--accent:{{if .OK}}#29ad32{{else}}#ff5d64{{end}};--border:#414d5c}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:1rem}
main{background:var(--card);border:1px solid var(--border);border-top:4px solid var(--accent);border-radius:8px;max-width:32rem;width:100%;padding:2rem}
h1{font-size:1.5rem;margin:0 0 .75rem}
p{margin:.5rem 0;color:var(--muted)}
.mark{font-size:2rem;color:var(--accent);line-height:1}
</style>
</head>
<body>
<main>
<div class="mark" aria-hidden="true">{{if .OK}}&#10003;{{else}}&#10007;{{end}}</div>
<h1>{{.Title}}</h1>
{{range .Lines}}<p>{{.}}</p>
{{end}}</main>
</body>
</html>
`))

// callbackPage answers the browser with the page; lines are sentences,
// capitalised and ended here (a server's error_description is lower case
// and may lack the full stop: "the request was denied").
func callbackPage(w http.ResponseWriter, status int, title string, lines ...string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	for i, l := range lines {
		lines[i] = sentence(l)
	}
	_ = callbackTemplate.Execute(w, struct {
		OK    bool
		Title string
		Lines []string
	}{status == http.StatusOK && title == signedInTitle, title, lines})
}

const signedInTitle = "Signed in"

// sentence capitalises the first letter of s and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}
