package sso

import (
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// FuzzRedirectURI: whatever a registration may carry is safe to send a
// browser to: a native redirect URI (anyone may register it) is http to a
// loopback IP or a private-use scheme, never https or another host; and a
// presented URI that matches a registered one has the same scheme and
// host, and may differ only in the port of a loopback IP.
func FuzzRedirectURI(f *testing.F) {
	for _, s := range [][2]string{
		{"http://127.0.0.1/oauth/callback", "http://127.0.0.1:49152/oauth/callback"},
		{"http://[::1]/cb", "http://[::1]:9/cb"},
		{"com.example.app:/cb", "com.example.app:/cb"},
		{"https://app.example.com/cb", "https://app.example.com/cb"},
		{"http://localhost/cb", "http://localhost:1/cb"},
		{"http://127.0.0.1/cb", "http://127.0.0.1.evil.example/cb"},
		{"http://evil@127.0.0.1/cb", "http://127.0.0.1@evil.example/cb"},
		{"javascript:alert(1)", "JAVASCRIPT:alert(1)"},
		{"http://127.0.0.1/cb#x", "http://127.0.0.1/cb"},
		{"HTTP://127.0.0.1/cb", "http://127.0.0.1:80/cb"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, registered, presented string) {
		_, native := CheckNativeRedirectURI(registered)
		_, declared := CheckRedirectURI(registered)
		if native && !declared {
			t.Fatalf("%q is native but not a redirect URI at all", registered)
		}
		if native {
			u, _ := url.Parse(registered)
			switch strings.ToLower(u.Scheme) {
			case "https":
				t.Fatalf("native redirect URI %q is https", registered)
			case "http":
				ip := net.ParseIP(u.Hostname())
				if ip == nil || !ip.IsLoopback() || u.User != nil {
					t.Fatalf("native redirect URI %q leaves the device", registered)
				}
			default:
				if !strings.Contains(u.Scheme, ".") || u.Fragment != "" {
					t.Fatalf("native redirect URI %q has scheme %q", registered, u.Scheme)
				}
			}
		}
		if !declared || !MatchRedirectURI(registered, presented) {
			return
		}
		r, _ := url.Parse(registered)
		p, err := url.Parse(presented)
		if err != nil {
			t.Fatalf("%q matched %q, which does not parse", presented, registered)
		}
		if !strings.EqualFold(r.Scheme, p.Scheme) || !strings.EqualFold(r.Hostname(), p.Hostname()) || p.Fragment != "" {
			t.Fatalf("%q matched %q on another scheme or host", presented, registered)
		}
		if r.Port() != p.Port() {
			ip := net.ParseIP(r.Hostname())
			if ip == nil || !ip.IsLoopback() || !strings.EqualFold(r.Scheme, "http") {
				t.Fatalf("%q matched %q on another port off loopback", presented, registered)
			}
		}
	})
}

// FuzzAddressBucket: every input gives a bounded key; IP addresses give an
// IPv4 address or an IPv6 /64 that contains them.
func FuzzAddressBucket(f *testing.F) {
	for _, s := range []string{"192.0.2.7:51234", "[2001:db8::1]:443", "[::ffff:192.0.2.7]:80", "[fe80::1%eth0]:80", "@", "", "::1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := AddressBucket(s)
		if len(b) > 72 {
			t.Fatalf("AddressBucket(%q) = %q: unbounded", s, b)
		}
		if strings.HasPrefix(b, "unknown:") {
			return
		}
		if pfx, err := netip.ParsePrefix(b); err == nil {
			if pfx.Bits() != 64 || !pfx.Addr().Is6() || pfx.Masked() != pfx {
				t.Fatalf("AddressBucket(%q) = %q, not an IPv6 /64", s, b)
			}
			return
		}
		if a, err := netip.ParseAddr(b); err != nil || !a.Is4() {
			t.Fatalf("AddressBucket(%q) = %q, neither IPv4 nor a /64", s, b)
		}
	})
}
