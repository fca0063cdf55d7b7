package main

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ssooidc/ssooidc/login"
)

// sessionStatus is one line of "ssooidc status", and one object of its
// JSON output.
type sessionStatus struct {
	Session               string    `json:"session,omitempty"`
	Profiles              []string  `json:"profiles,omitempty"`
	StartURL              string    `json:"startUrl"`
	Region                string    `json:"region"`
	ExpiresAt             time.Time `json:"expiresAt"`
	Valid                 bool      `json:"valid"`
	SecondsLeft           int64     `json:"secondsLeft"`
	Refreshable           bool      `json:"refreshable"`
	RegistrationExpiresAt time.Time `json:"registrationExpiresAt,omitzero"`
	CacheFile             string    `json:"cacheFile"`
}

// cmdStatus lists every cached session: which one it is (by the config
// file), its start URL and region, when its token expires and whether it
// can be refreshed.
func cmdStatus(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("status", "Usage: ssooidc status [--json] [--cache-dir DIR]", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	cacheDir := fs.String("cache-dir", "", "the token cache directory (default $"+login.EnvCacheDir+", else ~/.aws/sso/cache)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cache := &login.Cache{Dir: *cacheDir}
	if cache.Dir == "" {
		cache.Dir = login.DefaultCacheDir()
	}
	cfg, err := login.LoadConfig("")
	if err != nil {
		return err
	}
	tokens, err := cache.Tokens()
	if err != nil {
		return err
	}
	names, profiles := sessionNames(cfg)
	now := time.Now()
	list := []sessionStatus{}
	for _, t := range tokens {
		file := strings.TrimSuffix(filepath.Base(t.Path), ".json")
		st := sessionStatus{
			Session: names[file], Profiles: profiles[file], StartURL: t.StartURL, Region: t.Region,
			ExpiresAt: t.ExpiresAt.UTC(), Valid: t.Valid(now), Refreshable: t.Refreshable(now),
			RegistrationExpiresAt: t.RegistrationExpiresAt.UTC(), CacheFile: t.Path,
		}
		if st.Valid {
			st.SecondsLeft = int64(t.ExpiresAt.Sub(now).Seconds())
		}
		list = append(list, st)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	if len(list) == 0 {
		fmt.Fprintf(stdout, "No cached SSO sessions in %s. Sign in with: ssooidc login --profile P (or --sso-session S)\n", cache.Dir)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SESSION\tSTART URL\tREGION\tTOKEN EXPIRES\tREFRESH")
	for _, st := range list {
		name := st.Session
		if name == "" {
			name = "-"
		}
		if len(st.Profiles) > 0 {
			name += " (" + strings.Join(st.Profiles, ", ") + ")"
		}
		// Whether the session lasts past this token is known only to the
		// server (its session lifetime); the registration's expiry is not
		// the session's end, so no date is claimed. A refresh token the
		// server refused is removed from the file by the refresh.
		refresh := "yes"
		switch {
		case !st.Refreshable && st.Valid:
			refresh = "no: sign in again when it expires"
		case !st.Refreshable:
			refresh = "no: sign in again"
		case !st.Valid:
			refresh = "yes, on next use"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, st.StartURL, st.Region, describeExpiry(st.ExpiresAt, now), refresh)
	}
	return tw.Flush()
}

// sessionNames maps token file names (sha1 of a session name or start URL)
// to the sessions of the config file and the profiles that use them.
func sessionNames(cfg *login.Config) (names map[string]string, profiles map[string][]string) {
	names, profiles = map[string]string{}, map[string][]string{}
	hash := func(s string) string { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	for _, n := range cfg.SSOSessions() {
		names[hash(n)] = "sso-session " + n
	}
	for _, p := range cfg.Profiles() {
		s, err := cfg.Profile(p)
		if err != nil {
			continue
		}
		k := hash(s.CacheKey())
		if s.Name == "" && names[k] == "" {
			names[k] = "legacy"
		}
		profiles[k] = append(profiles[k], "profile "+p)
	}
	return names, profiles
}
