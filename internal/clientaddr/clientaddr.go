// Package clientaddr finds the address a request came from, believing
// X-Forwarded-For only from trusted proxies, and the bucket an address
// counts under for limits and the audit trail (IPv4 as is, IPv6 per /64,
// the block one subscriber usually holds).
package clientaddr

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver finds client addresses. The zero value trusts no proxy.
type Resolver struct {
	Trusted []netip.Prefix
}

// Of returns the client address of r: the connection's peer, or, when the
// peer is a trusted proxy, the rightmost X-Forwarded-For entry that is not
// a trusted proxy (the entries left of it may be forged by the client).
func (rv Resolver) Of(r *http.Request) string {
	host := r.RemoteAddr
	if hp, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		host = hp
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !rv.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !rv.trusted(a) {
			return a.String()
		}
	}
	return peer.String()
}

func (rv Resolver) trusted(a netip.Addr) bool {
	for _, p := range rv.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Bucket returns what addr (an address, "host:port", or anything a
// request's RemoteAddr may be) counts under: the IPv4 address, or the /64
// of an IPv6 address; something that is no address is kept, bounded.
func Bucket(addr string) string {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		if len(host) > 64 {
			host = host[:64]
		}
		return "unknown:" + host
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// BucketOf is Bucket(rv.Of(r)).
func (rv Resolver) BucketOf(r *http.Request) string { return Bucket(rv.Of(r)) }
