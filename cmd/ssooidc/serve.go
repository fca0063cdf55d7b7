package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/access"
	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sso"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		sf        storeFlags
		cfg       server.Config
		starts    stringList
		proxies   stringList
		dev       bool
		logLevel  string
		logFormat string
	)
	sf.register(fs)
	fs.StringVar(&cfg.Addr, "addr", "", "listen address (default 127.0.0.1:8080)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "base URL people reach the server at (default derived from --addr)")
	fs.Var(&starts, "start-url", "a start URL this server serves (repeatable; default "+server.DefaultStartURL+")")
	fs.Var(&proxies, "trusted-proxy", "address or CIDR of a load balancer whose X-Forwarded-For is believed (repeatable)")
	fs.StringVar(&cfg.Region, "region", "", "the region this server answers for (default us-east-1)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate file (PEM)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS key file (PEM)")
	fs.DurationVar(&cfg.SessionLifetime, "session-lifetime", 0, "how long a login lasts, refreshes included (15m to 2160h; default 8h)")
	fs.DurationVar(&cfg.RegistrationLifetime, "registration-lifetime", 0, "how long a client registration lasts (default 2160h)")
	fs.BoolVar(&dev, "dev", false, "when no user exists, create user dev with a random password and print it")
	fs.StringVar(&logLevel, "log-level", "", "debug, info, warn or error (default info)")
	fs.StringVar(&logFormat, "log-format", "", "text or json (default text on a terminal, json otherwise)")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("serve takes no arguments, got %q", fs.Arg(0))
	}
	fc, err := loadConfigFile(sf.config)
	if err != nil {
		return err
	}
	cfg.StartURLs = starts
	applyFile(&cfg, fc)
	setMemoryLimit(fc.Limits, cfg.HashMemory)
	if cfg.IAM, err = fc.IAM.serverConfig(); err != nil {
		return err
	}
	for _, p := range append(append([]string(nil), fc.TrustedProxies...), proxies...) {
		pfx, err := parsePrefix(p)
		if err != nil {
			return usagef("trusted proxy %q: %v", p, err)
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, pfx)
	}
	dev = dev || fc.Dev
	if logLevel == "" {
		logLevel = fc.LogLevel
	}
	if logFormat == "" {
		logFormat = fc.LogFormat
	}
	log, err := newLogger(stderr, logLevel, logFormat)
	if err != nil {
		return usagef("%v", err)
	}
	if cfg.Directory, err = fc.Portal.directory(); err != nil {
		return err
	}
	issuer, err := fc.Portal.issuer(ctx)
	if err != nil {
		return err
	}
	cfg.Issuer = issuer

	store, storeDesc, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	srv, err := server.New(ctx, store, cfg, log)
	if err != nil {
		return err
	}
	if err := declareUsers(ctx, srv.Identity(), fc.Users); err != nil {
		return err
	}
	if dev {
		pw, created, err := srv.Identity().EnsureDevUser(ctx)
		if err != nil {
			return fmt.Errorf("creating the dev user: %w", err)
		}
		if created {
			// Printed once, on stdout, never logged.
			fmt.Fprintf(stdout, "Created dev user.\n  username: dev\n  password: %s\n", pw)
		}
	}
	l, err := net.Listen("tcp", srv.Config().Addr)
	if err != nil {
		return err
	}
	c := srv.Config()
	log.Info("serving", slog.String("addr", l.Addr().String()), slog.String("public_url", c.PublicURL),
		slog.String("start_urls", strings.Join(c.StartURLs, ",")), slog.String("region", c.Region),
		slog.String("store", storeDesc))
	fmt.Fprintf(stdout, "ssooidc is serving at %s (verification page %s/device)\n", c.PublicURL, c.PublicURL)
	err = srv.Serve(ctx, l)
	log.Info("stopped")
	return err
}

func declareUsers(ctx context.Context, id *identity.Service, users []userConfig) error {
	for _, u := range users {
		pw := u.Password
		if pw == "" {
			pw = u.PasswordHash
		}
		if _, err := id.UpsertUser(ctx, identity.UserSpec{Name: u.Name, Password: pw, Email: u.Email,
			DisplayName: u.DisplayName, Groups: u.Groups}); err != nil {
			return fmt.Errorf("config user %q: %w", u.Name, err)
		}
	}
	return nil
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

// openAdmin opens the store for an admin command, with the services the
// admin commands use.
func openAdmin(ctx context.Context, sf storeFlags) (*identity.Service, *access.Directory, sso.Store, error) {
	store, _, _, err := sf.open(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := store.Secret(ctx, sso.DigestKeyName, sso.RandomKey)
	if err != nil {
		store.Close()
		return nil, nil, nil, err
	}
	id := identity.New(store, store, store, sso.NewDigester(key), identity.Options{Logger: slog.New(slog.DiscardHandler), Now: time.Now})
	return id, access.NewDirectory(store), store, nil
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
