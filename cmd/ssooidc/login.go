package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/login"
)

// sessionFlags are the flags that choose a session and where its caches
// and endpoints are, shared by login, logout, status, token and
// export-credentials.
type sessionFlags struct {
	profile, ssoSession, startURL, region string
	endpoint, cacheDir, configFile        string
}

func (f *sessionFlags) register(fs *flag.FlagSet, choose bool) {
	if choose {
		fs.StringVar(&f.profile, "profile", "", "the profile whose SSO session to use (default $AWS_PROFILE, then \"default\")")
		fs.StringVar(&f.ssoSession, "sso-session", "", "the [sso-session NAME] to use")
		fs.StringVar(&f.startURL, "start-url", "", "sign in to this start URL without a config file (with --region)")
		fs.StringVar(&f.region, "region", "", "the sso_region of --start-url")
	}
	fs.StringVar(&f.endpoint, "endpoint", "", "the SSO OIDC and portal endpoint URL (default: AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL_SSO, the profile's services/endpoint_url, else AWS)")
	fs.StringVar(&f.cacheDir, "cache-dir", "", "the token cache directory (default $"+login.EnvCacheDir+", else ~/.aws/sso/cache)")
}

// options returns the login options the flags set.
func (f *sessionFlags) options(o *login.Options) {
	if f.cacheDir != "" {
		o.CacheDir = f.cacheDir
	}
	if f.endpoint != "" {
		// One ssooidc server serves both APIs at one address.
		o.Endpoint, o.PortalEndpoint = f.endpoint, f.endpoint
		o.EndpointSource = "--endpoint"
	}
}

// config reads the AWS config file.
func (f *sessionFlags) config() (*login.Config, error) {
	return login.LoadConfig(f.configFile)
}

// resolve finds the session the flags name. With none: $AWS_PROFILE's, the
// default profile's, or the only sso-session of the config file. With
// cacheOnly, an --sso-session missing from the config is still usable
// through its cached token (whose start URL and region it takes).
func (f *sessionFlags) resolve(cfg *login.Config, cacheOnly bool) (*login.Session, error) {
	n := 0
	for _, s := range []string{f.profile, f.ssoSession, f.startURL} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return nil, usagef("give one of --profile, --sso-session and --start-url")
	}
	switch {
	case f.startURL != "":
		if f.region == "" {
			return nil, usagef("--start-url needs --region (the sso_region)")
		}
		return &login.Session{StartURL: f.startURL, Region: f.region}, nil
	case f.region != "":
		return nil, usagef("--region goes with --start-url; a profile or sso-session has its own sso_region")
	case f.ssoSession != "":
		s, err := cfg.SSOSession(f.ssoSession)
		if err != nil && cacheOnly {
			return &login.Session{Name: f.ssoSession}, nil
		}
		return s, err
	case f.profile != "":
		return cfg.Profile(f.profile)
	}
	name := login.ProfileName()
	s, err := cfg.Profile(name)
	if err == nil || name != "default" {
		return s, err
	}
	if sessions := cfg.SSOSessions(); len(sessions) == 1 {
		return cfg.SSOSession(sessions[0])
	} else if len(sessions) > 1 {
		return nil, usagef("which session? give --sso-session (one of: %s) or --profile", strings.Join(sessions, ", "))
	}
	return nil, usagef("no SSO configuration in %s: give --profile P, --sso-session S, or --start-url U --region R (or run: aws configure sso)", cfg.Path)
}

// waitNotice tells the person why the command waits.
func waitNotice(w io.Writer, s *login.Session, onlyLogins bool) func(string) {
	return func(holder string) {
		if onlyLogins && !strings.HasPrefix(holder, "login") {
			return
		}
		fmt.Fprintf(w, "Waiting for another ssooidc (%s) of %s to finish...\n", holder, s)
	}
}

// describeExpiry says when t expires relative to now: "2026-01-02 15:04 UTC
// (59m left)" or "... (expired 3h ago)".
func describeExpiry(t, now time.Time) string {
	d := t.Sub(now).Round(time.Minute)
	when := t.UTC().Format("2006-01-02 15:04 UTC")
	if d >= 0 {
		return fmt.Sprintf("%s (%s left)", when, shortDuration(d))
	}
	return fmt.Sprintf("%s (expired %s ago)", when, shortDuration(-d))
}

func shortDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return "<1m"
}

func cmdLogin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("login", "Usage: ssooidc login [--profile P | --sso-session S | --start-url U --region R] [--use-device-code | --use-pkce] [--no-browser] [--endpoint URL] [--cache-dir DIR]", stderr)
	var sf sessionFlags
	sf.register(fs, true)
	deviceCode := fs.Bool("use-device-code", false, "use the device code flow (finish on any device) instead of the browser on this machine")
	usePKCE := fs.Bool("use-pkce", false, "use the browser on this machine (authorization code with PKCE) even where the machine looks headless (SSH, container, CI, no display)")
	noBrowser := fs.Bool("no-browser", false, "do not open a browser; print the URL (and use the device code flow, which can be finished on another device)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *deviceCode && *usePKCE {
		return usagef("--use-device-code and --use-pkce exclude each other")
	}
	cfg, err := sf.config()
	if err != nil {
		return err
	}
	sess, err := sf.resolve(cfg, false)
	if err != nil {
		return err
	}
	c := login.New(sess, sf.options, func(o *login.Options) {
		switch {
		case *deviceCode:
			o.Flow = login.FlowDevice
		case *usePKCE:
			o.Flow = login.FlowPKCE
		}
		o.NoBrowser = *noBrowser
		o.Prompter = login.NewTerminalPrompter(stdout)
		o.OnWait = waitNotice(stdout, sess, false)
	})
	tok, err := c.Login(ctx)
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stdout)
		return errors.New("login cancelled")
	case err != nil:
		return err
	}
	now := time.Now()
	fmt.Fprintf(stdout, "Signed in to %s (%s). The token expires %s", sess, tok.StartURL, describeExpiry(tok.ExpiresAt, now))
	if tok.RefreshToken != "" {
		fmt.Fprintf(stdout, " and is refreshed until the session ends.\n")
	} else {
		fmt.Fprintf(stdout, "; it cannot be refreshed: sign in again then.\n")
	}
	return nil
}
