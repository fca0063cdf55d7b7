package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ssooidc/ssooidc/login"
)

func cmdLogout(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("logout", "Usage: ssooidc logout [--sso-session S | --profile P | --all] [--endpoint URL] [--cache-dir DIR]", stderr)
	var sf sessionFlags
	fs.StringVar(&sf.ssoSession, "sso-session", "", "the sso-session to sign out of")
	fs.StringVar(&sf.profile, "profile", "", "sign out of this profile's session")
	sf.register(fs, false)
	all := fs.Bool("all", false, "sign out of every cached session, as `aws sso logout` does")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *all && (sf.ssoSession != "" || sf.profile != "") {
		return usagef("--all signs out of every session; do not name one")
	}
	var opts login.Options
	sf.options(&opts)
	optFn := func(o *login.Options) { *o = opts }
	if *all {
		cache := &login.Cache{Dir: opts.CacheDir}
		if cache.Dir == "" {
			cache.Dir = login.DefaultCacheDir()
		}
		tokens, err := cache.Tokens()
		if err != nil {
			return err
		}
		var errs []error
		for _, t := range tokens {
			if err := login.LogoutToken(ctx, t, optFn); err != nil {
				var pe *login.PortalLogoutError
				if !errors.As(err, &pe) {
					errs = append(errs, err)
				}
				fmt.Fprintf(stderr, "warning: %s: %v\n", t.StartURL, err)
			}
		}
		credsDir := opts.CredentialsCacheDir
		if credsDir == "" {
			credsDir = login.DefaultCredentialsCacheDir()
		}
		if err := login.RemoveAllRoleCredentials(credsDir); err != nil {
			errs = append(errs, err)
		}
		fmt.Fprintf(stdout, "Signed out of %d cached session(s) and removed the cached role credentials.\n", len(tokens))
		return errors.Join(errs...)
	}
	cfg, err := sf.config()
	if err != nil {
		return err
	}
	sess, err := sf.resolve(cfg, true)
	if err != nil {
		return err
	}
	c := login.New(sess, optFn)
	if err := c.Logout(ctx); err != nil {
		var pe *login.PortalLogoutError
		if !errors.As(err, &pe) {
			return err
		}
		fmt.Fprintf(stderr, "warning: %v\n", err)
	}
	// The role credentials of every profile that uses the session.
	for _, p := range cfg.Profiles() {
		ps, err := cfg.Profile(p)
		if err != nil || ps.CacheKey() != sess.CacheKey() || ps.AccountID == "" || ps.RoleName == "" {
			continue
		}
		if err := c.RemoveRoleCredentials(ps.AccountID, ps.RoleName); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "Signed out of %s.\n", sess)
	return nil
}
