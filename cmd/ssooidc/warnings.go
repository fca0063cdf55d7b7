package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// defaultAddr is the listen address when none is given.
const defaultAddr = "127.0.0.1:8080"

// derivePublicURL is the public URL when none is configured: the listen
// address's host, or, when the server listens on every address (0.0.0.0,
// ::, or none), this machine's first network address, so that a phone
// scanning the QR code is sent here rather than to itself. Without a
// network address it is 127.0.0.1.
func derivePublicURL(cfg server.Config) string {
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	addr := cfg.Addr
	if addr == "" {
		addr = defaultAddr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return scheme + "://" + addr
	}
	if unspecified(host) {
		host = networkAddr()
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

func unspecified(host string) bool {
	if host == "" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

// networkAddr is the first global unicast address of an interface that
// is up, IPv4 first; 127.0.0.1 if there is none.
func networkAddr() string {
	ifs, err := net.Interfaces()
	if err != nil {
		return "127.0.0.1"
	}
	var v6 string
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok || !ipn.IP.IsGlobalUnicast() {
				continue
			}
			if ipn.IP.To4() != nil {
				return ipn.IP.String()
			}
			if v6 == "" {
				v6 = ipn.IP.String()
			}
		}
	}
	if v6 != "" {
		return v6
	}
	return "127.0.0.1"
}

// isLoopbackHost reports whether host (a name or an address) is this
// machine only.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listensBeyondLoopback reports whether a listener bound to addr can be
// reached from other machines.
func listensBeyondLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return true
	}
	return !tcp.IP.IsLoopback()
}

// Users is what the start-up checks read of the user directory.
type Users interface {
	ListUsers(ctx context.Context) ([]sso.User, error)
}

// startupWarnings are the operator's mistakes serve can see once it is
// listening on bound: each is logged at warn, and serving goes on. derived
// says the public URL was not configured but derived from the address.
func startupWarnings(ctx context.Context, c server.Config, bound net.Addr, derived bool, users Users, identityProviders int) []string {
	var out []string
	public, _ := url.Parse(c.PublicURL)
	beyond := listensBeyondLoopback(bound)
	if derived && beyond && public != nil && !isLoopbackHost(public.Hostname()) {
		out = append(out, fmt.Sprintf("no public URL is configured: people are sent to %s, derived from this machine's address; "+
			"set --public-url (public_url) to the name they reach this server by", c.PublicURL))
	}
	if public != nil && beyond && isLoopbackHost(public.Hostname()) {
		out = append(out, fmt.Sprintf("the public URL %s is this machine only, but the server listens on %s: "+
			"people on other machines (and a phone scanning the QR code) are sent to themselves; "+
			"set --public-url (public_url) to the name they reach this server by", c.PublicURL, bound))
	}
	if c.TLSCert == "" && beyond && len(c.TrustedProxies) == 0 {
		out = append(out, fmt.Sprintf("serving plain HTTP on %s, which other machines can reach, with no trusted proxy: "+
			"passwords and tokens would cross the network unencrypted; give --tls-cert and --tls-key, "+
			"or put a TLS-terminating proxy in front and name it with --trusted-proxy (trusted_proxies)", bound))
	}
	if identityProviders == 0 {
		list, err := users.ListUsers(ctx)
		if err == nil && len(list) == 0 {
			out = append(out, "no user exists and no identity provider is configured, so nobody can sign in: "+
				`add one with "ssooidc admin user add NAME --password-stdin", declare users in the config file, or start with --dev`)
		}
	}
	return out
}
