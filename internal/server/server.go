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
	"net/url"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/access"
	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/authcode"
	"github.com/ssooidc/ssooidc/internal/awsjson"
	"github.com/ssooidc/ssooidc/internal/clientaddr"
	"github.com/ssooidc/ssooidc/internal/clients"
	"github.com/ssooidc/ssooidc/internal/device"
	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/httpapi"
	"github.com/ssooidc/ssooidc/internal/iamtoken"
	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/identitystore"
	"github.com/ssooidc/ssooidc/internal/keys"
	"github.com/ssooidc/ssooidc/internal/metrics"
	"github.com/ssooidc/ssooidc/internal/mfa"
	"github.com/ssooidc/ssooidc/internal/policy"
	"github.com/ssooidc/ssooidc/internal/scim"
	"github.com/ssooidc/ssooidc/internal/sessions"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/ssoadmin"
	"github.com/ssooidc/ssooidc/internal/tokens"
	"github.com/ssooidc/ssooidc/internal/upstream"
	"github.com/ssooidc/ssooidc/internal/web"
	"github.com/ssooidc/ssooidc/wire"
)

// DefaultStartURL is the start URL a server serves when none is configured.
// It has an AWS-owned host so that AWS CLI 2.35.13 and later do not try to
// resolve it (WIRE.md 5.1); it is never contacted.
const DefaultStartURL = "https://d-1234567890.awsapps.com/start"

// SigV4 signing names: CreateTokenWithIAM (WIRE.md 1.1), the Identity
// Store API and the SSO Admin API.
const (
	SigningName              = "sso-oauth"
	IdentityStoreSigningName = "identitystore"
	SSOAdminSigningName      = "sso"
)

// Store is what the server runs on: every store of the domain.
type Store = sso.Store

// Directory is what the config file declares: users, and the directory of
// access. It is written to the store at start (created or replaced;
// nothing is deleted), users first, so assignments can name them.
type Directory struct {
	Users          []identity.UserSpec
	Accounts       []sso.Account
	PermissionSets []sso.PermissionSet
	Assignments    []AssignmentDecl
}

// AssignmentDecl is an assignment as the config file declares it: by the
// name of a user (who must exist) or of a group (created if missing).
type AssignmentDecl struct {
	AccountID     string
	PermissionSet string
	User          string
	Group         string
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
	// Metrics, when set, counts requests, sign-ins, limit refusals,
	// revocations and live device authorizations; nil measures nothing.
	Metrics *metrics.Metrics
	// MetricsAddr is where /metrics is served (ServeMetrics). Empty: on
	// the main listener, beside the API.
	MetricsAddr string
	// AccessLog writes one info line per request (pages included).
	AccessLog bool

	// AuditRetention is how long audit events are kept; default one year.
	AuditRetention time.Duration
	// NoAudit turns the audit trail off: changes are made without their
	// events. Only the benchmark sets it, to measure what the trail costs
	// (ssooidc bench --cost); the config file has no key for it.
	NoAudit bool

	// AutoApprove, for tests and CI on one machine, names a person as whom
	// every device authorization is approved as it is created and every
	// GET /authorize is answered with a code, with no page and nobody
	// asked (autoapprove.go). The person is created when missing. Serve
	// refuses it on a listener that is not loopback.
	AutoApprove string

	// Upstreams returns the identity providers people may sign in with,
	// given the public URL their redirect URIs and SAML endpoints live
	// under (internal/upstream); nil for none. NoLocalPasswords turns
	// password sign-in off (local_passwords: false).
	Upstreams        func(publicURL string) ([]upstream.Provider, error)
	NoLocalPasswords bool

	// MFA is the policy of second factors (mode, upstream); the zero
	// value is mode optional, upstream trust (mfa.go).
	MFA mfa.Policy

	// JSONServices are the JSON 1.1 APIs served at POST / (the Identity
	// Store and SSO Admin APIs), callable by the IAM principals of IAM
	// whose allow lists permit.
	JSONServices []*awsjson.Service

	// Console configures "Console" on the access portal's page (issue
	// 18); its Region defaults to Region, its Issuer to the portal's URL.
	Console access.ConsoleOptions

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
	if c.AuditRetention == 0 {
		c.AuditRetention = audit.Retention
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.IAM.IdentityStoreID == "" {
		c.IAM.IdentityStoreID = defaultStoreID(c.StartURLs[0])
	}
	if !identitystore.ValidID(c.IAM.IdentityStoreID) {
		return fmt.Errorf("iam.identity_store_id %q is not d- and ten digits or lower-case letters (d-1234567890)", c.IAM.IdentityStoreID)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	return nil
}

// defaultStoreID is the identity store ID of an AWS start URL
// (https://d-1234567890.awsapps.com/start), else d-0000000000.
func defaultStoreID(startURL string) string {
	if u, err := url.Parse(startURL); err == nil {
		if label, _, ok := strings.Cut(u.Hostname(), "."); ok && identitystore.ValidID(label) && strings.HasPrefix(label, "d-") {
			return label
		}
	}
	return "d-0000000000"
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
	// IdentityStoreID is the ID of the one identity store: the Identity
	// Store API answers to it, ID tokens and the SSO Admin API's instance
	// name it. Default: the d- ID of the first start URL when it is an
	// AWS one (https://d-XXXXXXXXXX.awsapps.com/start names its identity
	// store so), else d-0000000000.
	IdentityStoreID string
	// InstanceARN is the SSO Admin API's instance; empty: ssoins- and 16
	// hex digits drawn once and kept in the store.
	InstanceARN string
	// OwnerAccountID is the account of the instance and of the ARNs of
	// applications and trusted token issuers the SSO Admin API makes;
	// empty: the account of the first principal, else 000000000000.
	OwnerAccountID string
	// HTTPClient fetches trusted token issuers' keys; nil for a default
	// with a 10 s timeout.
	HTTPClient *http.Client
}

func (c IAMConfig) ownerAccount() string {
	switch {
	case c.OwnerAccountID != "":
		return c.OwnerAccountID
	case len(c.Principals) > 0 && sso.ValidAccountID(c.Principals[0].Account):
		return c.Principals[0].Account
	}
	return "000000000000"
}

// Server is an assembled service.
type Server struct {
	cfg       Config
	store     sso.Store
	log       *slog.Logger
	handler   http.Handler
	clients   *clients.Service
	devices   *device.Service
	codes     *authcode.Service
	identity  *identity.Service
	people    *directory.Service
	audit     *audit.Recorder
	dir       *access.Directory
	registry  *iamtoken.Registry
	instance  ssoadmin.Instance
	scim      *scim.Tokens
	sessions  *sessions.Service // people's sessions (issue 18)
	decisions *decisions
}

// New assembles a server over store.
func New(ctx context.Context, store sso.Store, cfg Config, log *slog.Logger) (*Server, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// One cache of user names for the log and the audit trail.
	names := audit.NewNames(store, cfg.Now)
	log = withUserNames(log, names)
	key, err := store.Secret(ctx, sso.DigestKeyName, sso.RandomKey)
	if err != nil {
		return nil, fmt.Errorf("loading the digest key: %w", err)
	}
	d := sso.NewDigester(key)
	rec := audit.New(store, log, cfg.Now).WithNames(names)
	if cfg.NoAudit {
		rec = nil
	}
	cl := clients.New(store, d, clients.Options{Lifetime: cfg.RegistrationLifetime, Now: cfg.Now,
		Limits: store, PerAddress: cfg.RegistrationsPerAddress})
	minter := tokens.NewMinter(d, cfg.AccessTokenLifetime, cfg.SessionLifetime)
	dev := device.New(store, store, cl, d, minter, device.Options{
		PublicURL: cfg.PublicURL, StartURLs: cfg.StartURLs, ExpiresIn: cfg.DeviceCodeLifetime,
		Interval: cfg.DeviceInterval, Now: cfg.Now, Logger: log, Audit: rec,
	})
	refresh := &tokens.RefreshGrant{Store: tokenStore(store, cfg.Metrics, reasonRefresh), Digester: d, Minter: minter, Grace: cfg.RefreshGrace, Now: cfg.Now, Logger: log,
		Audit: rec}
	signing, err := keys.New(store, keys.Options{Rotation: cfg.IAM.KeyRotation, Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	inst, err := ssoadmin.ResolveInstance(ctx, store, cfg.IAM.InstanceARN, cfg.IAM.IdentityStoreID, cfg.IAM.ownerAccount(), cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("iam: %w", err)
	}
	registry := iamtoken.NewRegistry(store, iamtoken.RegistryOptions{InstanceID: inst.ID, OwnerAccount: inst.OwnerAccount,
		Audit: rec, Now: cfg.Now})
	if len(cfg.IAM.Applications) > 0 && len(cfg.IAM.Principals) == 0 {
		return nil, errors.New("iam: applications are configured but no principal may sign requests")
	}
	// The config file's applications are declared into the store, beside
	// those the SSO Admin API makes; CreateTokenWithIAM reads both there.
	if err := registry.Declare(sso.WithActor(ctx, sso.Actor{Type: sso.ActorConfig}), cfg.IAM.Applications); err != nil {
		return nil, fmt.Errorf("iam: %w", err)
	}
	iam, err := iamtoken.New(iamtoken.Config{
		Apps: store, Codes: store, Tokens: tokenStore(store, cfg.Metrics, reasonCode), Users: store,
		Digester: d, Minter: minter, Refresh: refresh, Signer: signing,
		Issuer: cfg.PublicURL, AccessTokenLifetime: cfg.AccessTokenLifetime, IdentityStoreID: inst.IdentityStoreID,
		HTTPClient: cfg.IAM.HTTPClient, Now: cfg.Now, Logger: log, Audit: rec,
	})
	if err != nil {
		return nil, fmt.Errorf("iam: %w", err)
	}
	// /authorize finds applications by ARN, registered clients by id.
	codes := authcode.New(store, tokenStore(store, cfg.Metrics, reasonCode), iam.Clients(cl), d, minter,
		authcode.Options{Now: cfg.Now, Logger: log, Used: cl.MarkUsed, Audit: rec})
	tok := tokens.NewService(cl, map[string]tokens.Grant{
		wire.GrantDeviceCode:        dev,
		wire.GrantAuthorizationCode: codes,
		wire.GrantRefreshToken:      refresh,
	})
	people := directory.New(store, store, rec, cfg.Now)
	id := identity.New(store, store, store, d, identity.Options{Now: cfg.Now, Logger: log, Directory: people, Audit: rec,
		HashMemory: cfg.HashMemory})
	dir := access.NewDirectory(store, access.DirectoryOptions{Audit: rec, Now: cfg.Now})
	if err := declare(sso.WithActor(ctx, sso.Actor{Type: sso.ActorConfig}), id, dir, cfg.Directory, cfg.AutoApprove); err != nil {
		return nil, err
	}
	dec := &decisions{devices: dev, codes: codes, people: people, clients: cl, store: store, digest: d, audit: rec}
	starter, autoAuthorize := autoApproval(cfg, dec, dev, log)
	apiOpts := httpapi.Options{Registrar: cl, Devices: starter, Tokens: tok, Ready: store.Ping, Logger: log,
		Keys: signing, Issuer: cfg.PublicURL, TrustedProxies: cfg.TrustedProxies, RegisterBody: clients.MaxRegisterBody}
	pol, err := policy.New(cfg.IAM.Principals)
	if err != nil {
		return nil, fmt.Errorf("iam: %w", err)
	}
	verifiers := map[string]awsjson.Verifier{}
	if len(cfg.IAM.Principals) > 0 {
		for _, name := range []string{SigningName, IdentityStoreSigningName, SSOAdminSigningName} {
			v, err := sigv4.New(sigv4.Options{Service: name, Region: cfg.Region, Endpoint: cfg.PublicURL,
				Principals: cfg.IAM.Principals, Now: cfg.Now})
			if err != nil {
				return nil, fmt.Errorf("iam: %w", err)
			}
			verifiers[name] = v
		}
		// Applications can be made at any time through the SSO Admin API,
		// so CreateTokenWithIAM is served whenever someone may sign.
		apiOpts.SigV4, apiOpts.IAMTokens, apiOpts.Policy = verifiers[SigningName].(*sigv4.Verifier), iam, pol
	}
	addrs := clientaddr.Resolver{Trusted: cfg.TrustedProxies}
	admin := ssoadmin.New(ssoadmin.Config{Instance: inst, Directory: dir, Registry: registry, Region: cfg.Region})
	// The Identity Store API is always there; it answers that it is not
	// enabled until principals may sign requests.
	ids, err := identitystore.New(people, cfg.IAM.IdentityStoreID, cfg.Now)
	if err != nil {
		return nil, err
	}
	services := append([]*awsjson.Service{ids.API(), admin.Service()}, cfg.JSONServices...)
	jsonAPI := awsjson.New(awsjson.Options{Services: services, Verifiers: verifiers, Policy: pol,
		ClientAddr: addrs.BucketOf, Logger: log})
	var portal *access.Service
	if cfg.Issuer != nil {
		portal = access.New(store, d, cfg.Issuer, access.Options{Now: cfg.Now, Logger: log, Console: consoleOptions(cfg), Audit: rec})
		apiOpts.Portal = portal
	}
	sess := sessions.New(store, d, rec, cfg.Now, log)
	scimTokens := scim.NewTokens(store, d, rec, cfg.Now)
	scimAPI := scim.New(scim.Options{Directory: people, Tokens: scimTokens, BaseURL: cfg.PublicURL,
		IdentityStoreID: cfg.IAM.IdentityStoreID, ClientAddr: addrs.BucketOf, Logger: log, Now: cfg.Now})
	api := httpapi.New(apiOpts)
	var pageDevs web.Devices = pageDevices{dev, dec}
	var pagePeople web.People = id
	if m := cfg.Metrics; m != nil {
		pageDevs, pagePeople = meteredDevices{pageDevs, m}, meteredPeople{id, m}
		if err := watchDevices(m, store, cfg.Now); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	webOpts := web.Options{Devices: pageDevs, People: pagePeople, TrustedProxies: cfg.TrustedProxies, Authorizer: authorizer{codes, dec},
		Logger: log, PublicURL: cfg.PublicURL, Now: cfg.Now, NoLocalPasswords: cfg.NoLocalPasswords}
	if webOpts.Upstreams, err = newUpstreams(store, d, people, rec, log, cfg); err != nil {
		return nil, err
	}
	// The Security page, and the access portal when there is one (portal.go).
	webOpts.Security, webOpts.StartURLs, webOpts.Region = securityPages{id, sess}, cfg.StartURLs, cfg.Region
	if portal != nil {
		webOpts.Portal = portalPages{portal, registry, store}
	}
	second, err := newMFA(store, key, d, id, people, rec, log, cfg) // mfa.go
	if err != nil {
		return nil, err
	}
	webOpts.MFA = mfaPages{second}
	// The Security page counts the person's second factors.
	webOpts.FactorCount = func(ctx context.Context, userID string) (int, error) {
		list, _, err := second.Factors(ctx, userID)
		return len(list), err
	}
	pages := web.New(webOpts)

	mux := http.NewServeMux()
	api.Routes(mux)
	pages.Routes(mux)
	scimAPI.Routes(mux)
	home := "/device"
	if portal != nil {
		home = "/start" // people who open the server's address find their accounts
	}
	mux.Handle("GET /{$}", http.RedirectHandler(home, http.StatusFound))
	// The JSON 1.1 APIs (Identity Store, SSO Admin) post to the root and
	// name their operation in X-Amz-Target.
	mux.Handle("POST /{$}", jsonAPI)
	mux.Handle("/", pages.NotFound(api.NotFound())) // a page for people, the AWS error shape for clients
	if cfg.Metrics != nil && cfg.MetricsAddr == "" {
		mux.Handle(metricsPattern, cfg.Metrics.Handler(log))
	}

	return &Server{cfg: cfg, store: store, log: log, handler: hsts(instrument(autoAuthorize(mux), cfg, log), cfg), clients: cl, devices: dev, codes: codes,
		identity: id, people: people, audit: rec, dir: dir, registry: registry, instance: inst, scim: scimTokens, decisions: dec,
		sessions: sess}, nil
}

// declare writes what the config file declares: users (and the
// auto-approve person, when missing), accounts, permission sets, then
// assignments by name.
func declare(ctx context.Context, id *identity.Service, dir *access.Directory, d Directory, autoApprove string) error {
	for _, u := range d.Users {
		if _, err := id.UpsertUser(ctx, u); err != nil {
			return fmt.Errorf("config user %q: %w", u.Name, err)
		}
	}
	if autoApprove != "" {
		if err := ensureUser(ctx, id, autoApprove); err != nil {
			return fmt.Errorf("auto-approve user %q: %w", autoApprove, err)
		}
	}
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
		as, err := Resolve(ctx, id.Directory(), a)
		if err == nil {
			err = dir.Assign(ctx, as)
		}
		if err != nil {
			return fmt.Errorf("config assignment %s/%s/%s%s: %w", a.AccountID, a.PermissionSet, a.User, a.Group, err)
		}
	}
	return nil
}

// Resolve turns a declared assignment into a stored one: a user by name
// (who must exist), a group by name (created when missing).
func Resolve(ctx context.Context, people *directory.Service, a AssignmentDecl) (sso.Assignment, error) {
	as := sso.Assignment{AccountID: a.AccountID, PermissionSet: a.PermissionSet}
	switch {
	case a.User != "" && a.Group == "":
		u, err := people.GetUserByName(ctx, a.User)
		if sso.CodeOf(err) == sso.CodeResourceNotFound {
			return as, fmt.Errorf("no user is named %q (declare it under users: or create it first)", a.User)
		}
		if err != nil {
			return as, err
		}
		as.PrincipalType, as.PrincipalID = sso.PrincipalUser, u.ID
	case a.Group != "" && a.User == "":
		g, err := people.EnsureGroup(ctx, a.Group)
		if err != nil {
			return as, err
		}
		as.PrincipalType, as.PrincipalID = sso.PrincipalGroup, g.ID
	default:
		return as, errors.New("give exactly one of user and group")
	}
	return as, nil
}

// People returns the directory of users and groups.
func (s *Server) People() *directory.Service { return s.people }

// SCIMTokens returns the SCIM bearer tokens.
func (s *Server) SCIMTokens() *scim.Tokens { return s.scim }

// Audit returns the audit recorder.
func (s *Server) Audit() *audit.Recorder { return s.audit }

// Sessions returns the service of people's sessions.
func (s *Server) Sessions() *sessions.Service { return s.sessions }

// Directory returns the directory of access.
func (s *Server) Directory() *access.Directory { return s.dir }

// Registry returns the applications and trusted token issuers.
func (s *Server) Registry() *iamtoken.Registry { return s.registry }

// Instance returns the SSO Admin API's instance.
func (s *Server) Instance() ssoadmin.Instance { return s.instance }

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
// With AutoApprove it refuses a listener that is not loopback.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	if s.cfg.AutoApprove != "" {
		if err := CheckLoopback(l.Addr()); err != nil {
			return err
		}
	}
	srv := s.httpServer(s.handler)
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
	return serveUntilDone(ctx, srv, l)
}

func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// serveUntilDone runs srv on l until ctx is done, then shuts it down.
func serveUntilDone(ctx context.Context, srv *http.Server, l net.Listener) error {
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
		n, err = s.store.DeleteEventsBefore(ctx, s.cfg.Now().Add(-s.cfg.AuditRetention))
		if err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "collecting old audit events", slog.String("error", err.Error()))
		} else if n > 0 {
			s.log.DebugContext(ctx, "collected old audit events", slog.Int64("count", n))
		}
	}
}
