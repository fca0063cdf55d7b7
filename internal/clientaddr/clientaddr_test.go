package clientaddr

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestOf(t *testing.T) {
	rv := Resolver{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	for _, c := range []struct{ peer, xff, want string }{
		{"192.0.2.1:5555", "198.51.100.9", "192.0.2.1"},                      // untrusted peer: header ignored
		{"10.1.2.3:5555", "198.51.100.9", "198.51.100.9"},                    // trusted proxy
		{"10.1.2.3:5555", "6.6.6.6, 198.51.100.9, 10.9.9.9", "198.51.100.9"}, // rightmost untrusted
		{"10.1.2.3:5555", "", "10.1.2.3"},
		{"10.1.2.3:5555", "garbage", "10.1.2.3"},
		{"[::ffff:192.0.2.7]:80", "", "192.0.2.7"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := rv.Of(r); got != c.want {
			t.Errorf("Of(%s, %q) = %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
}

func TestBucket(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7:51234":           "192.0.2.7",
		"192.0.2.7":                 "192.0.2.7",
		"[::ffff:192.0.2.7]:80":     "192.0.2.7",
		"[2001:db8:a:b:c:d:e:f]:80": "2001:db8:a:b::/64",
		"2001:db8:a:b::1":           "2001:db8:a:b::/64",
		"fe80::1%eth0":              "fe80::/64",
		"not an address":            "unknown:not an address",
	} {
		if got := Bucket(in); got != want {
			t.Errorf("Bucket(%q) = %q, want %q", in, got, want)
		}
	}
}
