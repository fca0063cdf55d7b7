package login

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/oauth2"

	"github.com/ssooidc/ssooidc"
	"github.com/ssooidc/ssooidc/portal"
)

// Options configure a Client. The zero value is usable.
type Options struct {
	// CacheDir holds the token and registration files; default
	// DefaultCacheDir() ($SSOOIDC_CACHE_DIR, else ~/.aws/sso/cache).
	CacheDir string
	// CredentialsCacheDir holds cached role credentials; default
	// DefaultCredentialsCacheDir() ($SSOOIDC_CREDENTIALS_CACHE_DIR, else
	// ~/.aws/cli/cache).
	CredentialsCacheDir string

	// Endpoint is the SSO OIDC endpoint URL. Empty means what the SDKs
	// resolve: AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL, the profile's
	// [services] section or endpoint_url, else AWS's for the sso_region.
	Endpoint string
	// PortalEndpoint is the SSO portal endpoint URL, resolved likewise
	// (AWS_ENDPOINT_URL_SSO, ...) when empty.
	PortalEndpoint string
	// EndpointSource names Endpoint and PortalEndpoint in messages, such as
	// "--endpoint"; default "login.Options.Endpoint".
	EndpointSource string
	// ClientOptions are applied to the ssooidc and portal clients (HTTP
	// client, timeouts, logger, ...).
	ClientOptions []func(*ssooidc.Options)

	// Flow chooses how Login signs in; FlowAuto by default.
	Flow Flow
	// NoBrowser never opens a browser; the person opens the printed URL.
	// With FlowAuto it also means the device flow, the one flow that can
	// be finished on another device.
	NoBrowser bool
	// Browser opens the login page; default SystemBrowser.
	Browser Browser
	// Prompter shows the URL, the code and the time left; default a
	// TerminalPrompter on standard error.
	Prompter Prompter
	// Environment decides when the machine is headless; nil means
	// DetectEnvironment().
	Environment *Environment
	// ClientName names the client registration; default
	// "ssooidc-client-<sso-session name>" (or a timestamp for a legacy
	// profile, as the AWS CLI does).
	ClientName string
	// LoginTimeout bounds the wait for the browser in the PKCE flow
	// (default 10 minutes, the AWS CLI's); the device flow waits until its
	// code expires.
	LoginTimeout time.Duration

	// AutoLogin lets Token (and so TokenSource and role credentials) run
	// Login when there is no usable token, for interactive programs. Other
	// processes wait for that login instead of starting their own.
	AutoLogin bool
	// OnWait is called when a call waits for another process that holds
	// the session's lock, with a description of the holder ("login by
	// process 1234").
	OnWait func(holder string)

	// Logger receives warnings (a failed refresh whose old token is still
	// good); nil means none.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Client signs a Session in and keeps its token fresh, sharing the AWS
// CLI's caches. It is safe for concurrent use, and several processes may
// use the same session at once: logins and refreshes are serialized by a
// lock file next to the token.
type Client struct {
	sess  Session
	opts  Options
	cache *Cache
	env   Environment
	log   *slog.Logger

	mu            sync.Mutex
	oidc          map[string]*ssooidc.Client // by region
	portal        map[string]*portal.Client
	portalSources map[string]string // by region: set when the portal's endpoint is the SSO OIDC one
}

// New returns a client of the session s (see Config.Profile,
// Config.SSOSession). A session known only by its name (no start URL or
// region) takes them from its cached token.
func New(s *Session, optFns ...func(*Options)) *Client {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.CacheDir == "" {
		o.CacheDir = DefaultCacheDir()
	}
	if o.CredentialsCacheDir == "" {
		o.CredentialsCacheDir = DefaultCredentialsCacheDir()
	}
	if o.LoginTimeout == 0 {
		o.LoginTimeout = 10 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &Client{sess: *s, opts: o, cache: &Cache{Dir: o.CacheDir}, log: o.Logger,
		oidc: map[string]*ssooidc.Client{}, portal: map[string]*portal.Client{}, portalSources: map[string]string{}}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if o.Environment != nil {
		c.env = *o.Environment
	} else {
		c.env = DetectEnvironment()
	}
	c.sess.Scopes = append([]string(nil), s.Scopes...)
	return c
}

// NewFromProfile reads the AWS config file and returns a client of the
// profile's session; an empty name means AWS_PROFILE, else "default".
func NewFromProfile(profile string, optFns ...func(*Options)) (*Client, error) {
	cfg, err := LoadConfig("")
	if err != nil {
		return nil, err
	}
	s, err := cfg.Profile(profile)
	if err != nil {
		return nil, err
	}
	return New(s, optFns...), nil
}

// Session returns the client's session.
func (c *Client) Session() Session { return c.sess }

// Cache returns the token cache the client uses.
func (c *Client) Cache() *Cache { return c.cache }

func (c *Client) now() time.Time { return c.opts.Now() }

// ErrLoginRequired matches (errors.Is) every LoginRequiredError.
var ErrLoginRequired = errors.New("login required")

// LoginRequiredError says that the session has no usable token and the
// person must sign in; its message names the command that does it.
type LoginRequiredError struct {
	Session Session
	// Reason is what is wrong: "no cached token", "the token expired at ...".
	Reason string
	// Err is the error behind it, if any (such as the refresh's).
	Err error
}

func (e *LoginRequiredError) Error() string {
	msg := fmt.Sprintf("%s: %s", e.Session.String(), e.Reason)
	if e.Err != nil {
		msg += " (" + e.Err.Error() + ")"
	}
	return msg + "; run: " + e.Session.LoginCommand()
}

// Is makes errors.Is(err, ErrLoginRequired) true.
func (e *LoginRequiredError) Is(target error) bool { return target == ErrLoginRequired }

// Unwrap returns Err.
func (e *LoginRequiredError) Unwrap() error { return e.Err }

func (c *Client) loginRequired(reason string, err error) error {
	return &LoginRequiredError{Session: c.sess, Reason: reason, Err: err}
}

// CachedToken returns the cached token as it is, without refreshing it,
// or an error matching fs.ErrNotExist if there is none.
func (c *Client) CachedToken() (*Token, error) {
	return c.cache.LoadToken(c.sess.CacheKey())
}

// Token returns a usable access token of the session, refreshed first when
// less than AdvisoryRefresh is left, as botocore does. Concurrent callers,
// in this process or others, share one refresh: the first takes the lock
// and refreshes; the others wait, then read what it wrote. A refresh
// response without a refresh token keeps the old one. If the refresh
// fails while the old token is still valid, the old token is returned (and
// the failure logged), as botocore does. Without a usable token, Token
// returns a *LoginRequiredError, or logs in if Options.AutoLogin is set.
func (c *Client) Token(ctx context.Context) (*Token, error) {
	key := c.sess.CacheKey()
	before, err := c.cache.LoadToken(key)
	if err == nil && !before.needsRefresh(c.now(), AdvisoryRefresh) {
		return before, nil
	}
	if err != nil {
		before = nil
	}
	unlock, err := c.cache.Lock(ctx, key, "refresh", c.opts.OnWait)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return c.tokenLocked(ctx, before)
}

// tokenLocked is Token under the session's lock; before is what was read
// before taking it.
func (c *Client) tokenLocked(ctx context.Context, before *Token) (*Token, error) {
	now := c.now()
	t, err := c.cache.LoadToken(c.sess.CacheKey())
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, errInvalidToken) {
			return nil, err
		}
		t = nil
	}
	if t != nil && !t.needsRefresh(now, AdvisoryRefresh) {
		return t, nil
	}
	// Another process renewed the token while this one waited: use it
	// unless it is itself about to expire (short-lived tokens).
	if t != nil && (before == nil || t.AccessToken != before.AccessToken) && !t.needsRefresh(now, MandatoryRefresh) {
		return t, nil
	}
	if t != nil && t.Refreshable(now) {
		nt, rerr := c.refresh(ctx, t)
		if rerr == nil {
			return nt, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		ended := sessionEnded(rerr)
		if ended {
			t = c.forgetRefreshToken(t)
		}
		if t.Valid(c.now()) {
			c.log.Warn("refreshing the SSO token failed; using the cached token until it expires",
				slog.String("session", c.sess.String()), slog.Time("expires", t.ExpiresAt), slog.String("error", rerr.Error()))
			return t, nil
		}
		if ended {
			if c.opts.AutoLogin {
				return c.loginLocked(ctx)
			}
			return nil, c.loginRequired("the session has ended and cannot be refreshed", rerr)
		}
		return nil, fmt.Errorf("%s: refreshing the token failed: %w (if this persists, run: %s)", c.sess.String(), rerr, c.sess.LoginCommand())
	}
	if t.Valid(now) {
		return t, nil
	}
	if c.opts.AutoLogin {
		return c.loginLocked(ctx)
	}
	switch {
	case t == nil:
		return nil, c.loginRequired("not signed in (no cached token)", nil)
	case t.RefreshToken == "":
		return nil, c.loginRequired("the token expired at "+formatTime(t.ExpiresAt)+" and cannot be refreshed", nil)
	default:
		return nil, c.loginRequired("the token expired at "+formatTime(t.ExpiresAt)+" and its client registration expired at "+formatTime(t.RegistrationExpiresAt), nil)
	}
}

// sessionEnded reports whether a refresh failed for good: the server
// refused the refresh token or the client registration (the session ended,
// was revoked, or the registration expired), as opposed to a failure to
// reach it.
func sessionEnded(err error) bool {
	var ig *ssooidc.InvalidGrantException
	var ic *ssooidc.InvalidClientException
	var ex *ssooidc.ExpiredTokenException
	return errors.As(err, &ig) || errors.As(err, &ic) || errors.As(err, &ex)
}

// forgetRefreshToken removes a refresh token that the server refused from
// the cache file, so that `status` (and every tool) stops calling the
// session refreshable; the file is rewritten only if it still holds that
// refresh token (another tool may have refreshed it meanwhile). It returns
// the token as it is now.
func (c *Client) forgetRefreshToken(t *Token) *Token {
	key := c.sess.CacheKey()
	cur, err := c.cache.LoadToken(key)
	if err != nil || cur.RefreshToken != t.RefreshToken {
		return t
	}
	cur.RefreshToken = ""
	if err := c.cache.StoreToken(key, cur); err != nil {
		c.log.Warn("could not update the token cache", slog.String("error", err.Error()))
		return t
	}
	return cur
}

// refresh renews t with its refresh token and stores the result.
func (c *Client) refresh(ctx context.Context, t *Token) (*Token, error) {
	oc, err := c.oidcClient(ctx, c.region(t))
	if err != nil {
		return nil, err
	}
	out, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientID: t.ClientID, ClientSecret: t.ClientSecret,
		GrantType: ssooidc.GrantTypeRefreshToken, RefreshToken: t.RefreshToken,
	})
	if err != nil {
		return nil, c.explain(oc, err)
	}
	nt := *t
	nt.extra = append([]field(nil), t.extra...)
	nt.AccessToken = out.AccessToken
	nt.ExpiresAt = c.now().Add(time.Duration(out.ExpiresIn) * time.Second)
	// aws-sdk-go-v2 drops the refresh token when a response has none
	// (WIRE.md 6.4); the old one is still the session's.
	if out.RefreshToken != "" {
		nt.RefreshToken = out.RefreshToken
	}
	if err := c.cache.StoreToken(c.sess.CacheKey(), &nt); err != nil {
		return nil, fmt.Errorf("writing the refreshed token: %w", err)
	}
	return &nt, nil
}

// region is the session's sso_region, else the cached token's.
func (c *Client) region(t *Token) string {
	if c.sess.Region != "" || t == nil {
		return c.sess.Region
	}
	return t.Region
}

// clientOptions are the options of both API clients for region.
func (c *Client) clientOptions(region, endpoint string) []func(*ssooidc.Options) {
	opts := []func(*ssooidc.Options){
		ssooidc.WithRegion(region),
		// Nothing here is signed; anonymous credentials also keep the
		// SDK from resolving the profile's own (SSO) credentials.
		ssooidc.WithAnonymousCredentials(),
	}
	if c.sess.Profile != "" {
		opts = append(opts, ssooidc.WithProfile(c.sess.Profile))
	}
	if endpoint != "" {
		opts = append(opts, ssooidc.WithEndpoint(endpoint))
	}
	return append(opts, c.opts.ClientOptions...)
}

func (c *Client) oidcClient(ctx context.Context, region string) (*ssooidc.Client, error) {
	if region == "" {
		return nil, &ConfigError{Msg: c.sess.String() + " has no sso_region"}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if oc := c.oidc[region]; oc != nil {
		return oc, nil
	}
	oc, err := ssooidc.New(ctx, c.clientOptions(region, c.opts.Endpoint)...)
	if err != nil {
		return nil, err
	}
	c.oidc[region] = oc
	return oc, nil
}

// portalClient is the portal client of region. Without a portal endpoint
// of its own (PortalEndpoint, AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL, the
// profile's settings), the portal is where a configured SSO OIDC endpoint
// is: one ssooidc server serves both APIs, and a person who set only
// AWS_ENDPOINT_URL_SSO_OIDC means that server, not AWS's portal.
func (c *Client) portalClient(ctx context.Context, region string) (*portal.Client, error) {
	if region == "" {
		return nil, &ConfigError{Msg: c.sess.String() + " has no sso_region"}
	}
	c.mu.Lock()
	pc := c.portal[region]
	c.mu.Unlock()
	if pc != nil {
		return pc, nil
	}
	pc, err := portal.New(ctx, c.clientOptions(region, c.opts.PortalEndpoint)...)
	if err != nil {
		return nil, err
	}
	if c.opts.PortalEndpoint == "" && !pc.EndpointConfigured() {
		oc, err := c.oidcClient(ctx, region)
		if err != nil {
			return nil, err
		}
		if u, err := oc.Endpoint(); err == nil && oc.EndpointConfigured() {
			source := "the SSO OIDC endpoint's " + oc.EndpointSource()
			if pc, err = portal.New(ctx, c.clientOptions(region, u.String())...); err != nil {
				return nil, err
			}
			c.log.Debug("the portal endpoint defaults to the SSO OIDC endpoint", slog.String("url", u.String()), slog.String("source", source))
			c.mu.Lock()
			c.portalSources[region] = source
			c.mu.Unlock()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.portal[region]; prev != nil {
		return prev, nil
	}
	c.portal[region] = pc
	return pc, nil
}

// portalEndpoint describes the portal client's endpoint for messages,
// naming the SSO OIDC endpoint when the portal's came from it.
type portalEndpoint struct {
	*portal.Client
	source string
}

func (p portalEndpoint) EndpointSource() string {
	if p.source != "" {
		return p.source
	}
	return p.Client.EndpointSource()
}

func (p portalEndpoint) EndpointConfigured() bool {
	return p.source != "" || p.Client.EndpointConfigured()
}

// explainPortal is explain for a call of the portal client pc.
func (c *Client) explainPortal(pc *portal.Client, region string, err error) error {
	c.mu.Lock()
	src := c.portalSources[region]
	c.mu.Unlock()
	return c.explain(portalEndpoint{pc, src}, err)
}

// TokenSource returns an oauth2.TokenSource of the session's access token,
// renewed through Token (and so shared with other processes and the AWS
// tools); requests use ctx. With Options.AutoLogin it signs in when
// needed: the SSO login from a Go program of aws-sdk-go-v2 #1222.
func (c *Client) TokenSource(ctx context.Context) oauth2.TokenSource {
	return &tokenSource{ctx: ctx, c: c}
}

type tokenSource struct {
	ctx context.Context
	c   *Client

	mu  sync.Mutex
	cur *Token
}

func (s *tokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil || s.cur.needsRefresh(s.c.now(), AdvisoryRefresh) {
		t, err := s.c.Token(s.ctx)
		if err != nil {
			return nil, err
		}
		s.cur = t
	}
	return s.cur.OAuth2(), nil
}

// PortalLogoutError is returned by Logout when the cached files were
// removed but the portal's Logout call failed, so the session may still
// be valid at the server until it expires.
type PortalLogoutError struct{ Err error }

func (e *PortalLogoutError) Error() string {
	return "signed out here, but the server's logout failed: " + e.Err.Error()
}

// Unwrap returns Err.
func (e *PortalLogoutError) Unwrap() error { return e.Err }

// Logout ends the session as `aws sso logout` does: the portal's Logout
// with the cached access token (an answer that the token is no longer
// valid is fine), then the token file is removed. The client registration
// stays cached. Remove cached role credentials with
// RemoveRoleCredentials.
func (c *Client) Logout(ctx context.Context) error {
	key := c.sess.CacheKey()
	unlock, err := c.cache.Lock(ctx, key, "logout", c.opts.OnWait)
	if err != nil {
		return err
	}
	defer unlock()
	t, err := c.cache.LoadToken(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var perr error
	if t != nil && t.Valid(c.now()) {
		perr = c.portalLogout(ctx, t)
	}
	if err := c.cache.RemoveToken(key); err != nil {
		return err
	}
	if perr != nil {
		return &PortalLogoutError{Err: perr}
	}
	return nil
}

func (c *Client) portalLogout(ctx context.Context, t *Token) error {
	pc, err := c.portalClient(ctx, c.region(t))
	if err != nil {
		return err
	}
	_, err = pc.Logout(ctx, &portal.LogoutInput{AccessToken: t.AccessToken})
	var se portal.ServiceError
	if errors.As(err, &se) && se.Info().StatusCode < 500 {
		// The token is unknown or expired at the server: nothing to end
		// (the AWS CLI ignores every client error here).
		return nil
	}
	return c.explainPortal(pc, c.region(t), err)
}

// LogoutToken is Logout for a token file found in a cache (see
// Cache.Tokens) whatever session it belongs to, as `aws sso logout`
// treats every cached token: the portal's Logout in the token's region
// (with opts' endpoints and client options), then the file is removed.
func LogoutToken(ctx context.Context, t *Token, optFns ...func(*Options)) error {
	c := New(&Session{StartURL: t.StartURL, Region: t.Region}, optFns...)
	var perr error
	if t.Valid(c.now()) && t.Region != "" {
		perr = c.portalLogout(ctx, t)
	}
	if err := os.Remove(t.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if perr != nil {
		return &PortalLogoutError{Err: perr}
	}
	return nil
}

// CredentialsProvider returns an aws.CredentialsProvider of the role
// (sso_account_id, sso_role_name) through the portal, with the AWS CLI's
// role-credential cache; wrap it in aws.NewCredentialsCache.
func (c *Client) CredentialsProvider(accountID, roleName string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		return c.RoleCredentials(ctx, accountID, roleName)
	})
}

func clientName(s *Session, now time.Time) string {
	if s.Name != "" {
		return "ssooidc-client-" + s.Name
	}
	return "ssooidc-client-" + strconv.FormatInt(now.Unix(), 10)
}
