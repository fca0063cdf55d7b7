package clientaddr

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

func TestOf(t *testing.T) {
	res := Resolver{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	for _, tc := range []struct {
		peer, xff, want string
	}{
		{"192.0.2.1:5", "", "192.0.2.1"},
		{"192.0.2.1:5", "198.51.100.1", "192.0.2.1"},                           // an untrusted peer's header is ignored
		{"10.0.0.1:5", "198.51.100.1", "198.51.100.1"},                         // a trusted proxy's is believed
		{"10.0.0.1:5", "203.0.113.9, 198.51.100.1", "198.51.100.1"},            // the nearest untrusted hop
		{"10.0.0.1:5", "198.51.100.1, 10.0.0.2", "198.51.100.1"},               // past a chain of proxies
		{"10.0.0.1:5", "garbage, 198.51.100.1", "198.51.100.1"},                // what the client wrote is not read
		{"10.0.0.1:5", "198.51.100.1, garbage", "10.0.0.1"},                    // a broken hop stops the walk
		{"[::1]:5", "2001:db8::7", "2001:db8::7"},                              // IPv6
		{"[::ffff:10.0.0.1]:5", "::ffff:198.51.100.1", "198.51.100.1"},         // mapped addresses unmapped
		{"not-an-address", "198.51.100.1", "not-an-address"},                   // a unix socket peer
		{"10.0.0.1:5", "", "10.0.0.1"},                                         // a trusted peer without the header
		{"10.0.0.1:5", "10.0.0.3, 10.0.0.2", "10.0.0.1"},                       // only proxies
		{"10.0.0.1:5", strings.Repeat("1.1.1.1,", 999) + "1.1.1.2", "1.1.1.2"}, // long headers
		{"192.0.2.1", "", "192.0.2.1"},                                         // no port
		{"[2001:db8::1%eth0]:5", "", "2001:db8::1%eth0"},                       // a zone is kept (AddressBucket drops it)
		{"10.0.0.1:5", "[2001:db8::1]:443", "10.0.0.1"},                        // a hop with a port is not an address
		{"10.0.0.1:5", " 198.51.100.1 ,  10.0.0.9 ", "198.51.100.1"},           // spaces
		{"10.0.0.1:5", "198.51.100.1\r\nX: y", "10.0.0.1"},                     // header injection is no address
		{"10.0.0.1:5", "0.0.0.0", "0.0.0.0"},                                   // what a proxy forwarded, as it is
		{"10.0.0.1:5", "::", "::"},                                             // even the unspecified address
		{"10.0.0.1:5", "255.255.255.255", "255.255.255.255"},                   // or broadcast
		{"10.0.0.1:5", "1.2.3.4.5", "10.0.0.1"},                                // not an address
		{"10.0.0.1:5", "01.2.3.4", "10.0.0.1"},                                 // leading zeros are refused
		{"10.0.0.1:5", "fe80::1%25eth0", "fe80::1%25eth0"},                     // a zone named 25eth0 (AddressBucket drops it)
		{"10.0.0.1:5", "2001:db8::1", "2001:db8::1"},                           // IPv6 behind an IPv4 proxy
		{"[::1]:5", "198.51.100.1", "198.51.100.1"},                            // and the other way round
		{"10.255.255.255:5", "198.51.100.1", "198.51.100.1"},                   // the edge of the trusted range
		{"11.0.0.0:5", "198.51.100.1", "11.0.0.0"},                             // just outside it
		{"[::2]:5", "198.51.100.1", "::2"},                                     // outside ::1/128
		{"10.0.0.1:5", "198.51.100.1,198.51.100.2", "198.51.100.2"},            // the rightmost untrusted hop wins
	} {
		r := &http.Request{RemoteAddr: tc.peer, Header: http.Header{}}
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := res.Of(r); got != tc.want {
			t.Errorf("peer %q, X-Forwarded-For %.80q: %q, want %q", tc.peer, tc.xff, got, tc.want)
		}
	}
}

// FuzzOf: an untrusted peer is its own address whatever the header says;
// behind a trusted proxy the answer is the peer or an address from the
// header that is not a proxy.
func FuzzOf(f *testing.F) {
	for _, s := range [][2]string{{"10.0.0.1:5", "198.51.100.1"}, {"192.0.2.1:5", "10.0.0.2"}, {"[::1]:1", "a, b,, ,c"}, {"x", ""}} {
		f.Add(s[0], s[1])
	}
	res := Resolver{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	f.Fuzz(func(t *testing.T, peer, xff string) {
		r := &http.Request{RemoteAddr: peer, Header: http.Header{"X-Forwarded-For": {xff}}}
		got := res.Of(r)
		p := (&http.Request{RemoteAddr: peer}).RemoteAddr
		bare := Resolver{}.Of(&http.Request{RemoteAddr: p})
		a, err := netip.ParseAddr(bare)
		if err != nil || !res.trusted(a.Unmap()) {
			if got != bare {
				t.Fatalf("untrusted peer %q with header %q gave %q, want %q", peer, xff, got, bare)
			}
			return
		}
		if got == bare {
			return
		}
		g, err := netip.ParseAddr(got)
		if err != nil || res.trusted(g) || !strings.Contains(xff, strings.TrimSpace(got)) {
			t.Fatalf("peer %q, header %q: %q", peer, xff, got)
		}
	})
}
