package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssooidc/ssooidc/internal/access"
	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/logbuf"
	"github.com/ssooidc/ssooidc/internal/metrics"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sso"
)

const serveUsage = `Usage: ssooidc serve [flags]

Runs the service: the SSO OIDC and portal APIs, the sign-in and consent
pages, and /healthz and /readyz. Flags win over the config file (--config).
Flags:`

// serveFlags are serve's command line.
type serveFlags struct {
	sf        storeFlags
	cfg       server.Config
	starts    stringList
	proxies   stringList
	dev       bool
	metrics   bool
	check     bool
	derived   bool // the public URL was derived from the listen address
	logLevel  string
	logFormat string
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	f.sf.register(fs)
	cfg := &f.cfg
	fs.StringVar(&cfg.Addr, "addr", "", "listen address (default 127.0.0.1:8080)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "base URL people reach the server at (default derived from --addr)")
	fs.Var(&f.starts, "start-url", "a start URL this server serves (repeatable; default "+server.DefaultStartURL+")")
	fs.Var(&f.proxies, "trusted-proxy", "address or CIDR of a load balancer whose X-Forwarded-For is believed (repeatable)")
	fs.StringVar(&cfg.Region, "region", "", "the region this server answers for (default us-east-1)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate file (PEM)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS key file (PEM)")
	fs.DurationVar(&cfg.SessionLifetime, "session-lifetime", 0, "how long a login lasts, refreshes included (15m to 2160h; default 8h)")
	fs.DurationVar(&cfg.RegistrationLifetime, "registration-lifetime", 0, "how long a client registration lasts (1h to 2160h; default 2160h)")
	fs.BoolVar(&f.dev, "dev", false, "when no user exists, create user dev with a random password and print it")
	fs.StringVar(&cfg.AutoApprove, "auto-approve", "", "for tests and CI: approve every login as this user at once, with no browser (created if missing; needs --dev and a loopback --addr)")
	fs.StringVar(&f.logLevel, "log-level", "", "debug, info, warn or error (default info)")
	fs.StringVar(&f.logFormat, "log-format", "", "text or json (default text on a terminal, json otherwise)")
	fs.BoolVar(&cfg.AccessLog, "access-log", false, "log one info line per request (method, path, status, op, duration, client address, request id)")
	fs.BoolVar(&f.metrics, "metrics", false, "serve Prometheus metrics at /metrics on the main listener")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at /metrics on this address instead (plain HTTP; implies --metrics)")
	fs.BoolVar(&f.check, "check-config", false, "check the flags and the config file, say what is wrong, and exit without serving")
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := &serveFlags{}
	fs := newFlags("serve", serveUsage, stderr)
	f.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	logOut := stderr
	if !isTerminal(stderr) {
		// The log's lines go out in batches (at most 10 ms late): one
		// write(2) per audit event or access line costs a tenth of a small
		// write (internal/logbuf). A terminal gets each line at once.
		lb := logbuf.New(stderr, logbuf.DefaultDelay)
		defer lb.Close()
		logOut = lb
	}
	fc, cfg, log, err := f.config(ctx, logOut)
	if err != nil {
		return err
	}
	if f.check {
		fmt.Fprintln(stdout, "The configuration is valid.")
		return nil
	}
	setMemoryLimit(fc.Limits, cfg.HashMemory)
	var m *metrics.Metrics
	if f.metrics || fc.Metrics || cfg.MetricsAddr != "" {
		m = metrics.New(prometheus.NewRegistry(), version)
		cfg.Metrics = m
	}
	store, storeDesc, err := f.sf.openWith(ctx, m)
	if err != nil {
		return err
	}
	defer store.Close()
	srv, err := server.New(ctx, store, cfg, log)
	if err != nil {
		return err
	}
	c := srv.Config()
	// Bind before the dev user is created: a start that fails on a busy
	// port leaves no dev user behind whose password nobody saw.
	l, ml, err := listen(c)
	if err != nil {
		return err
	}
	if c.AutoApprove != "" {
		// The address may be a name: what counts is where it bound.
		if err := server.CheckLoopback(l.Addr()); err != nil {
			closeAll(l, ml)
			return err
		}
	}
	if f.dev || fc.Dev {
		pw, created, err := srv.Identity().EnsureDevUser(sso.WithActor(ctx, sso.Actor{Type: sso.ActorConfig, ID: "--dev"}))
		if err != nil {
			closeAll(l, ml)
			return fmt.Errorf("creating the dev user: %w", err)
		}
		if created {
			// Printed once, on stdout, never logged.
			fmt.Fprintf(stdout, "Created dev user.\n  username: dev\n  password: %s\n", pw)
		}
	}
	// No upstream identity provider exists yet: every sign-in is a user's.
	const identityProviders = 0
	for _, w := range startupWarnings(ctx, c, l.Addr(), f.derived, srv.Identity(), identityProviders) {
		log.Warn(w)
	}
	if c.AutoApprove != "" {
		log.Warn(fmt.Sprintf("auto-approve is on: every device authorization and every /authorize request is approved as %q at once, "+
			"with no sign-in and nobody asked; for tests and CI on this machine only", c.AutoApprove))
	}
	log.Info("serving", slog.String("addr", l.Addr().String()), slog.String("public_url", c.PublicURL),
		slog.String("start_urls", strings.Join(c.StartURLs, ",")), slog.String("region", c.Region),
		slog.String("store", storeDesc), slog.Bool("access_log", c.AccessLog), slog.String("metrics", metricsWhere(c, ml)))
	fmt.Fprintf(stdout, "ssooidc is serving at %s (verification page %s/device)\n", c.PublicURL, c.PublicURL)
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	if ml != nil {
		wg.Go(func() {
			if err := srv.ServeMetrics(sctx, ml); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("serving metrics", slog.String("error", err.Error()))
			}
		})
	}
	err = srv.Serve(sctx, l)
	stop()
	wg.Wait()
	log.Info("stopped")
	return err
}

// config merges the flags and the config file into the server's
// configuration, validates it and makes the logger.
func (f *serveFlags) config(ctx context.Context, stderr io.Writer) (fileConfig, server.Config, *slog.Logger, error) {
	fc, err := loadConfigFile(f.sf.config)
	if err != nil {
		return fc, server.Config{}, nil, err
	}
	cfg := f.cfg
	cfg.StartURLs = f.starts
	applyFile(&cfg, fc)
	if cfg.IAM, err = fc.IAM.serverConfig(); err != nil {
		return fc, cfg, nil, err
	}
	if cfg.Upstreams, cfg.NoLocalPasswords, err = fc.upstreams(); err != nil { // upstreamconfig.go
		return fc, cfg, nil, err
	}
	if err := fc.MFA.apply(&cfg); err != nil { // mfaconfig.go
		return fc, cfg, nil, err
	}
	for _, p := range append(append([]string(nil), fc.TrustedProxies...), f.proxies...) {
		pfx, err := parsePrefix(p)
		if err != nil {
			return fc, cfg, nil, usagef("trusted proxy %q: %v", p, err)
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, pfx)
	}
	if err := validateServe(cfg); err != nil {
		return fc, cfg, nil, err
	}
	if err := checkAutoApprove(cfg, f.dev || fc.Dev); err != nil {
		return fc, cfg, nil, err
	}
	if cfg.AutoApprove != "" && cfg.RegistrationsPerAddress == 0 {
		// Only this machine reaches the server, and a test suite that
		// gives each test a fresh AWS CLI home registers a client each:
		// the per-address RegisterClient limit protects nothing here.
		// limits.registrations_per_address still sets one.
		cfg.RegistrationsPerAddress = -1
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL, f.derived = derivePublicURL(cfg), true
	}
	level, format := cmp.Or(f.logLevel, fc.LogLevel), cmp.Or(f.logFormat, fc.LogFormat)
	log, err := newLogger(stderr, level, format)
	if err != nil {
		return fc, cfg, nil, usagef("%v", err)
	}
	if cfg.Directory, err = fc.Portal.directory(); err != nil {
		return fc, cfg, nil, err
	}
	cfg.Directory.Users = configUsers(fc.Users)
	if cfg.Issuer, err = fc.Portal.issuer(ctx, cfg.Region); err != nil {
		return fc, cfg, nil, err
	}
	if cfg.Console, err = fc.Portal.Console.options(); err != nil { // portalconfig.go
		return fc, cfg, nil, usagef("%v", err)
	}
	return fc, cfg, log, nil
}

// checkAutoApprove refuses --auto-approve where someone other than this
// machine's user could reach the server: it needs --dev, a loopback
// listener and public URL, and no proxy in front. Serve checks the bound
// address again.
func checkAutoApprove(cfg server.Config, dev bool) error {
	if cfg.AutoApprove == "" {
		return nil
	}
	const why = "--auto-approve gives a token to anyone who reaches the server"
	if !dev {
		return usagef("%s: it needs --dev (a development or CI server)", why)
	}
	if len(cfg.TrustedProxies) > 0 {
		return usagef("%s: it does not go with --trusted-proxy (a proxy in front lets others reach it)", why)
	}
	if cfg.Addr != "" {
		if host, _, err := net.SplitHostPort(cfg.Addr); err != nil || !loopbackHost(host) {
			return usagef("%s: it needs a loopback --addr such as 127.0.0.1:8080 or [::1]:8080, not %q", why, cfg.Addr)
		}
	}
	if cfg.PublicURL != "" {
		if u, err := url.Parse(cfg.PublicURL); err != nil || !loopbackHost(u.Hostname()) {
			return usagef("%s: it needs a loopback --public-url such as http://127.0.0.1:8080, not %q", why, cfg.PublicURL)
		}
	}
	return nil
}

// loopbackHost reports whether host is a loopback address or localhost.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// listen binds the main listener and, with a metrics address, the metrics
// one.
func listen(c server.Config) (net.Listener, net.Listener, error) {
	l, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot listen on %s (--addr): %w", c.Addr, unwrapOp(err))
	}
	if c.Metrics == nil || c.MetricsAddr == "" {
		return l, nil, nil
	}
	ml, err := net.Listen("tcp", c.MetricsAddr)
	if err != nil {
		l.Close()
		return nil, nil, fmt.Errorf("cannot listen on %s (--metrics-addr): %w", c.MetricsAddr, unwrapOp(err))
	}
	return l, ml, nil
}

// unwrapOp drops the "listen tcp ADDR:" prefix a *net.OpError repeats.
func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

func closeAll(ls ...net.Listener) {
	for _, l := range ls {
		if l != nil {
			l.Close()
		}
	}
}

func metricsWhere(c server.Config, ml net.Listener) string {
	switch {
	case c.Metrics == nil:
		return "off"
	case ml != nil:
		return "http://" + ml.Addr().String() + "/metrics"
	}
	return c.PublicURL + "/metrics"
}

// configUsers turns the users of the config file into what the server
// declares at start, before the assignments that may name them.
func configUsers(users []userConfig) []identity.UserSpec {
	var out []identity.UserSpec
	for _, u := range users {
		pw := u.Password
		if pw == "" {
			pw = u.PasswordHash
		}
		out = append(out, identity.UserSpec{Name: u.Name, Password: pw, Email: u.Email, DisplayName: u.DisplayName, Groups: u.Groups})
	}
	return out
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if level != "" {
		if err := lv.UnmarshalText([]byte(level)); err != nil {
			return nil, fmt.Errorf("--log-level: %q is not debug, info, warn or error", level)
		}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "":
		if isTerminal(w) {
			return slog.New(slog.NewTextHandler(w, opts)), nil
		}
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: %q is not text or json", format)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// adminStore is the store an admin command opened, with its digest key
// and an audit recorder: an admin command's changes are recorded like any
// other (their lines are not logged: the command prints what it did).
type adminStore struct {
	sso.Store
	fc  fileConfig
	key []byte
	rec *audit.Recorder
}

func (a adminStore) digester() *sso.Digester { return sso.NewDigester(a.key) }

// openAudited opens the store for an admin command; the caller closes it.
func openAudited(ctx context.Context, sf storeFlags) (adminStore, error) {
	store, _, fc, err := sf.open(ctx)
	if err != nil {
		return adminStore{}, err
	}
	key, err := store.Secret(ctx, sso.DigestKeyName, sso.RandomKey)
	if err != nil {
		store.Close()
		return adminStore{}, err
	}
	return adminStore{Store: store, fc: fc, key: key, rec: audit.New(store, slog.New(slog.DiscardHandler), time.Now)}, nil
}

// openAdmin opens the store for an admin command, with the services the
// admin commands use.
func openAdmin(ctx context.Context, sf storeFlags) (*identity.Service, *access.Directory, sso.Store, error) {
	a, err := openAudited(ctx, sf)
	if err != nil {
		return nil, nil, nil, err
	}
	people := directory.New(a, a, a.rec, time.Now)
	id := identity.New(a, a, a, a.digester(), identity.Options{Logger: slog.New(slog.DiscardHandler), Now: time.Now,
		Directory: people, Audit: a.rec})
	return id, access.NewDirectory(a, access.DirectoryOptions{Audit: a.rec, Now: time.Now}), a.Store, nil
}

// parsePrefix takes an address or a CIDR.
func parsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not an address or CIDR")
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
