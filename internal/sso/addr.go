package sso

import (
	"net"
	"net/netip"
)

// AddressBucket returns the client address that per-address limits count
// remoteAddr under: the IPv4 address, or the /64 of an IPv6 address (the
// block one subscriber is usually given, RFC 6177: counting single IPv6
// addresses would give one attacker 2^64 fresh counters). remoteAddr is an
// http.Request.RemoteAddr ("host:port") or a bare address; an IPv4-mapped
// IPv6 address counts as the IPv4 address. Anything else counts under
// "unknown:" and its first 64 bytes, so a key stays bounded.
func AddressBucket(remoteAddr string) string {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
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
