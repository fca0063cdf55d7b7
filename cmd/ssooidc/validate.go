package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/tokens"
)

// validateServe checks every value serve was given, from the flags and
// the config file alike, and names the setting (as a flag and as a config
// key) in what it says. Zero values are defaults and pass.
func validateServe(cfg server.Config) error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkAddr("--addr / addr", cfg.Addr))
	add(checkAddr("--metrics-addr / metrics_addr", cfg.MetricsAddr))
	if cfg.MetricsAddr != "" && cfg.MetricsAddr == cfg.Addr {
		add(fmt.Errorf("--metrics-addr / metrics_addr %q is the main listener's address; leave it empty to serve /metrics there", cfg.MetricsAddr))
	}
	if cfg.PublicURL != "" {
		add(checkURL("--public-url / public_url", cfg.PublicURL, false))
	}
	for _, s := range cfg.StartURLs {
		add(checkURL("--start-url / start_urls", s, true))
	}
	if cfg.Region != "" && !regionRE.MatchString(cfg.Region) {
		add(fmt.Errorf("--region / region %q is not a region name such as us-east-1 or eu-central-1", cfg.Region))
	}
	for _, r := range durationRanges(cfg) {
		add(r.check())
	}
	if cfg.DeviceInterval != 0 && (cfg.DeviceInterval < 1 || cfg.DeviceInterval > 60) {
		add(fmt.Errorf("device_interval %d is outside 1 to 60 seconds", cfg.DeviceInterval))
	}
	switch {
	case (cfg.TLSCert == "") != (cfg.TLSKey == ""):
		add(errors.New("--tls-cert and --tls-key (tls_cert, tls_key) go together: give both or neither"))
	case cfg.TLSCert != "":
		if _, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey); err != nil {
			add(fmt.Errorf("--tls-cert / --tls-key: %v", err))
		}
	}
	return errors.Join(errs...)
}

// regionRE is the shape of AWS region names (us-east-1, us-gov-west-1,
// cn-north-1, eu-central-2): a client builds the endpoint URL from it.
var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

// checkAddr checks a listen address: host:port, the host empty, an IP or a
// name, the port a number (0: any free port).
func checkAddr(what, addr string) error {
	if addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q is not host:port (such as 127.0.0.1:8080, :8080 or [::]:8080)", what, addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%s %q: the port must be a number from 0 to 65535", what, addr)
	}
	if host != "" && net.ParseIP(host) == nil && !hostnameRE.MatchString(host) {
		return fmt.Errorf("%s %q: %q is neither an IP address nor a host name", what, addr, host)
	}
	return nil
}

var hostnameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$`)

// checkURL checks an absolute http or https URL with a host. A start URL
// may have a path (…/start); a public URL is a base: no query or
// fragment either way.
func checkURL(what, s string, pathOK bool) error {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%s %q is not an absolute URL such as https://sso.example.com/start", what, s)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%s %q: the scheme must be https (or http), not %s", what, s, u.Scheme)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%s %q must not carry a user name, a query or a fragment", what, s)
	}
	if !pathOK && u.Path != "" && u.Path != "/" {
		return fmt.Errorf("%s %q must be the server's base URL, without a path", what, s)
	}
	return nil
}

// durationRange is a duration setting and the range it must be in.
type durationRange struct {
	what     string
	v        time.Duration
	min, max time.Duration
}

func (r durationRange) check() error {
	if r.v == 0 {
		return nil // the default
	}
	if r.v < r.min || r.v > r.max {
		return fmt.Errorf("%s %s is outside %s to %s", r.what, r.v, short(r.min), short(r.max))
	}
	return nil
}

// durationRanges are serve's durations and their ranges: the session as
// AWS allows (15 minutes to 90 days); a registration at most the 90 days
// AWS gives; an access token from 5 minutes to a day (AWS: 1 hour); a
// device code from 1 minute to 1 hour (AWS: 10 minutes); audit events
// kept a day to ten years (default one year; Okta keeps its system log 90
// days, CloudTrail its event history 90 days: an operator who must keep
// more sets more).
func durationRanges(cfg server.Config) []durationRange {
	return []durationRange{
		{"audit_retention", cfg.AuditRetention, 24 * time.Hour, 10 * 365 * 24 * time.Hour},
		{"--session-lifetime / session_lifetime", cfg.SessionLifetime, tokens.MinSessionTTL, tokens.MaxSessionTTL},
		{"--registration-lifetime / registration_lifetime", cfg.RegistrationLifetime, time.Hour, 90 * 24 * time.Hour},
		{"access_token_lifetime", cfg.AccessTokenLifetime, 5 * time.Minute, 24 * time.Hour},
		{"device_code_lifetime", cfg.DeviceCodeLifetime, time.Minute, time.Hour},
	}
}

// short prints a duration without zero units: 15m, 2160h.
func short(d time.Duration) string {
	s := d.String()
	for _, z := range []string{"0s", "0m"} {
		if len(s) > 2 && s[len(s)-2:] == z {
			s = s[:len(s)-2]
		}
	}
	return s
}
