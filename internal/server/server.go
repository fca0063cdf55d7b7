package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/access"
	"github.com/ssooidc/ssooidc/internal/authcode"
	"github.com/ssooidc/ssooidc/internal/clients"
	"github.com/ssooidc/ssooidc/internal/device"
	"github.com/ssooidc/ssooidc/internal/httpapi"
	"github.com/ssooidc/ssooidc/internal/iamtoken"
	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/keys"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/tokens"
	"github.com/ssooidc/ssooidc/internal/web"
	"github.com/ssooidc/ssooidc/wire"
)

// DefaultStartURL is the start URL a server serves when none is configured.
// It has an AWS-owned host so that AWS CLI 2.35.13 and later do not try to
// resolve it (WIRE.md 5.1); it is never contacted.
const DefaultStartURL = "https://d-1234567890.awsapps.com/start"

// SigningName is the SigV4 service name of CreateTokenWithIAM (WIRE.md 1.1).
const SigningName = "sso-oauth"

// Store is what the server runs on: every store of the domain.
type Store = sso.Store

// Directory is the directory of access declared in the config file. It is
// written to the store at start (created or replaced; nothing is deleted).
type Directory struct {
	Accounts       []sso.Account
	PermissionSets []sso.PermissionSet
	Assignments    []sso.Assignment
}

// Config is what a server is configured with. Zero values take defaults.
type Config struct {
	Addr      string   // listen address; default 127.0.0.1:8080
	PublicURL string   // base of verificationUri; default from Addr
	StartURLs []string // default DefaultStartURL
	Region    string   // default us-east-1
	TLSCert   string
	TLSKey    string

	RegistrationLifetime time.Duration // default 90 days
	SessionLifetime      time.Duration // default 8 hours; 15 minutes to 90 days
	AccessTokenLifetime  time.Duration // default 1 hour
	DeviceCodeLifetime   time.Duration // default 10 minutes
	DeviceInterval       int           // seconds; default 1
	RefreshGrace         time.Duration // default 60 s
	GCInterval           time.Duration // default 5 minutes

	// Issuer makes the portal's role credentials; nil serves no portal.
	Issuer access.Issuer
	// Directory is declared at start.
	Directory Directory
	// TrustedProxies are reverse proxies (load balancers) whose
	// X-Forwarded-For is believed for the client address that throttles
	// count under. Empty: the connection's peer.
	TrustedProxies []netip.Prefix

	// IAM configures CreateTokenWithIAM; with no applications it answers
	// that it is not enabled.
	IAM IAMConfig

	// HashMemory bounds the memory password verifications hold at once, in
	// bytes; default identity.DefaultHashMemory (four argon2id hashes).
	HashMemory int64
	// RegistrationsPerAddress is how many RegisterClient calls one client
	// address may make per 10 minutes; default 30, negative: no limit.
	RegistrationsPerAddress int

	Now func() time.Time
}

func (c *Config) defaults() error {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.PublicURL == "" {
		scheme := "http"
		if c.TLSCert != "" {
			scheme = "https"
		}
		host := c.Addr
		if h, p, err := net.SplitHostPort(c.Addr); err == nil && (h == "" || h == "0.0.0.0" || h == "::") {
			host = net.JoinHostPort("127.0.0.1", p)
		}
		c.PublicURL = scheme + "://" + host
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if len(c.StartURLs) == 0 {
		c.StartURLs = []string{DefaultStartURL}
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.SessionLifetime == 0 {
		c.SessionLifetime = tokens.DefaultSessionTTL
	}
	if c.SessionLifetime < tokens.MinSessionTTL || c.SessionLifetime > tokens.MaxSessionTTL {
		return fmt.Errorf("session lifetime %s is outside 15m to 90 days (2160h)", c.SessionLifetime)
	}
	if c.RefreshGrace == 0 {
		c.RefreshGrace = tokens.DefaultGrace
	}
	if c.GCInterval == 0 {
		c.GCInterval = 5 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	return nil
}

// IAMConfig configures CreateTokenWithIAM and the JWT signing keys.
type IAMConfig struct {
	// Principals are the IAM principals that may sign requests.
	Principals []sigv4.Principal
	// Applications are the OAuth applications, by ARN.
	Applications []iamtoken.Application
	// KeyRotation is how long one signing key signs (default 7 days, at
	// least 1 hour); every node must use the same value.
	KeyRotation time.Duration
	// IdentityStoreID names the directory in ID tokens (default d-0000000000).
	IdentityStoreID string
	// HTTPClient fetches trusted token issuers' keys; nil for a default
	// with a 10 s timeout.
	HTTPClient *http.Client
}

// Server is an assembled service.
type Server struct {
	cfg      Config
	store    sso.Store
	log      *slog.Logger
	handler  http.Handler
	clients  *clients.Service
	devices  *device.Service
	codes    *authcode.Service
	identity *identity.Service
	dir      *access.Directory
}

// New assembles a server over store.
func New(ctx context.Context, store sso.Store, cfg Config, log *slog.Logger) (*Server, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	key, err := store.Secret(ctx, sso.DigestKeyName, sso.RandomKey)
	if err != nil {
		return nil, fmt.Errorf("loading the digest key: %w", err)
	}
	d := sso.NewDigester(key)
	cl := clients.New(store, d, clients.Options{Lifetime: cfg.RegistrationLifetime, Now: cfg.Now,
		Limits: store, PerAddress: cfg.RegistrationsPerAddress})
	minter := tokens.NewMinter(d, cfg.AccessTokenLifetime, cfg.SessionLifetime)
	dev := device.New(store, store, cl, d, minter, device.Options{
		PublicURL: cfg.PublicURL, StartURLs: cfg.StartURLs, ExpiresIn: cfg.DeviceCodeLifetime,
		Interval: cfg.DeviceInterval, Now: cfg.Now, Logger: log,
	})
	refresh := &tokens.RefreshGrant{Store: store, Digester: d, Minter: minter, Grace: cfg.RefreshGrace, Now: cfg.Now, Logger: log}
	signing, err := keys.New(store, keys.Options{Rotation: cfg.IAM.KeyRotation, Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	iam, err := iamtoken.New(iamtoken.Config{
		Applications: cfg.IAM.Applications, Codes: store, Tokens: store, Users: store,
		Digester: d, Minter: minter, Refresh: refresh, Signer: signing,
		Issuer: cfg.PublicURL, AccessTokenLifetime: cfg.AccessTokenLifetime, IdentityStoreID: cfg.IAM.IdentityStoreID,
		HTTPClient: cfg.IAM.HTTPClient, Now: cfg.Now, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("iam: %w", err)
	}
	// /authorize finds applications by ARN, registered clients by id.
	codes := authcode.New(store, store, iam.Clients(cl), d, minter, authcode.Options{Now: cfg.Now, Logger: log, Used: cl.MarkUsed})
	tok := tokens.NewService(cl, map[string]tokens.Grant{
		wire.GrantDeviceCode:        dev,
		wire.GrantAuthorizationCode: codes,
		wire.GrantRefreshToken:      refresh,
	})
	people := identity.New(store, store, store, d, identity.Options{Now: cfg.Now, Logger: log, HashMemory: cfg.HashMemory})
	dir := access.NewDirectory(store)
	if err := declare(ctx, dir, cfg.Directory); err != nil {
		return nil, err
	}
	apiOpts := httpapi.Options{Registrar: cl, Devices: dev, Tokens: tok, Ready: store.Ping, Logger: log,
		Keys: signing, Issuer: cfg.PublicURL, TrustedProxies: cfg.TrustedProxies, RegisterBody: clients.MaxRegisterBody}
	if iam.Enabled() {
		if len(cfg.IAM.Principals) == 0 {
			return nil, errors.New("iam: applications are configured but no principal may sign requests")
		}
		verifier, err := sigv4.New(sigv4.Options{Service: SigningName, Region: cfg.Region, Endpoint: cfg.PublicURL,
			Principals: cfg.IAM.Principals, Now: cfg.Now})
		if err != nil {
			return nil, fmt.Errorf("iam: %w", err)
		}
		apiOpts.SigV4, apiOpts.IAMTokens = verifier, iam
	}
	if cfg.Issuer != nil {
		apiOpts.Portal = access.New(store, store, store, store, d, cfg.Issuer, access.Options{Now: cfg.Now, Logger: log})
	}
	api := httpapi.New(apiOpts)
	pages := web.New(web.Options{Devices: dev, People: people, TrustedProxies: cfg.TrustedProxies, Authorizer: authorizer{codes},
		Logger: log, PublicURL: cfg.PublicURL, Now: cfg.Now})

	mux := http.NewServeMux()
	api.Routes(mux)
	pages.Routes(mux)
	mux.Handle("GET /{$}", http.RedirectHandler("/device", http.StatusFound))
	mux.Handle("/", api.NotFound())

	return &Server{cfg: cfg, store: store, log: log, handler: hsts(mux, cfg), clients: cl, devices: dev, codes: codes, identity: people, dir: dir}, nil
}

// declare writes the configured directory of access.
func declare(ctx context.Context, dir *access.Directory, d Directory) error {
	for _, a := range d.Accounts {
		if err := dir.PutAccount(ctx, a); err != nil {
			return fmt.Errorf("config account %s: %w", a.ID, err)
		}
	}
	for _, p := range d.PermissionSets {
		if err := dir.PutPermissionSet(ctx, p); err != nil {
			return fmt.Errorf("config permission set %s: %w", p.Name, err)
		}
	}
	for _, a := range d.Assignments {
		if err := dir.Assign(ctx, a); err != nil {
			return fmt.Errorf("config assignment %s/%s/%s:%s: %w", a.AccountID, a.PermissionSet, a.PrincipalType, a.Principal, err)
		}
	}
	return nil
}

// Directory returns the directory of access.
func (s *Server) Directory() *access.Directory { return s.dir }

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Identity returns the user directory and sign-in service.
func (s *Server) Identity() *identity.Service { return s.identity }

// Devices returns the device flow service (tests approve through it).
func (s *Server) Devices() *device.Service { return s.devices }

// Config returns the configuration with defaults applied.
func (s *Server) Config() Config { return s.cfg }

// Serve serves on l until ctx is done, then shuts down gracefully: it stops
// accepting, lets requests in flight finish (up to 10 s), and returns.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("loading TLS key pair: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		l = tls.NewListener(l, srv.TLSConfig)
	}
	gcCtx, stopGC := context.WithCancel(ctx)
	defer stopGC()
	go s.collect(gcCtx)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// collect deletes expired records every GCInterval. Device authorizations
// and codes are kept an hour past expiry so a late poll still hears
// "expired" rather than "invalid".
func (s *Server) collect(ctx context.Context) {
	t := time.NewTicker(s.cfg.GCInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := s.store.DeleteExpired(ctx, s.cfg.Now().Add(-time.Hour))
		if err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "collecting expired records", slog.String("error", err.Error()))
		} else if n > 0 {
			s.log.DebugContext(ctx, "collected expired records", slog.Int64("count", n))
		}
	}
}
