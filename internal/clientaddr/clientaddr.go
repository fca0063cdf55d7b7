package clientaddr

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Resolver finds client addresses. The zero value trusts no proxy.
type Resolver struct {
	// Trusted are the reverse proxies (load balancers) whose
	// X-Forwarded-For header is believed.
	Trusted []netip.Prefix
}

// Of returns the IP address (no port) of r's client: the connection's
// peer, or, when the peer is a trusted proxy, the nearest address in
// X-Forwarded-For that is not one. The header is read from the right: the
// entries left of the first untrusted address may be forged by the client.
// A peer that is not an IP address is returned as it is.
func (res Resolver) Of(r *http.Request) string {
	host := r.RemoteAddr
	if hp, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		host = hp
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !res.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !res.trusted(a) {
			return a.String()
		}
	}
	return peer.String()
}

func (res Resolver) trusted(a netip.Addr) bool {
	for _, p := range res.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// BucketOf returns what r's client counts under for limits and the audit
// trail: sso.AddressBucket of its address (IPv4 as is, IPv6 per /64).
func (res Resolver) BucketOf(r *http.Request) string { return sso.AddressBucket(res.Of(r)) }
